"""The one error hierarchy of crab-plus.

Every error is a ``ValueError`` subclass whose message says what was wrong and what to do about it.
"""

from __future__ import annotations


class CrabPlusError(ValueError):
    """Base class of every crab-plus error."""


class ConfigError(CrabPlusError):
    """A model or training configuration is missing, unknown or inconsistent."""


class CheckpointError(CrabPlusError):
    """A checkpoint folder is not what it should be (wrong model type, missing or truncated shards)."""


class MediaError(CrabPlusError):
    """A media file or array cannot be used (missing, corrupt, silent, out of limits)."""


class PlaceholderMismatchError(CrabPlusError):
    """The number of media placeholder tokens does not match the number of media features."""


class TaskError(CrabPlusError):
    """An unknown task key or a task record that is not valid."""


class AnnotationError(CrabPlusError):
    """A malformed annotation record; the message names the file, the record index and the field."""

    def __init__(self, message: str, *, file: str | None = None, index: int | None = None, field: str | None = None):
        where = []
        if file is not None:
            where.append(f"file {file}")
        if index is not None:
            where.append(f"record {index}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.file, self.index, self.field = file, index, field
        self.reason = message  # the message without the location prefix


class AdapterError(CrabPlusError):
    """An adapter configuration or adapter folder that cannot be used."""
