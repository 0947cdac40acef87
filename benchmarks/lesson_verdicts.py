"""Has a Crab+ learnt the matching lessons? Teacher-forced verdicts on held-out text-only lessons.

Stage 0b of the shipped model's recipe (`crab-plus train synth_lessons`) teaches the language model the in-context
step of a2v and v2a on generated lessons (`crab_plus.data.synth.lessons`): after each candidate's listing, "yes" or
"no" by whether the heard (a2v) or seen (v2a) kind is among the words just written. This script feeds N lessons of
another seed than training's (teacher-forced, as in training) and counts the verdict tokens the model predicts
right, the lessons whose every verdict is right, and the verdicts by case (task, first or second candidate, the
right verdict). Run it on stage 0b's output before stage 1: the matching tasks are only learnt when it is (nearly)
all right.

    python benchmarks/lesson_verdicts.py crab-plus-synth-lessons --n 64 [--avqa]

`--ref-avs` also scores every verdict token of n held-out Ref-AVS lessons (is the described kind among the frame's
kinds listed just before), by the right verdict. Stop 27's shipped model, never trained on these lessons: 53 of 64
(34 of 35 "yes", 19 of 29 "no"): its matching lookup, in the same form, carries over to them. Stop 37's, trained on
them in the per-kind form (model card, (31), (32)): 158 of 158 verdicts, and 163 of 164 matching verdicts.

`--avqa` also scores held-out avqa lessons (`lessons` with `tasks: [a2v, v2a, avqa]`): the answer, read off the
reasoning by the question, predicted whole, and the first word of the reasoning's focus sentence, which names the
question's kind ("Sounds heard: two.", "The square: silent."; docs/synth.md), both teacher-forced. A stage 0b of
500 steps with a third avqa lessons (model card, (28)): 24 of 64 answers; 300 steps of avqa lessons alone on a
clip-trained model: 47 of 64. With the focus sentence (model card, (29)): after stage 0b 36 answers and 48 focus
words of 64, after stage 1 11 and 25, after stage 1c 30 and 30 (the most frequent first word alone: about 18).

Results (64 lessons, seed 12345; model card (17), (18)): stop 19's shipped model's backbone (after stage 1) 122 of
128 verdicts, 58 of 64 lessons wholly right, right in every case (the weakest: a2v's first candidate when the answer
is "no", 8 of 12). The same recipe run again on stop 22's machine: after stage 0b 103 of 128 and 39 of 64 (97 and 36
after 400 more steps; 87 and 23 with seed 43), every second verdict right and nearly every first one "yes" (a2v: 1
of 12 "no" right, v2a: 3 of 12): a plain lesson has one match, so the second verdict is the first one's opposite,
and the model learnt that and the prior instead of the comparison. After stage 1 (where look-alike records begin
both verdicts with "yes") 70 of 128 and 6 of 64, "yes" to nearly all, and its a2v and v2a fell to chance; the
captioning stage before stage 0b (`crab-plus-synth-align`) 0 of 128.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from itertools import accumulate
from typing import Sequence

import torch
from transformers import AutoModelForMultimodalLM, AutoProcessor

import crab_plus  # noqa: F401  (registers the Crab+ auto classes)
from crab_plus.data.synth.lessons import LESSON_TASKS, LessonCollator, make_lessons
from crab_plus.data.synth.matching import NO, YES


def verdict_token_ids(tokenizer) -> torch.Tensor:
    """Ids of the matching verdict words (with or without a leading space) that are single tokens."""
    encoded = [tokenizer.encode(word, add_special_tokens=False) for v in (YES, NO) for word in (v, " " + v)]
    return torch.tensor(sorted({ids[0] for ids in encoded if len(ids) == 1}))


def teacher_forced(model, collator, lessons) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (labels, predicted), both (B, T-1): the token each position of the collated ``lessons`` should predict
    (-100 outside the target) and the model's argmax there, fed the true tokens before it."""
    batch = collator(lessons)
    labels = batch.pop("labels")[:, 1:]
    batch.pop("task_ids")
    with torch.no_grad():
        predicted = model(**batch).logits[:, :-1].argmax(-1)
    return labels, predicted


Cases = dict[tuple[str, int, str], list[int]]  # (task, candidate 1 or 2, the right verdict) -> [right, total]


