"""Does a model's avqa answer follow from its own reasoning? Scores an evaluation's avqa predictions three ways.

AV-Synth's avqa reasoning lists each object in view with its place and each sound with where it comes from
("In view: the red circle left, the green square right. Heard: noise bursts from 12 s, the green square right."),
so every question's answer can be read off it (`crab_plus.data.synth.avqa.avqa_answer_from_reasoning`). For each
test question this prints, by kind of question: the model's answer right, the answer its reasoning implies right,
the answer equal to what the reasoning implies, and the answer its last sentence (the question's focus, "The square:
silent.") ends with right. A reasoning right and an answer beside it means the last step, reading the question
against the reasoning, is what the model lacks (model card, (28)); the focus sentence writes that step out (29).

    crab-plus evaluate MODEL --data synth_data/AVUIE_2 --out eval --tasks avqa
    python benchmarks/avqa_reasoning.py synth_data/AVUIE_2 eval/predictions.jsonl

Results (model card (28), the recipe-from-nothing run of stop 33, trained without the focus sentence): answer right
45 of 80, the reasoning's answer right 69 of 80, the answer equal to the reasoning's 49 of 80. Model card (29), the
run of stop 34 with it: 36, 66, 45 and the focus's answer right 42 of 80 ("Is the X making a sound?": 0, 12, 0, 0
of 12; the model wrote another question's focus).
"""

from __future__ import annotations

import re
from collections import defaultdict

from crab_plus.data.synth.avqa import avqa_answer_from_focus, avqa_answer_from_reasoning
from crab_plus.data.synth.scene import SHAPES
from crab_plus.tasks import get_task
from prediction_rows import prediction_arguments, task_rows

COLUMNS = ("answer right", "reasoning's answer right", "answer = reasoning's", "focus's answer right")


def question_kind(question: str) -> str:
    """The question with its object's name replaced: "Where is the X?"."""
    return re.sub(rf"the ({'|'.join(SHAPES)})\b", "the X", question)


def score(data: str, predictions: str, mode: str = "both") -> dict[str, list[int]]:
    """Question kind -> [answer right, reasoning's answer right, answer equal to the reasoning's, focus's answer right,
    questions]."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    task = get_task("avqa")
    for sample, row in task_rows(data, predictions, "avqa", mode):
        answer = task.parse(row["text"])
        reasoning = row["text"].rsplit("\n", 1)[0]
        implied = avqa_answer_from_reasoning(sample.question, reasoning)
        given = getattr(answer, "label", None)
        truth = sample.ground_truth.label
        count = counts[question_kind(sample.question)]
        count[0] += given == truth
        count[1] += implied == truth
        count[2] += implied is not None and given == implied
        count[3] += avqa_answer_from_focus(reasoning) == truth
        count[4] += 1
    return dict(counts)


def main() -> None:
    args = prediction_arguments(__doc__.split("\n")[0])
    counts = score(args.data, args.predictions, args.mode)
    width = max(len(kind) for kind in counts)
    print(f"{'question':{width}}  " + "  ".join(COLUMNS))
    for kind, (*scores, n) in sorted(counts.items()):
        print(f"{kind:{width}}  " + "  ".join(f"{v:>3} of {n:<3}".ljust(len(c)) for v, c in zip(scores, COLUMNS)))
    *totals, n = [sum(c[i] for c in counts.values()) for i in range(5)]
    print(f"{'all':{width}}  " + "  ".join(f"{v:>3} of {n:<3}".ljust(len(c)) for v, c in zip(totals, COLUMNS)))


if __name__ == "__main__":
    main()
