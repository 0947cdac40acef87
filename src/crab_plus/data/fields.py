"""Typed reads of annotation record fields: each read either returns a clean value or raises AnnotationError
naming the file, the record and the field, and saying what was expected."""

from __future__ import annotations

import math
from typing import Any

from ..errors import AnnotationError

MISSING = object()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def check_kind(value: Any, kind: str) -> tuple[Any, str | None]:
    """(clean value, None) or (None, what was expected)."""
    if kind == "str":
        return (value, None) if isinstance(value, str) and value.strip() else (None, "a non-empty string")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 0:
            return None, "a non-negative integer"
        return int(value), None
    if kind == "choice":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.strip())
        return (value, None) if ok else (None, "an option number or text (int or non-empty string)")
    if kind == "number":
        return (value, None) if _number(value) is not None else (None, "a finite number")
    if kind == "list_of_str":
        ok = isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)
        return (list(value), None) if ok else (None, "a non-empty list of non-empty strings")
    if kind == "point":
        ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(_number(v) is not None for v in value)
        return (list(value), None) if ok else (None, "a point [x, y] of two numbers")
    if kind == "id":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.strip())
        return (value, None) if ok else (None, "an identifier (int or non-empty string)")
    if kind == "any":
        return value, None
    raise ValueError(f"unknown field kind {kind!r}")


def read_field(record: dict, name: str, kind: str, *, file: str, index: int, required: bool = True) -> Any:
    """``record[name]`` checked against ``kind``; MISSING when absent (or null) and not required."""
    value = record.get(name)
    if value is None:
        if required:
            raise AnnotationError(f"missing required field {name!r}.", file=file, index=index, field=name)
        return MISSING
    clean, expected = check_kind(value, kind)
    if expected is not None:
        raise AnnotationError(f"expected {expected}, got {type(value).__name__} {value!r:.80}.", file=file,
                              index=index, field=name)
    return clean


def first_present(record: dict, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` present (not null) in the record, or None."""
    return next((n for n in names if record.get(n) is not None), None)
