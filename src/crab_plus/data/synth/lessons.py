"""Text-only lessons for the in-context step of the matching and avqa reasonings, taught before the multi-task stage.

The a2v/v2a reasoning (:mod:`.matching`) lists what each candidate shows or sounds like and then gives a verdict
word, which depends only on words already written: is the heard kind among this video's shapes, is this audio's
kind among the seen shapes. The avqa reasoning (:mod:`.qa`) lists what is seen and heard, and the answer is a
count, lookup or copy over that listing chosen by the question. A language model pretrained on text does such
steps in context; the small from-scratch model does not, and learning them from the few hundred clips of each
task in the multi-task stage does not happen in the step budget (model_cards/crab-plus-synth-small.md, (13),
(14), (15)). A lesson is such a task's prompt and target with random kinds and no media: ``crab-plus train
synth_lessons`` trains the language model on them (the HF Trainer with :class:`LessonCollator`), much as the
released Crab+ starts from an LLM.

A run of random tokens (10 to 100 drawn, about 15 to 150 once decoded and re-tokenised) stands where the media
tokens would be, so the step is learnt wherever the target sits in a sequence. Matching lessons are plain cases
only: a look-alike candidate (same kinds, another rhythm) can only be told apart from the media.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .annotate import location_word
from .matching import a2v_reasoning, v2a_reasoning
from .qa import NEEDS_SHAPE, QUESTIONS, answer_from_listing, avqa_listing, question_text
from .scene import SHAPES

LESSON_TASKS = ("a2v", "avqa", "v2a")
FILLER_TOKENS = (10, 100)  # min, max random tokens standing in for the media (more once decoded and re-tokenised)


@dataclass(frozen=True)
class Lesson:
    """One text-only training sample: ``task`` (its prompt, no media, with ``question`` if the task asks one) and
    ``target`` (reasoning + answer)."""

    task: str
    target: str
    filler_seed: int
    question: str | None = None


def make_lesson(rng: np.random.Generator) -> Lesson:
    """A random lesson of one of :data:`LESSON_TASKS`."""
    task = LESSON_TASKS[int(rng.integers(len(LESSON_TASKS)))]
    return _avqa_lesson(rng) if task == "avqa" else _matching_lesson(rng, task)


def _matching_lesson(rng: np.random.Generator, task: str) -> Lesson:
    """A plain matching case: the matching candidate shares the heard (a2v) or seen (v2a) kind, the other
    candidate has none of the kinds involved."""
    from .annotate import target_text
    from .answers import choice

    correct = int(rng.integers(1, 3))
    shapes = [str(s) for s in rng.permutation(SHAPES)]
    own = shapes[:int(rng.integers(1, 3))]          # the matching clip's shapes, left to right
    other = shapes[2:2 + int(rng.integers(1, 3))]   # the other clip's: none of the matching clip's
    heard = own[int(rng.integers(len(own)))]
    if task == "a2v":
        reasoning = a2v_reasoning(heard, [own, other] if correct == 1 else [other, own], correct)
    else:
        kinds = [heard, other[int(rng.integers(len(other)))]]
        reasoning = v2a_reasoning(own, kinds if correct == 1 else kinds[::-1], correct)
    return Lesson(task, target_text(task, choice(correct), reasoning), int(rng.integers(2**31)))


def _avqa_lesson(rng: np.random.Generator) -> Lesson:
    """A listing drawn as the avqa recipe draws its scenes (2-3 objects, 1 to all but one of them sounding, an
    off-screen sound 30 % of the time, sounds in random order) and a question of a random kind about it."""
    from .annotate import target_text
    from .answers import label

    count = int(rng.integers(2, 4))
    shapes = [str(s) for s in rng.permutation(SHAPES)]
    seen = [(shape, location_word((i + 0.5) / count)) for i, shape in enumerate(shapes[:count])]  # left to right
    sounding = [seen[i][0] for i in rng.permutation(count)[:int(rng.integers(1, count))]]
    heard = [str(h) for h in rng.permutation(sounding + shapes[count:count + int(rng.random() < 0.3)])]
    kinds = [k for k in QUESTIONS if k != ("where_first" if len(sounding) == 1 else "where_sounding")]
    kind = kinds[int(rng.integers(len(kinds)))]
    shape = seen[int(rng.integers(count))][0] if kind in NEEDS_SHAPE else None
    answer = answer_from_listing(kind, seen, heard, shape)
    target = target_text("avqa", label(answer), avqa_listing(seen, heard))
    return Lesson("avqa", target, int(rng.integers(2**31)), question_text(kind, shape))


def make_lessons(n: int, seed: int = 0) -> list[Lesson]:
    """``n`` lessons, the same for the same ``seed``."""
    rng = np.random.default_rng(seed)
    return [make_lesson(rng) for _ in range(n)]


class LessonCollator:
    """Lessons -> a right-padded training batch: ``input_ids``, ``attention_mask``, ``labels`` (the target only)
    and ``task_ids`` (index into ``task_keys``), as :class:`~crab_plus.data.CrabPlusCollator` gives.

    The prompt is the task's chat prompt with the lead text and instruction; random tokens (drawn from the
    lesson's ``filler_seed``, ordinary vocabulary only) take the place of the media.
    """

    def __init__(self, processor, task_keys: Sequence[str]):
        missing = [t for t in LESSON_TASKS if t not in task_keys]
        if missing:
            from ...errors import ConfigError

            raise ConfigError(f"lessons are of tasks {list(LESSON_TASKS)}; task_keys lacks {missing}.")
        self.processor = processor
        self.task_keys = list(task_keys)
        # ordinary tokens only: the special tokens (media placeholders, chat markers) follow the learnt vocabulary
        self._ordinary = min(processor.tokenizer.all_special_ids + [len(processor.tokenizer)])

    def _prepare(self, lesson: Lesson):
        from ...tasks import get_task

        task = get_task(lesson.task)
        rng = np.random.default_rng(lesson.filler_seed)
        filler_ids = rng.integers(0, self._ordinary, int(rng.integers(FILLER_TOKENS[0], FILLER_TOKENS[1] + 1)))
        filler = self.processor.tokenizer.decode(filler_ids.tolist())
        content = [{"type": "text", "text": f"{task.lead_text} {filler} {task.instruction(lesson.question)}"}]
        prompt = self.processor.apply_chat_template([{"role": "user", "content": content}], tokenize=False,
                                                    add_generation_prompt=True)
        return self.processor(text=prompt, target=lesson.target, return_tensors="pt")

    def __call__(self, lessons: Sequence[Lesson]):
        import torch

        batch = self.processor.pad([self._prepare(lesson) for lesson in lessons], padding_side="right")
        batch["task_ids"] = torch.tensor([self.task_keys.index(l.task) for l in lessons], dtype=torch.long)  # (B,)
        return batch
