"""Accuracy for the label-answer tasks (matching, action, emotion, QA) and MUSIC-AVQA's per-type breakdown.

Labels are compared after :func:`normalize_label`; a prediction of ``None`` (text that did not parse) is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .common import MetricInputError, check_not_empty, check_same_length

_EDGE_PUNCTUATION = " \t\n\r.,;:!?\"'`"
_WHITESPACE = re.compile(r"\s+")


def normalize_label(label: str) -> str:
    """Case-fold, turn ``_`` into spaces, collapse whitespace and strip edge punctuation: ``" Frying_(food). "`` ->
    ``"frying (food)"``."""
    text = _WHITESPACE.sub(" ", label.casefold().replace("_", " "))
    return text.strip(_EDGE_PUNCTUATION)


def label_matches(prediction: str | None, reference: str) -> bool:
    """True when the parsed prediction equals the reference after normalisation; ``None`` never matches."""
    return prediction is not None and normalize_label(prediction) == normalize_label(reference)


def accuracy(predictions: Sequence[str | None], references: Sequence[str]) -> dict[str, float]:
    """Fraction of exact (normalised) label matches, in [0, 1]. ``{"accuracy": ..., "num_samples": n}``.

    An empty evaluation set raises (there is nothing to average) instead of returning a made-up number.
    """
    check_same_length(predictions, references)
    check_not_empty(references, "accuracy")
    correct = sum(label_matches(p, r) for p, r in zip(predictions, references))
    return {"accuracy": correct / len(references), "num_samples": len(references)}


# MUSIC-AVQA annotates each question with a type string such as "Audio", "Visual", "Audio-Visual" (the raw
# files use e.g. '["Audio-Visual", "Existential"]'); the first word before any sub-type decides the group.
MUSIC_AVQA_GROUPS = ("audio", "visual", "audio_visual")


def music_avqa_group(question_type: str | Sequence[str]) -> str:
    """Map a MUSIC-AVQA question type to ``"audio"``, ``"visual"`` or ``"audio_visual"``.

    Accepts ``"Audio"``, ``"Audio-Visual"``, ``"Audio-Visual/Counting"``, ``["Visual", "Location"]`` or the
    JSON-ish string ``'["Audio-Visual", "Existential"]'`` of the raw annotation files.
    """
    if not isinstance(question_type, str):
        question_type = question_type[0] if len(question_type) else ""
    head = re.sub(r"[\[\]\"']", " ", question_type).replace(",", " ").replace("/", " ").split()
    key = head[0].casefold().replace("_", "-") if head else ""
    if key in ("audio-visual", "audiovisual", "av"):
        return "audio_visual"
    if key in ("audio", "visual"):
        return key
    raise MetricInputError(
        f"unknown MUSIC-AVQA question type {question_type!r}: expected one starting with Audio, Visual or "
        "Audio-Visual (the 'type' field of the annotation)."
    )


def music_avqa_accuracy(
    predictions: Sequence[str | None], references: Sequence[str], question_types: Sequence[str | Sequence[str]]
) -> dict[str, float]:
    """Overall accuracy plus accuracy per question group (Audio / Visual / Audio-Visual).

    Returns ``accuracy`` (over all samples, as MUSIC-AVQA's "Avg"), ``accuracy_audio``, ``accuracy_visual``,
    ``accuracy_audio_visual`` and ``num_<group>`` counts; a group with no sample is left out.
    """
    check_same_length(predictions, references)
    check_same_length(question_types, references, what="question types")
    result = accuracy(predictions, references)
    groups = [music_avqa_group(t) for t in question_types]
    for group in MUSIC_AVQA_GROUPS:
        idx = [i for i, g in enumerate(groups) if g == group]
        if idx:
            correct = sum(label_matches(predictions[i], references[i]) for i in idx)
            result[f"accuracy_{group}"] = correct / len(idx)
            result[f"num_{group}"] = len(idx)
    return result
