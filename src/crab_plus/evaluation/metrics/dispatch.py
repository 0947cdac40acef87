"""``compute_task_metric(name, predictions, references, **kw)``: one entry point keyed by metric name.

The task registry names a task's metric by one of :data:`METRIC_NAMES`; the evaluator calls this function with
plain data (see docs/metrics.md for the input types of each name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...errors import TaskError
from .captioning import caption_metrics
from .classification import accuracy, music_avqa_accuracy
from .grounding import arig_ciou_auc
from .segmentation import refavs_null_s, segmentation_miou_fscore
from .temporal import avvp_f1, ave_segment_accuracy

METRICS: dict[str, Callable[..., dict[str, float]]] = {
    "accuracy": accuracy,
    "music_avqa_accuracy": music_avqa_accuracy,
    "ave_accuracy": ave_segment_accuracy,
    "avvp_f1": avvp_f1,
    "arig_ciou_auc": arig_ciou_auc,
    "segmentation_miou_fscore": segmentation_miou_fscore,
    "refavs_null_s": refavs_null_s,
    "caption_metrics": caption_metrics,
}
METRIC_NAMES: tuple[str, ...] = tuple(METRICS)


def compute_task_metric(
    metric_name: str, predictions: Sequence[Any], references: Sequence[Any], **kwargs: Any
) -> dict[str, float]:
    """Compute the metric called ``metric_name`` (one of :data:`METRIC_NAMES`); extra keyword arguments go to the
    metric (e.g. ``question_types=`` for ``"music_avqa_accuracy"``)."""
    try:
        metric = METRICS[metric_name]
    except KeyError:
        raise TaskError(
            f"unknown metric {metric_name!r}: use one of {', '.join(METRIC_NAMES)} (see docs/metrics.md)."
        ) from None
    return metric(predictions, references, **kwargs)
