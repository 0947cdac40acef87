"""What the benchmarks that score an evaluation's answers share: their command-line arguments, and one task's
prediction rows, each with the test sample it answers. Imported by sibling scripts run as `python benchmarks/X.py`
(the script's folder is on the import path)."""

from __future__ import annotations

import argparse
import json

from crab_plus.data import load_avuie


def prediction_arguments(description: str) -> argparse.Namespace:
    """``data predictions [--mode]`` from the command line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("data", help="the AVUIE_2 folder the evaluation ran on")
    parser.add_argument("predictions", help="predictions.jsonl of `crab-plus evaluate`")
    parser.add_argument("--mode", default="both", help="both, other_audio or other_video (an --ablate run)")
    return parser.parse_args()


def task_rows(data: str, predictions: str, task: str, mode: str = "both") -> list[tuple]:
    """-> [(Sample, prediction row)] of ``task`` in ``mode``; exits with what to do when there are none."""
    samples = {sample.id: sample for sample in load_avuie(data, "test").by_task()[task]}
    with open(predictions) as file:
        rows = [json.loads(line) for line in file]
    rows = [row for row in rows if row.get("task") == task and row.get("mode", "both") == mode]
    if not rows:
        raise SystemExit(f"{predictions} has no {task} predictions in mode {mode!r}: evaluate with --tasks {task}.")
    return [(samples[row["id"]], row) for row in rows]
