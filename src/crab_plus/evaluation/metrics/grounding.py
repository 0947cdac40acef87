"""ARIG (audio-referred image grounding): cIoU and AUC, as in the sound-source localisation literature.

Definitions (those of the LVS evaluation code, Chen et al., "Localizing Visual Sounds the Hard Way", CVPR 2021,
``utils.Evaluator``, which later AV-LLM papers such as Crab follow):

* per sample, the IoU between the predicted region and the ground-truth region. For maps this is LVS's
  ``sum(pred * gt) / (sum(gt) + sum(pred * (gt == 0)))``, i.e. intersection over union of the binary maps; for
  boxes ``[x1, y1, x2, y2]`` (pixels, x2/y2 exclusive, so the area is ``(x2 - x1) * (y2 - y1)``) it is the same
  quantity computed exactly, equal to the map IoU of the rasterised boxes ``map[y1:y2, x1:x2] = 1`` for integer
  coordinates;
* **cIoU** = the share of samples whose IoU is >= 0.5 (a success rate, in [0, 1]);
* **AUC** = the area under the success-rate curve ``t -> share of samples with IoU >= t`` for the 21 thresholds
  ``t = 0, 0.05, ..., 1``, by the trapezoidal rule (``sklearn.metrics.auc`` in LVS), in [0, 1].

An unparsed prediction (``None``) has IoU 0: it fails every threshold but t = 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .common import MetricInputError, check_not_empty, check_same_length

Box = Sequence[float]  # [x1, y1, x2, y2] in pixels
AUC_THRESHOLDS = np.linspace(0.0, 1.0, 21)


def _as_box(box: Box) -> np.ndarray:
    array = np.asarray(box, dtype=np.float64)
    if array.shape != (4,) or not np.isfinite(array).all():
        raise MetricInputError(f"a box must be four finite numbers [x1, y1, x2, y2], got {box!r}.")
    return array


def box_iou(prediction: Box, reference: Box) -> float:
    """IoU of two ``[x1, y1, x2, y2]`` boxes; a degenerate (zero-area) predicted box has IoU 0."""
    p, r = _as_box(prediction), _as_box(reference)
    if r[2] <= r[0] or r[3] <= r[1]:
        raise MetricInputError(f"the reference box {list(reference)} has no area: it needs x2 > x1 and y2 > y1.")
    inter_w = max(0.0, min(p[2], r[2]) - max(p[0], r[0]))
    inter_h = max(0.0, min(p[3], r[3]) - max(p[1], r[1]))
    inter = inter_w * inter_h
    area_p = max(0.0, p[2] - p[0]) * max(0.0, p[3] - p[1])
    area_r = (r[2] - r[0]) * (r[3] - r[1])
    return float(inter / (area_p + area_r - inter))


def map_iou(prediction: np.ndarray, reference: np.ndarray) -> float:
    """LVS cIoU of a binary prediction map against a binary ground-truth map (same shape)."""
    pred, gt = np.asarray(prediction) > 0, np.asarray(reference) > 0
    if pred.shape != gt.shape:
        raise MetricInputError(f"prediction map {pred.shape} and ground-truth map {gt.shape} differ in shape.")
    if not gt.any():
        raise MetricInputError("the ground-truth map is empty: ARIG needs a sounding region in every reference.")
    return float((pred & gt).sum() / (gt.sum() + (pred & ~gt).sum()))


def sample_iou(prediction: Box | np.ndarray | None, reference: Box | np.ndarray) -> float:
    """IoU of one sample: boxes (4 numbers) or 2-D maps; ``None`` (unparsed) gives 0."""
    if prediction is None:
        return 0.0
    if np.ndim(reference) == 2:
        return map_iou(np.asarray(prediction), np.asarray(reference))
    return box_iou(prediction, reference)


def success_auc(ious: Sequence[float]) -> float:
    """Trapezoidal area under ``t -> mean(iou >= t)`` for t in 0, 0.05, ..., 1."""
    ious = np.asarray(ious, dtype=np.float64)
    rates = np.array([(ious >= t).mean() for t in AUC_THRESHOLDS])
    widths = np.diff(AUC_THRESHOLDS)
    return float(np.sum(widths * (rates[1:] + rates[:-1]) / 2))


def arig_ciou_auc(
    predictions: Sequence[Box | np.ndarray | None], references: Sequence[Box | np.ndarray]
) -> dict[str, float]:
    """``{"ciou": share with IoU >= 0.5, "auc": ..., "mean_iou": ..., "num_samples": n}`` (see module doc)."""
    check_same_length(predictions, references)
    check_not_empty(references, "ARIG cIoU")
    ious = [sample_iou(p, r) for p, r in zip(predictions, references)]
    return {
        "ciou": float(np.mean(np.asarray(ious) >= 0.5)),
        "auc": success_auc(ious),
        "mean_iou": float(np.mean(ious)),
        "num_samples": len(references),
    }
