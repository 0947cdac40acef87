"""Temporal metrics over 10 one-second segments: AVE segment accuracy and LLP/AVVP segment- and event-level F1.

An *event* is plain data: a ``(label, start, end)`` tuple/list in seconds, a mapping with ``event`` (or
``label``) and ``start``/``end`` (or ``start_time``/``end_time``), or an object with such attributes. Seconds
become per-segment labels by the midpoint rule: segment ``i`` (the interval ``[i, i+1)``) carries an event
when ``start <= i + 0.5 <= end``. For integer boundaries this is the usual ``i in range(start, end)`` of the AVE
and LLP annotation code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .classification import normalize_label
from .common import MetricInputError, check_not_empty, check_same_length

NUM_SEGMENTS = 10  # AVE and LLP clips are 10 s long, scored per 1 s segment

Event = Any  # (label, start, end) or {"event"/"label": ..., "start"/"start_time": ..., "end"/"end_time": ...}


def as_event(event: Event) -> tuple[str, float, float]:
    """``(normalised label, start, end)`` from a tuple/list, a mapping or an object with ``event`` (or ``label``),
    ``start`` and ``end`` attributes; raises :class:`MetricInputError`."""
    if isinstance(event, Mapping):
        label = event.get("event", event.get("label"))
        start = event.get("start", event.get("start_time"))
        end = event.get("end", event.get("end_time"))
    elif isinstance(event, Sequence) and not isinstance(event, str) and len(event) == 3:
        label, start, end = event
    elif hasattr(event, "start") and hasattr(event, "end"):  # e.g. a small dataclass with event/label, start, end
        label = getattr(event, "event", getattr(event, "label", None))
        start, end = event.start, event.end
    else:
        raise MetricInputError(
            f"cannot read the event {event!r}: give (label, start, end) or a mapping with event/start/end keys."
        )
    try:
        start, end = float(start), float(end)
    except (TypeError, ValueError):
        raise MetricInputError(f"event {event!r} has a non-numeric start or end time (seconds expected).") from None
    if not isinstance(label, str) or not math.isfinite(start) or not math.isfinite(end):
        raise MetricInputError(f"event {event!r} needs a string label and finite start/end times in seconds.")
    return normalize_label(label), start, end


def segment_labels(events: Sequence[Event], num_segments: int = NUM_SEGMENTS) -> list[frozenset[str]]:
    """Per-segment label sets (empty set = background) by the midpoint rule."""
    segments: list[set[str]] = [set() for _ in range(num_segments)]
    for label, start, end in map(as_event, events):
        for i in range(num_segments):
            if start <= i + 0.5 <= end:
                segments[i].add(label)
    return [frozenset(s) for s in segments]


def ave_segment_accuracy(
    predictions: Sequence[Sequence[Event] | None],
    references: Sequence[Sequence[Event]],
    num_segments: int = NUM_SEGMENTS,
) -> dict[str, float]:
    """AVE segment-level accuracy: the share of all ``N * 10`` one-second segments whose predicted label equals
    the ground-truth label (the event category, or background where no event covers the segment).

    A segment is right when its predicted label set equals the reference set, so a prediction listing two
    different events over the same second is wrong there. ``[]`` predicts "background everywhere";
    ``None`` (unparsed text) makes all of that clip's segments wrong.
    """
    check_same_length(predictions, references)
    check_not_empty(references, "AVE accuracy")
    correct = 0
    for prediction, reference in zip(predictions, references):
        truth = segment_labels(reference, num_segments)
        if prediction is not None:
            guess = segment_labels(prediction, num_segments)
            correct += sum(g == t for g, t in zip(guess, truth))
    return {"accuracy": correct / (num_segments * len(references)), "num_samples": len(references)}


# ---------------------------------------------------------------------------------------------------------------
# AVVP (Look, Listen and Parse; Tian, Li and Xu, ECCV 2020)
#
# Follows the reference evaluation of the LLP code (``utils/eval_metrics.py``: ``segment_level``,
# ``event_level``, ``extract_event``, ``event_wise_metric``; and ``main_avvp.py``'s ``eval``):
# * per video: binary matrices class x segment for audio (a), visual (v) and audio-visual av = a AND v, for the
#   prediction (SO) and ground truth (GT);
# * segment level: per class F1 = 2TP / (2TP + FN + FP) over the 10 segments, averaged over the classes that
#   occur in the prediction or the ground truth (1.0 when there is none: all true negatives);
# * event level: an event is a run of consecutive positive segments of one class; a predicted event is a TP when
#   some ground-truth event of that class has tIoU >= 0.5 with it (else FP); a ground-truth event with no
#   predicted event at tIoU >= 0.5 is an FN (matching is not one-to-one, as in the reference);
# * "Event@AV" pools the audio and visual TP/FN/FP per class before the F1; "Type@AV" is the mean of the audio,
#   visual and audio-visual scores;
# * the per-video values are averaged over videos.
# The class set is the union of the labels of the video's prediction and ground truth: classes absent from both
# are skipped by the reference anyway, so no fixed 25-class vocabulary is needed, and a predicted label outside
# the vocabulary simply counts as false positives.
# ---------------------------------------------------------------------------------------------------------------

AVVP_KEYS = (
    "segment_audio",
    "segment_visual",
    "segment_audio_visual",
    "segment_type_av",
    "segment_event_av",
    "event_audio",
    "event_visual",
    "event_audio_visual",
    "event_type_av",
    "event_event_av",
)


def modality_events(sample: Mapping[str, Sequence[Event]], modality: str) -> Sequence[Event]:
    """The ``"audio"`` or ``"visual"`` event list of an AVVP sample (missing -> no event)."""
    if not isinstance(sample, Mapping):
        raise MetricInputError(
            f"an AVVP sample must be a mapping with 'audio' and 'visual' event lists, got {type(sample).__name__}."
        )
    return sample.get(modality) or []


def _label_matrix(events: Sequence[Event], classes: list[str], num_segments: int) -> np.ndarray:
    """(num_classes, num_segments) 0/1 matrix of the events."""
    matrix = np.zeros((len(classes), num_segments), dtype=np.int64)
    row = {c: k for k, c in enumerate(classes)}
    for i, labels in enumerate(segment_labels(events, num_segments)):
        for label in labels:
            matrix[row[label], i] = 1
    return matrix


def _mean_class_f1(tp: np.ndarray, fn: np.ndarray, fp: np.ndarray) -> float:
    """Average over classes with any prediction or ground truth of 2TP/(2TP+FN+FP); 1.0 if there is none."""
    active = (tp + fp + fn) > 0
    if not active.any():
        return 1.0
    return float(np.mean(2 * tp[active] / (2 * tp[active] + fn[active] + fp[active])))


def _segment_counts(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class TP, FN, FP over segments; each (num_classes,)."""
    return (pred * gt).sum(1), ((1 - pred) * gt).sum(1), (pred * (1 - gt)).sum(1)


