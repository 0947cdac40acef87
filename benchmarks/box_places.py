"""Do the predicted boxes follow the object? Where box answers land against where the object is, per task and mode.

Reads an evaluation's predictions (`crab-plus evaluate ... --out DIR`) and the test split they answer, and for
the box tasks (ARIG, S4, MS3, Ref-AVS where both truth and answer have a box) prints the correlation of the
predicted and true box centres (x and y) and a confusion of thirds of the frame width: rows where the object is
(left, middle, right), columns where the box is. "mirrored" counts an object on one side boxed on the other.

    python benchmarks/box_places.py eval --data synth_data/AVUIE_2

Results (AV-Synth seed 0, 80 test samples a task, both media). The stop-26 model: x correlation S4 +0.01, MS3
+0.11, ARIG +0.07, Ref-AVS -0.04, the predicted centres' y spread 2-3 px against the truth's 18-22; S4's thirds
(rows: the object left, middle, right; columns: the box) [16 1 5 / 3 32 2 / 15 1 5]: an object in the middle is
boxed in the middle, one at a side mostly on the left whichever side it is on (mirrored 20 of 43). The stop-27
model, whose reasoning lists the objects with their places and copies the sounding one's (model card, (22)): x
correlation S4 +0.78, MS3 +0.66, ARIG +0.81, Ref-AVS +0.22; S4's thirds [16 6 0 / 2 34 1 / 1 1 19], mirrored 1 of
43 (ARIG 2 of 42, MS3 0 of 23); y is still not followed (correlation -0.09 to +0.08, spread 2-4 px).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import crab_plus  # noqa: F401  (registers the Crab+ tasks)
from crab_plus.data import load_avuie
from crab_plus.data.synth.annotate import location_word
from crab_plus.tasks import get_task
from crab_plus.tasks.answers import ANSWER_FRAME_SIZE

BOX_TASKS = ("arig", "s4", "ms3", "ref_avs")
THIRDS = ("left", "middle", "right")


def box_of(answer) -> tuple[float, float, float, float] | None:
    """The (x1, y1, x2, y2) box of a parsed box answer (BoxPoints or RefAVSAnswer); None when it has none."""
    box = getattr(answer, "box", None)
    return tuple(box) if box is not None else None


def third(x: float, width: float = ANSWER_FRAME_SIZE[0]) -> int:
    """0, 1, 2: the third of the frame holding x, as the reasoning and the tests name it (left, middle, right)."""
    return THIRDS.index(location_word(x / width))


def read_predictions(path: Path) -> list[dict]:
    """The records of a predictions.jsonl (its first line is the header)."""
    lines = path.read_text().splitlines()[1:]
    return [json.loads(line) for line in lines if line.strip()]


def place_table(truths: dict[str, tuple], records: list[dict], task_key: str) -> dict[str, dict]:
    """Per mode: centre correlations and the thirds confusion of the samples whose truth and answer have a box."""
    task, pairs = get_task(task_key), {}
    for record in records:
        if record["task"] != task_key or record["id"] not in truths:
            continue
        predicted = box_of(task.parse(record["text"]))
        if predicted is not None:
            pairs.setdefault(record["mode"], []).append((truths[record["id"]], predicted))
    table = {}
    for mode, boxes in pairs.items():
        true_centres = np.array([((t[0] + t[2]) / 2, (t[1] + t[3]) / 2) for t, _ in boxes])  # (N, 2)
        said_centres = np.array([((p[0] + p[2]) / 2, (p[1] + p[3]) / 2) for _, p in boxes])  # (N, 2)
        confusion = np.zeros((3, 3), int)
        for (tx, _), (px, _) in zip(true_centres, said_centres):
            confusion[third(tx), third(px)] += 1
        correlation = [float(np.corrcoef(true_centres[:, i], said_centres[:, i])[0, 1]) if len(boxes) > 1 else
                       float("nan") for i in (0, 1)]
        table[mode] = {"n": len(boxes), "corr_x": correlation[0], "corr_y": correlation[1],
                       "spread_y": (float(true_centres[:, 1].std()), float(said_centres[:, 1].std())),
                       "confusion": confusion, "mirrored": int(confusion[0, 2] + confusion[2, 0]),
                       "sides": int(confusion[0].sum() + confusion[2].sum())}
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("evaluation", help="a `crab-plus evaluate --out` folder (or its predictions.jsonl)")
    parser.add_argument("--data", default="synth_data/AVUIE_2", help="the AVUIE_2 folder that was evaluated")
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    path = Path(args.evaluation)
    records = read_predictions(path / "predictions.jsonl" if path.is_dir() else path)
    by_task = load_avuie(args.data, args.split).by_task()
    for task_key in BOX_TASKS:
        truths = {str(s.id): box_of(s.ground_truth) for s in by_task.get(task_key, [])}
        truths = {key: box for key, box in truths.items() if box is not None}
        for mode, row in sorted(place_table(truths, records, task_key).items()):
            rows = " / ".join(" ".join(str(v) for v in line) for line in row["confusion"])
            print(f"{task_key:8s} {mode:12s} n {row['n']:3d}  corr x {row['corr_x']:+.2f} y {row['corr_y']:+.2f}  "
                  f"y spread {row['spread_y'][1]:.0f} (truth {row['spread_y'][0]:.0f})  thirds [{rows}]  "
                  f"mirrored {row['mirrored']}/{row['sides']}")


if __name__ == "__main__":
    main()