def score_lessons(model, processor, n: int, seed: int, batch_size: int = 16,
                  tasks: Sequence[str] = LESSON_TASKS) -> tuple[int, int, int, Cases]:
    """-> (verdict tokens right, verdict tokens, lessons with every verdict right, per-case counts) over ``n``
    lessons of ``tasks`` and ``seed``."""
    collator = LessonCollator(processor, list(tasks), lesson_tasks=tasks)
    verdicts = verdict_token_ids(processor.tokenizer)
    verdict_words = {int(i): processor.tokenizer.decode(i).strip() for i in verdicts}  # id -> "yes" / "no"
    lessons = make_lessons(n, seed=seed, tasks=tasks)
    whole = 0
    cases: Cases = defaultdict(lambda: [0, 0])
    for start in range(0, n, batch_size):
        chunk = lessons[start:start + batch_size]
        labels, predicted = teacher_forced(model, collator, chunk)
        is_verdict = torch.isin(labels, verdicts)  # (B, T-1)
        wrong = is_verdict & (predicted != labels)
        whole += int((~wrong.any(-1)).sum())
        for row, lesson in enumerate(chunk):  # a lesson's verdict tokens in order: candidate 1, candidate 2
            for candidate, position in enumerate(is_verdict[row].nonzero().flatten().tolist(), start=1):
                case = cases[(lesson.task, candidate, verdict_words[int(labels[row, position])])]
                case[0] += int(not wrong[row, position])
                case[1] += 1
    right = sum(case_right for case_right, _ in cases.values())  # every verdict token is in one case
    total = sum(case_total for _, case_total in cases.values())
    return right, total, whole, dict(cases)


def score_avqa_answers(model, processor, n: int, seed: int, batch_size: int = 16) -> tuple[int, int]:
    """Of ``n`` held-out avqa lessons of ``seed``: how many answers (the last line of the target) the model predicts
    whole, and how many focus sentences it starts with the right word ("Sounds", "The", "First", ...: the question's
    kind), both teacher-forced: the question read against the reasoning before it."""
    collator = LessonCollator(processor, ["avqa"], lesson_tasks=["avqa"])
    lessons = make_lessons(n, seed=seed, tasks=["avqa"])
    answers = focus_words = 0
    for start in range(0, n, batch_size):
        chunk = lessons[start:start + batch_size]
        labels, predicted = teacher_forced(model, collator, chunk)
        for row, lesson in enumerate(chunk):
            positions = (labels[row] != -100).nonzero().flatten().tolist()  # the target, then <|im_end|>
            words = [processor.tokenizer.decode([int(labels[row, k])]) for k in positions]
            last_break = max(i for i, word in enumerate(words) if word.endswith("\n"))
            answer = positions[last_break + 1:-1]
            answers += bool((predicted[row, answer] == labels[row, answer]).all())
            focus_start = lesson.target.rindex(". ", 0, lesson.target.rindex("\n")) + 2  # the focus's first letter
            ends = list(accumulate(len(word) for word in words))  # character end of each target token
            first = positions[next(i for i, end in enumerate(ends) if end > focus_start)]
            focus_words += bool(predicted[row, first] == labels[row, first])
    return answers, focus_words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a Crab+ model folder (e.g. crab-plus-synth-lessons)")
    parser.add_argument("--n", type=int, default=64, help="lessons to score")
    parser.add_argument("--seed", type=int, default=12345,
                        help="lesson seed (training uses its run seed, 42 in the presets)")
    parser.add_argument("--avqa", action="store_true", help="also score the answers of n held-out avqa lessons")
    parser.add_argument("--ref-avs", action="store_true",
                        help="also score the verdicts of n held-out Ref-AVS lessons")
    args = parser.parse_args()
    processor = AutoProcessor.from_pretrained(args.model)
    model = AutoModelForMultimodalLM.from_pretrained(args.model).eval()
    right, total, whole, cases = score_lessons(model, processor, args.n, args.seed)
    print(f"{args.model}: verdicts {right}/{total} right, lessons with every verdict right {whole}/{args.n}")
    print("by case (a shortcut instead of the comparison: one candidate's verdicts right, the other's a constant):")
    for (task, candidate, truth), (case_right, case_total) in sorted(cases.items()):
        print(f"  {task} candidate {candidate}, right verdict {truth!r}: {case_right}/{case_total}")
    if args.avqa:
        right, focus_words = score_avqa_answers(model, processor, args.n, args.seed)
        print(f"avqa lessons answered right (teacher-forced): {right}/{args.n}")
        print(f"avqa focus sentences begun with the question kind's word (teacher-forced): {focus_words}/{args.n}")
    if args.ref_avs:  # every verdict token of the Ref-AVS lessons, by the right verdict
        right, total, _, ref_cases = score_lessons(model, processor, args.n, args.seed, tasks=["ref_avs"])
        by_truth: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (_, _, truth), (case_right, case_total) in ref_cases.items():
            by_truth[truth][0] += case_right
            by_truth[truth][1] += case_total
        counts = ", ".join(f"right verdict {truth!r}: {r}/{t}" for truth, (r, t) in sorted(by_truth.items()))
        print(f"Ref-AVS lessons' verdicts right (teacher-forced, {args.n} lessons): {right}/{total} ({counts})")


if __name__ == "__main__":
    main()
