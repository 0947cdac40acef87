"""Media path resolution shared by the loaders: join to a base folder, refuse paths that leave the media root,
optionally check the file exists. Paths are normalised lexically (symlinked dataset folders stay allowed)."""

from __future__ import annotations

import os

from ..errors import AnnotationError


def resolve_media_path(
    value: object,
    base: str,
    root: str,
    *,
    allow_absolute: bool,
    check_exists: bool,
    file: str,
    index: int,
    field: str,
) -> str:
    """``base/value`` normalised and made absolute. ``root`` is the folder the path must stay inside (``base`` is in it).

    Raises AnnotationError (naming file, index, field) for a non-string or empty value, an absolute path when
    ``allow_absolute`` is False, a relative path escaping ``root`` with ``..``, or a missing file when
    ``check_exists``.
    """
    if not isinstance(value, str) or not value.strip():
        raise AnnotationError(f"expected a media path (non-empty string), got {value!r}.", file=file, index=index,
                              field=field)
    if os.path.isabs(value):
        if not allow_absolute:
            raise AnnotationError(
                f"absolute path {value!r} where a path relative to the media root was asked; make it relative "
                "or pass allow_absolute_paths=True.", file=file, index=index, field=field)
        path = os.path.normpath(value)
    else:
        path = os.path.normpath(os.path.join(base, value))
        boundary = os.path.normpath(root)
        if os.path.commonpath([os.path.abspath(path), os.path.abspath(boundary)]) != os.path.abspath(boundary):
            raise AnnotationError(
                f"path {value!r} escapes the media root {boundary} (it resolves to {path}); media must stay "
                "inside the media root: fix the path or pass a media_root that contains it.",
                file=file, index=index, field=field)
    if check_exists and not os.path.isfile(path):
        raise AnnotationError(
            f"media file not found: {path}. Point media_root at the folder holding the media, or pass "
            "check_media=False to load without checking.", file=file, index=index, field=field)
    return os.path.abspath(path)
