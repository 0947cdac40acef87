"""Is the described object in the frame? Scores an evaluation's Ref-AVS verdicts by kind of description.

AV-Synth's Ref-AVS describes the object four ways: by colour and shape ("the red circle"), by its sound ("the
object making a steady tone"), as sounding ("the sounding cross": in the test split always a silent one, so "not
there") or as silent ("the silent diamond"). For each kind this prints how often the model's answer says "there"
exactly when the object is there, next to what always answering the kind's most frequent verdict gets. For
colour-and-shape descriptions, whose reasoning lists the frame's kinds, each with its verdict ("Asked: cross. Frame:
triangle no, cross yes."), it also counts the answers in that form, those whose listing is the target's, and of
those the ones with a wrong verdict: a right listing with a wrong verdict is the in-context lookup failing, not the
eyes (model card, (30)).

    crab-plus evaluate MODEL --data synth_data/AVUIE_2 --out eval --tasks ref_avs --sam-model box
    python benchmarks/refavs_verdicts.py synth_data/AVUIE_2 eval/predictions.jsonl

Results (model card (30), the recipe-from-nothing run of stop 35): colour and shape 15 of 32 (always "there" 18),
making a sound 17 of 17, silent 19 of 19, sounding 12 of 12; 28 listings right, 15 of them with a wrong verdict.
Stop 27's shipped model: 30 of 32, 17, 19 and 0 of 12; 28 listings right, none with a wrong verdict. Stop 36's run,
with this per-kind form and Ref-AVS lessons (model card, (31)): 27 of 32, 17, 19, 12 of 12; 18 listings right, one
with a wrong verdict. The shipped model since stop 37 (model card, (32)): 27 of 32, 17, 18 of 19, 12 of 12; 24
listings right, 2 with a wrong verdict.
"""

from __future__ import annotations

import re
from collections import Counter

from crab_plus.tasks import get_task
from prediction_rows import prediction_arguments, task_rows

VERDICT = re.compile(r"Asked: (\w+)\. Frame: ([\w, ]+)\.")  # colour-and-shape reasoning: asked kind, listing


def judged_kinds(listing: str) -> dict[str, str]:
    """"square no, circle yes" -> {"square": "no", "circle": "yes"}."""
    return dict(pair.split(" ", 1) for pair in listing.split(", ") if " " in pair)


def description_kind(description: str) -> str:
    """"sounding", "silent", "making a sound" or "colour and shape"."""
    for word, kind in (("sounding", "sounding"), ("silent", "silent"), ("making", "making a sound")):
        if f" {word} " in f" {description} ":
            return kind
    return "colour and shape"


def score(data: str, predictions: str, mode: str = "both") -> tuple[dict[str, Counter], Counter]:
    """-> (kind -> Counter(right, n, there), colour-and-shape Counter(in_form, listing_right, verdict_wrong))."""
    task = get_task("ref_avs")
    kinds: dict[str, Counter] = {}
    listing: Counter = Counter()
    for sample, row in task_rows(data, predictions, "ref_avs", mode):
        truth = sample.ground_truth.exists
        said = getattr(task.parse(row["text"]), "exists", None)  # None: unparsed, counted wrong
        kind = description_kind(sample.description)
        count = kinds.setdefault(kind, Counter())
        count.update(right=said == truth, n=1, there=truth)
        if kind == "colour and shape":
            given, target = VERDICT.match(row["text"]), VERDICT.match(sample.target)
            if given is not None and target is not None:
                given_kinds, target_kinds = judged_kinds(given.group(2)), judged_kinds(target.group(2))
                right_listing = set(given_kinds) == set(target_kinds)
                listing.update(in_form=1, listing_right=right_listing,
                               verdict_wrong=right_listing and given_kinds != target_kinds)
    return kinds, listing


def main() -> None:
    args = prediction_arguments(__doc__.split("\n")[0])
    kinds, listing = score(args.data, args.predictions, args.mode)
    print(f"{'description':16}  verdict right  one verdict always")
    for kind, count in sorted(kinds.items()):
        constant = max(count["there"], count["n"] - count["there"])
        print(f"{kind:16}  {count['right']:>3} of {count['n']:<5}  {constant:>3} of {count['n']}")
    print(f"colour and shape: {listing['in_form']} answers in the verdict's form, {listing['listing_right']} with the "
          f"target's listing, {listing['verdict_wrong']} of those with a wrong verdict")


if __name__ == "__main__":
    main()