def extract_runs(row: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive ones as half-open ``(first, last + 1)`` segment intervals."""
    runs, start = [], None
    for i, value in enumerate(list(row) + [0]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _tiou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def _event_counts(pred: np.ndarray, gt: np.ndarray, tiou: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class event-level TP, FN, FP; each (num_classes,)."""
    tp, fn, fp = (np.zeros(len(pred), dtype=np.int64) for _ in range(3))
    for c in range(len(pred)):
        pred_events, gt_events = extract_runs(pred[c]), extract_runs(gt[c])
        for p in pred_events:
            if any(_tiou(p, g) >= tiou for g in gt_events):
                tp[c] += 1
            else:
                fp[c] += 1
        fn[c] = sum(not any(_tiou(g, p) >= tiou for p in pred_events) for g in gt_events)
    return tp, fn, fp


def avvp_sample_scores(
    prediction: Mapping[str, Sequence[Event]] | None,
    reference: Mapping[str, Sequence[Event]],
    num_segments: int = NUM_SEGMENTS,
) -> dict[str, float]:
    """The ten AVVP F1 values of one video (see :data:`AVVP_KEYS`); ``None`` prediction scores 0 everywhere."""
    if prediction is None:
        return dict.fromkeys(AVVP_KEYS, 0.0)
    lists = [modality_events(s, m) for s in (prediction, reference) for m in ("audio", "visual")]
    classes = sorted({as_event(e)[0] for events in lists for e in events})
    so_a, so_v, gt_a, gt_v = (_label_matrix(events, classes, num_segments) for events in lists)  # (C, 10) each
    so_av, gt_av = so_a * so_v, gt_a * gt_v

    scores = {}
    for level, counts in (("segment", _segment_counts), ("event", _event_counts)):
        ca, cv, cav = counts(so_a, gt_a), counts(so_v, gt_v), counts(so_av, gt_av)
        f_a, f_v, f_av = _mean_class_f1(*ca), _mean_class_f1(*cv), _mean_class_f1(*cav)
        pooled = [x + y for x, y in zip(ca, cv)]  # audio and visual TP/FN/FP summed per class
        scores[f"{level}_audio"], scores[f"{level}_visual"], scores[f"{level}_audio_visual"] = f_a, f_v, f_av
        scores[f"{level}_type_av"] = (f_a + f_v + f_av) / 3
        scores[f"{level}_event_av"] = _mean_class_f1(*pooled)
    return scores


def avvp_f1(
    predictions: Sequence[Mapping[str, Sequence[Event]] | None],
    references: Sequence[Mapping[str, Sequence[Event]]],
    num_segments: int = NUM_SEGMENTS,
) -> dict[str, float]:
    """AVVP segment- and event-level F1 (audio, visual, audio-visual, Type@AV, Event@AV), averaged over videos.

    Each prediction/reference is ``{"audio": [events], "visual": [events]}``; a prediction of ``None``
    (unparsed) scores 0. Values are fractions in [0, 1] (the papers print them x100).
    """
    check_same_length(predictions, references)
    check_not_empty(references, "AVVP F1")
    per_video = [avvp_sample_scores(p, r, num_segments) for p, r in zip(predictions, references)]
    result = {key: float(np.mean([s[key] for s in per_video])) for key in AVVP_KEYS}
    result["num_samples"] = len(references)
    return result
