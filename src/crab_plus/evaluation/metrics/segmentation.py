"""Mask metrics for S4 / MS3 / Ref-AVS (seen, unseen) and the Ref-AVS null S-metric.

What we follow: the Crab+ release scores binary masks (SAM2 single-mask output) per frame and averages over
frames (``seg/scripts/inference_3.py`` and ``inference_ref_3.py``, ``calculate_metrics`` /
``calculate_s_metric``):

* Jaccard ``J = |P & G| / |P | G|``, with ``J = 1`` when both masks are empty;
* precision ``|P & G| / |P|`` (1 when P is empty), recall ``|P & G| / |G|`` (1 when G is empty), and
  ``F = (1 + b2) * prec * rec / (b2 * prec + rec)`` with ``b2 = 0.3`` (0 when prec + rec = 0);
* mIoU = mean J, F-score = mean F over frames.
* Ref-AVS null split: per frame ``S = sqrt(|P| / |background|)`` with background = the pixels *not* predicted
  (``~P``), averaged over frames (lower is better; an empty mask gives 0).

Where we differ from the release, on purpose:

* an unparsed prediction (``None``) is scored, not dropped: as an empty mask for mIoU/F (so J = F = 0 against a
  non-empty ground truth), and as ``S = 1`` for the null split (the value of a mask covering half the frame;
  the release drops such samples, which would reward unparseable output);
* a mask covering the whole frame has S = inf; the release leaves such frames out of the mean, and so do we,
  but we also report how many there were (``num_full_frame``).

AVSBench's own code (Zhou et al., ECCV 2022, ``utility.py``: ``mask_iou``, ``Eval_Fmeasure``) instead scores
sigmoid probability maps: IoU at threshold 0.4 with an inverted IoU for empty ground truth, and the maximum over
255 thresholds of the per-threshold F-measure averaged over frames with non-empty ground truth. On binary masks
that threshold sweep degenerates (every threshold above 0 gives the mask itself), which is why the Crab+ release,
and this module, score the binary mask directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .common import MetricInputError, check_not_empty, check_same_length

F_BETA2 = 0.3
UNPARSED_NULL_S = 1.0


def _as_mask(mask: np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(mask)
    if array.ndim != 2:
        raise MetricInputError(f"{what} mask must be a 2-D (H, W) array, got shape {array.shape}.")
    return array > 0


def mask_jaccard_fscore(prediction: np.ndarray | None, reference: np.ndarray) -> tuple[float, float]:
    """(Jaccard, F-score with beta^2 = 0.3) of one binary mask against its ground truth."""
    gt = _as_mask(reference, "reference")
    pred = np.zeros_like(gt) if prediction is None else _as_mask(prediction, "predicted")
    if pred.shape != gt.shape:
        raise MetricInputError(f"predicted mask {pred.shape} and reference mask {gt.shape} differ in shape.")
    inter, union = int((pred & gt).sum()), int((pred | gt).sum())
    n_pred, n_gt = int(pred.sum()), int(gt.sum())
    jaccard = 1.0 if union == 0 else inter / union
    precision = (1.0 if inter == 0 else 0.0) if n_pred == 0 else inter / n_pred
    recall = (1.0 if inter == 0 else 0.0) if n_gt == 0 else inter / n_gt
    if precision + recall == 0:
        return jaccard, 0.0
    return jaccard, (1 + F_BETA2) * precision * recall / (F_BETA2 * precision + recall)


def segmentation_miou_fscore(
    predictions: Sequence[np.ndarray | None], references: Sequence[np.ndarray]
) -> dict[str, float]:
    """``{"miou": mean Jaccard, "fscore": mean F (beta^2 = 0.3), "num_samples": n}`` over frames."""
    check_same_length(predictions, references)
    check_not_empty(references, "mIoU")
    scores = np.array([mask_jaccard_fscore(p, r) for p, r in zip(predictions, references)])
    return {"miou": float(scores[:, 0].mean()), "fscore": float(scores[:, 1].mean()), "num_samples": len(references)}


def null_s(prediction: np.ndarray | None) -> float:
    """``sqrt(|P| / |~P|)`` of one Ref-AVS null frame; inf for a full-frame mask, 1 for ``None`` (unparsed)."""
    if prediction is None:
        return UNPARSED_NULL_S
    pred = _as_mask(prediction, "predicted")
    background = int((~pred).sum())
    return math.inf if background == 0 else math.sqrt(int(pred.sum()) / background)


def refavs_null_s(predictions: Sequence[np.ndarray | None], references: Sequence | None = None) -> dict[str, float]:
    """Ref-AVS null-split S-metric (lower is better): mean per-frame S over the frames whose S is finite.

    ``references`` is accepted for a uniform metric signature and only used to check the count (the null split's
    ground truth is "no object" by definition). If every frame is full-frame, ``null_s`` is inf.
    """
    if references is not None:
        check_same_length(predictions, references)
    check_not_empty(predictions, "Ref-AVS null S")
    values = [null_s(p) for p in predictions]
    finite = [v for v in values if math.isfinite(v)]
    return {
        "null_s": float(np.mean(finite)) if finite else math.inf,
        "num_full_frame": len(values) - len(finite),
        "num_samples": len(values),
    }
