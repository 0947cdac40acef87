"""Text-only lessons for the matching tasks' in-context step, taught before the multi-task stage.

The a2v/v2a reasoning (:mod:`.matching`) lists what each candidate shows or sounds like and then gives a verdict
word, which depends only on words already written: is the heard kind among this video's shapes, is this audio's
kind among the seen shapes. A language model pretrained on text does this lookup in context; the small
from-scratch model does not, and learning it from the few hundred matching clips of the multi-task stage does
not happen in the step budget (model_cards/crab-plus-synth-small.md, (13) and (14)). A lesson is a matching
task's prompt and target with random kinds and no media: ``crab-plus train synth_lessons`` trains the language
model on them (the HF Trainer with :class:`LessonCollator`), much as the released Crab+ starts from an LLM.

A run of random tokens (10 to 100 drawn, about 15 to 150 once decoded and re-tokenised) stands where the media
tokens would be, so the lookup is learnt wherever the target sits in a sequence. Lessons are plain cases only: a
look-alike candidate (same kinds, another rhythm) can only be told apart from the media.

A lesson can also be the assistant turn alone (``LessonCollator(..., with_prompt=False)``, ``lesson_prompt: none``
in a preset): about 30 tokens instead of about 150, so a verdict's attention is spread over a few words, the heard
kind among them, instead of a long prompt. In the model card's runs (per-kind verdicts, (25)) the comparison was
learnt from those within 200 steps and carried over to full lessons in 400 more, where full lessons alone gave a
shortcut (18, 24). The shipped recipe does not use them yet (model_cards/crab-plus-synth-small.md).

avqa lessons (``make_lessons(n, tasks=["a2v", "v2a", "avqa"])``, ``tasks: [a2v, v2a, avqa]`` in a preset) teach the
same kind of step for MUSIC-AVQA-style questions: the question is in the prompt and the reasoning lists each object
in view with its place and each sound with where it comes from, so the answer is a count, a lookup or a copy of
words already written. A model trained on the clips wrote that reasoning right and still answered beside it (model
card, (28)). An avqa lesson is a real AV-Synth avqa question and target (the recipe's scene sampler, no media
rendered); it needs the prompt, which holds the question.

Ref-AVS lessons (``tasks: [..., ref_avs]``) teach the verdict of a colour-and-shape description ("the red cross"):
each of the frame's kinds with its verdict, whether it is the asked kind ("Asked: cross. Frame: triangle no, cross
yes."), the matching tasks' lookup again, which the clips alone did not teach (model card, (30)). When the kind is
absent the lesson is the whole target ("... cross no. Nothing in the frame is the red cross." and the false
answer); when it is there, what follows the listing (the place, the box) comes from the frame, so the lesson ends
with the listing and is *open*: no end-of-turn token, nothing scored after it. They need the prompt, which holds
the description.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .matching import a2v_reasoning, v2a_reasoning
from .scene import SHAPES

LESSON_TASKS = ("a2v", "v2a")  # the default lessons: the matching tasks' verdicts
LESSON_KINDS = LESSON_TASKS + ("avqa", "ref_avs")  # every task there are lessons of
PROMPTED_KINDS = ("avqa", "ref_avs")  # their prompt holds what is asked (the question, the description)
FILLER_TOKENS = (10, 100)  # min, max random tokens standing in for the media (more once decoded and re-tokenised)


@dataclass(frozen=True)
class Lesson:
    """One text-only training sample: ``task`` (its prompt, no media, with ``question`` for avqa and
    ``description`` for Ref-AVS) and ``target`` (reasoning + answer; with ``open_end`` only its beginning: no
    end-of-turn token follows it)."""

    task: str
    target: str
    filler_seed: int
    question: str | None = None
    description: str | None = None
    open_end: bool = False


def make_lesson(rng: np.random.Generator, tasks: Sequence[str] = LESSON_TASKS) -> Lesson:
    """A lesson of one of ``tasks``, drawn with equal odds: an avqa question (:func:`avqa_lesson`), a Ref-AVS
    verdict (:func:`ref_avs_lesson`) or a random plain matching case: the matching candidate shares the heard (a2v)
    or seen (v2a) kind, the other candidate has none of the kinds involved."""
    from .annotate import target_text
    from .answers import choice

    task = tasks[int(rng.integers(len(tasks)))]
    if task == "avqa":
        return avqa_lesson(rng)
    if task == "ref_avs":
        return ref_avs_lesson(rng)
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


def avqa_lesson(rng: np.random.Generator) -> Lesson:
    """An AV-Synth avqa scene and question (the recipe's samplers; nothing rendered) with its reasoning and answer."""
    from .annotate import target_text
    from .answers import label
    from .avqa import avqa_question, avqa_reasoning, avqa_scene

    scene = avqa_scene(rng)
    asked = avqa_question(rng, scene)
    return Lesson("avqa", target_text("avqa", label(asked.answer), avqa_reasoning(scene, asked.focus)),
                  int(rng.integers(2**31)), asked.question)


def ref_avs_lesson(rng: np.random.Generator) -> Lesson:
    """A colour-and-shape Ref-AVS description and 2-3 random frame kinds (left to right), the asked kind among them
    or not with equal odds: the whole target when it is absent, the reasoning up to its verdict when it is there."""
    from .annotate import target_text
    from .answers import referred
    from .matching import presence_reasoning
    from .recipes import kind_description, nothing_fits

    shapes = [str(s) for s in rng.permutation(SHAPES)]
    seen = shapes[:int(rng.integers(2, 4))]
    asked = seen[int(rng.integers(len(seen)))] if rng.random() < 0.5 else shapes[-1]
    description = kind_description(asked)
    reasoning = presence_reasoning(asked, seen)
    seed = int(rng.integers(2**31))
    if asked in seen:
        return Lesson("ref_avs", reasoning, seed, description=description, open_end=True)
    target = target_text("ref_avs", referred(False), f"{reasoning} {nothing_fits(description)}")
    return Lesson("ref_avs", target, seed, description=description)


def make_lessons(n: int, seed: int = 0, tasks: Sequence[str] = LESSON_TASKS) -> list[Lesson]:
    """``n`` lessons of ``tasks`` (some of :data:`LESSON_KINDS`), the same for the same ``seed`` and ``tasks``."""
    check_lesson_tasks(tasks)
    rng = np.random.default_rng(seed)
    return [make_lesson(rng, tuple(tasks)) for _ in range(n)]


def check_lesson_tasks(tasks: Sequence[str], with_prompt: bool = True) -> None:
    """ConfigError unless ``tasks`` is a non-empty list of tasks there are lessons of (avqa and ref_avs only
    ``with_prompt``)."""
    from ...errors import ConfigError

    unknown = [t for t in tasks if t not in LESSON_KINDS]
    if not tasks or unknown:
        raise ConfigError(f"lessons are of tasks {list(LESSON_KINDS)}; got {list(tasks)}: choose some of those.")
    prompted = [t for t in tasks if t in PROMPTED_KINDS]
    if not with_prompt and prompted:
        raise ConfigError(f"{prompted} lessons need their prompt, which holds what is asked: use lesson_prompt: full.")


class LessonCollator:
    """Lessons -> a right-padded training batch: ``input_ids``, ``attention_mask``, ``labels`` (the target only)
    and ``task_ids`` (index into ``task_keys``), as :class:`~crab_plus.data.CrabPlusCollator` gives.

    The prompt is the task's chat prompt with the lead text and instruction; random tokens (drawn from the
    lesson's ``filler_seed``, ordinary vocabulary only) take the place of the media. ``with_prompt=False``: the
    prompt is only the assistant turn's opening, so a sample is the reasoning and answer alone.
    """

    def __init__(self, processor, task_keys: Sequence[str], with_prompt: bool = True,
                 lesson_tasks: Sequence[str] = LESSON_TASKS):
        check_lesson_tasks(lesson_tasks, with_prompt)
        missing = [t for t in lesson_tasks if t not in task_keys]
        if missing:
            from ...errors import ConfigError

            raise ConfigError(f"lessons are of tasks {list(lesson_tasks)}; task_keys lacks {missing}.")
        self.processor = processor
        self.task_keys = list(task_keys)
        self.with_prompt = with_prompt
        # ordinary tokens only: the special tokens (media placeholders, chat markers) follow the learnt vocabulary
        self._ordinary = min(processor.tokenizer.all_special_ids + [len(processor.tokenizer)])
        from ...processing.processing_crab_plus import END_OF_TURN

        self._end_ids = processor.tokenizer(END_OF_TURN, add_special_tokens=False)["input_ids"]

    def prepare(self, lesson: Lesson):
        """One lesson -> ``processor.prepare``'s features (tokens only, no media)."""
        from ...processing.processing_crab_plus import GENERATION_PROMPT
        from ...tasks import get_task

        if not self.with_prompt:
            return self.processor(text=GENERATION_PROMPT, target=lesson.target, return_tensors="pt")
        task = get_task(lesson.task)
        rng = np.random.default_rng(lesson.filler_seed)
        filler_ids = rng.integers(0, self._ordinary, int(rng.integers(FILLER_TOKENS[0], FILLER_TOKENS[1] + 1)))
        filler = self.processor.tokenizer.decode(filler_ids.tolist())
        instruction = task.instruction(question=lesson.question, description=lesson.description)
        content = [{"type": "text", "text": f"{task.lead_text} {filler} {instruction}"}]
        prompt = self.processor.apply_chat_template([{"role": "user", "content": content}], tokenize=False,
                                                    add_generation_prompt=True)
        features = self.processor(text=prompt, target=lesson.target, return_tensors="pt")
        return _without_end_of_turn(features, self._end_ids) if lesson.open_end else features

    def __call__(self, lessons: Sequence[Lesson]):
        import torch

        batch = self.processor.pad([self.prepare(lesson) for lesson in lessons], padding_side="right")
        batch["task_ids"] = torch.tensor([self.task_keys.index(l.task) for l in lessons], dtype=torch.long)  # (B,)
        return batch


def _without_end_of_turn(features, end_ids: list[int]):
    """An open lesson's features without the end-of-turn tokens the processor appends to every target, so nothing
    after its last word is scored. Tensors of shape (1, L) -> (1, L - len(end_ids))."""
    cut = len(end_ids)
    if features["input_ids"][0, -cut:].tolist() != end_ids:
        raise ValueError("the processor's features do not end with the end-of-turn tokens; cannot open the lesson.")
    for key in ("input_ids", "attention_mask", "labels"):
        if key in features:
            features[key] = features[key][:, :-cut]
    return features


class MixedCollator:
    """Annotated samples and text-only lessons in one training batch: each prepared as its own collator does
    (:class:`~crab_plus.data.CrabPlusCollator`, :class:`LessonCollator`), then padded together; a lesson's row has
    no media placeholders, so the media tensors hold the samples' alone. ``task_ids`` index ``task_keys`` for both
    (a lesson of a2v counts as a2v in the per-task losses)."""

    def __init__(self, processor, task_keys: Sequence[str], with_prompt: bool = True,
                 lesson_tasks: Sequence[str] = LESSON_TASKS):
        from ..collator import CrabPlusCollator

        self.processor = processor
        self.task_keys = list(task_keys)
        self.samples = CrabPlusCollator(processor, task_keys, padding_side="right")
        self.lessons = LessonCollator(processor, task_keys, with_prompt, lesson_tasks)

    def __call__(self, features: Sequence):
        import torch

        from ..hf import sample_from_row

        prepared, tasks = [], []
        for index, feature in enumerate(features):
            if isinstance(feature, Lesson):
                prepared.append(self.lessons.prepare(feature))
                tasks.append(feature.task)
            else:
                sample = sample_from_row(feature, parse_answer=False, index=index)
                prepared.append(self.samples.prepare(index, sample))
                tasks.append(sample.task)
        batch = self.processor.pad(prepared, padding_side="right")
        batch["task_ids"] = torch.tensor([self.task_keys.index(task) for task in tasks], dtype=torch.long)  # (B,)
        return batch
