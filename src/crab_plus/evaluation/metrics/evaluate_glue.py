"""What the local ``evaluate`` modules (``crab_plus/evaluation/evaluate_modules/<name>/<name>.py``) share: the
``datasets`` features of each metric's inputs and the conversion back to the plain data of :mod:`.dispatch`.

``evaluate`` and ``datasets`` are imported lazily: plain metrics never pay for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dispatch import compute_task_metric
from .temporal import as_event, modality_events

_DESCRIPTIONS = {
    "accuracy": "Exact-match accuracy of normalised labels (matching, action, emotion, QA).",
    "music_avqa_accuracy": "MUSIC-AVQA accuracy, overall and per Audio / Visual / Audio-Visual question type.",
    "ave_accuracy": "AVE segment-level accuracy over the ten 1 s segments of a clip.",
    "avvp_f1": "LLP/AVVP segment- and event-level F1: audio, visual, audio-visual, Type@AV, Event@AV.",
    "arig_ciou_auc": "ARIG grounding: cIoU (share of boxes with IoU >= 0.5) and AUC over IoU thresholds.",
    "segmentation_miou_fscore": "S4 / MS3 / Ref-AVS mask mIoU (Jaccard) and F-score (beta^2 = 0.3).",
    "refavs_null_s": "Ref-AVS null split S-metric sqrt(mask area / background area), lower is better.",
    "caption_metrics": "Captioning BLEU-1..4, ROUGE-L and CIDEr-D as pycocoevalcap computes them.",
}


def _features(name: str):
    from datasets import Features, List, Value

    event = {"event": Value("string"), "start": Value("float64"), "end": Value("float64")}
    mask = List(List(Value("uint8")))
    pairs = {
        "accuracy": (Value("string"), Value("string")),
        "music_avqa_accuracy": (Value("string"), Value("string")),
        "ave_accuracy": (List(event), List(event)),
        "avvp_f1": ({"audio": List(event), "visual": List(event)},) * 2,
        "arig_ciou_auc": (List(Value("float64")), List(Value("float64"))),
        "segmentation_miou_fscore": (mask, mask),
        "caption_metrics": (Value("string"), List(Value("string"))),
    }
    if name == "refavs_null_s":
        return Features({"predictions": mask})
    prediction, reference = pairs[name]
    features = {"predictions": prediction, "references": reference}
    if name == "music_avqa_accuracy":
        features["question_types"] = Value("string")
    return Features(features)


def metric_info(name: str):
    """``evaluate.MetricInfo`` of the metric ``name`` (one of ``METRIC_NAMES``)."""
    import evaluate

    return evaluate.MetricInfo(
        description=_DESCRIPTIONS[name],
        citation="crab-plus, docs/metrics.md",
        inputs_description=f"See docs/metrics.md, section `{name}`; None marks an unparsed prediction.",
        features=_features(name),
    )


def _restore(name: str, values: list[Any] | None) -> list[Any] | None:
    """Arrow round trip -> the plain types the metric functions take (masks back to numpy arrays)."""
    if values is None or name not in ("segmentation_miou_fscore", "refavs_null_s"):
        return values
    return [None if v is None else np.asarray(v, dtype=np.uint8) for v in values]


def compute_module(name: str, predictions: list[Any], references: list[Any] | None = None, **kwargs: Any) -> dict:
    """Body of every local module's ``_compute``: restore plain data and call :func:`compute_task_metric`."""
    return compute_task_metric(name, _restore(name, predictions), _restore(name, references), **kwargs)


def _event_dict(event: Any) -> dict:
    label, start, end = as_event(event)  # validated, label normalised (idempotent, the metric normalises again)
    return {"event": label, "start": start, "end": end}


def _to_features(name: str, values: Any, is_reference: bool = False) -> Any:
    """Plain data -> the shapes the arrow features expect (event tuples -> dicts, numpy masks -> lists)."""
    if values is None:
        return None
    if name == "ave_accuracy":
        return [None if v is None else [_event_dict(e) for e in v] for v in values]
    if name == "avvp_f1":
        return [
            None if v is None else {m: [_event_dict(e) for e in modality_events(v, m)] for m in ("audio", "visual")}
            for v in values
        ]
    if name in ("segmentation_miou_fscore", "refavs_null_s"):
        return [None if v is None else (np.asarray(v) > 0).astype(np.uint8) for v in values]
    if name == "caption_metrics" and is_reference:  # one reference string -> a list of one
        return [[v] if isinstance(v, str) else v for v in values]
    return values


class PlainInputs:
    """Mixin for the local modules: accept the same plain data as the metric functions in ``add``/``add_batch``
    (and so in ``compute``). Its ``metric_name`` class attribute names the metric."""

    metric_name: str

    def add_batch(self, *, predictions=None, references=None, **kwargs):
        """Add a batch of plain-data predictions and references."""
        name = self.metric_name
        return super().add_batch(
            predictions=_to_features(name, predictions),
            references=_to_features(name, references, is_reference=True),
            **kwargs,
        )

    def add(self, *, prediction=None, reference=None, **kwargs):
        """Add one plain-data prediction and reference."""
        name = self.metric_name
        prediction = None if prediction is None else _to_features(name, [prediction])[0]
        reference = None if reference is None else _to_features(name, [reference], is_reference=True)[0]
        return super().add(prediction=prediction, reference=reference, **kwargs)

    def _info(self):
        return metric_info(self.metric_name)

    def _compute(self, predictions, references=None, **kwargs):
        return compute_module(self.metric_name, predictions, references, **kwargs)
