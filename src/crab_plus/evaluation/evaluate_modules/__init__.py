"""Local ``evaluate`` modules, one folder per metric name: load one offline with
``evaluate.load(crab_plus.evaluation.metric_path("ave_accuracy"))``."""

from __future__ import annotations

from pathlib import Path

from ..metrics.dispatch import METRIC_NAMES
from ...errors import TaskError

MODULES_DIR = Path(__file__).resolve().parent


def metric_path(metric_name: str) -> str:
    """Path of the local ``evaluate`` module folder of ``metric_name`` (one of ``METRIC_NAMES``)."""
    if metric_name not in METRIC_NAMES:
        raise TaskError(f"unknown metric {metric_name!r}: use one of {', '.join(METRIC_NAMES)}.")
    return str(MODULES_DIR / metric_name)
