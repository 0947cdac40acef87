"""Small helpers shared by the metric families."""

from __future__ import annotations

from collections.abc import Sequence

from ...errors import CrabPlusError


class MetricInputError(CrabPlusError):
    """Predictions and references given to a metric do not fit together (lengths, shapes, kinds)."""


def check_same_length(predictions: Sequence, references: Sequence, what: str = "predictions") -> None:
    """Raise :class:`MetricInputError` unless there is exactly one prediction per reference."""
    if len(predictions) != len(references):
        raise MetricInputError(
            f"got {len(predictions)} {what} but {len(references)} references; pass exactly one per reference, "
            "in the same order (use None for a prediction that did not parse)."
        )


def check_not_empty(references: Sequence, metric: str) -> None:
    """Raise :class:`MetricInputError` for an empty evaluation set (there is nothing to average)."""
    if len(references) == 0:
        raise MetricInputError(f"{metric} of an empty set is undefined: pass at least one reference.")
