"""Ground truth read off a scene: boxes and points from exact masks, event spans, words; and target texts made
by the task registry's own formatter (so the targets are exactly what the parsers and metrics expect)."""

from __future__ import annotations

import numpy as np

from .scene import Scene, SceneObject

ANSWER_FRAME = 224  # answer coordinates are pixels of the 224x224 frame (REFERENCE section 5)
# Targets write every coordinate with 3 digits ("072"): digits are single tokens, so with unpadded numbers a
# leading "2" may start 24 or 224, and the small model wrote "(136,76)(24,150)" for a box reaching x = 2xx in
# 29 of 80 ARIG answers. Padded, the first digit is always the hundreds: a coarse place, then finer ones.
COORDINATE_DIGITS = 3
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six")


# ------------------------------------------------------------------------------------------------ space
def mask_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """[x1, y1, x2, y2] of a non-empty (H, W) mask in its own pixels, x2/y2 exclusive."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise ValueError("empty mask has no box")
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def to_answer_box(box: tuple[int, int, int, int], size: int) -> list[int]:
    """A box in ``size`` pixels -> the same box in the 224x224 answer frame (edges scale, rounded)."""
    scale = ANSWER_FRAME / size
    return [int(round(v * scale)) for v in box]


def mask_points(mask: np.ndarray, size: int, count: int = 3) -> list[list[int]]:
    """``count`` points inside the mask, in the 224x224 answer frame: the mask pixels at the 1/4, 1/2, 3/4
    quantiles of its pixels in row-major order that lie closest to the mask's centre column (always inside)."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        raise ValueError("empty mask has no points")
    centre_x = xs.mean()
    points = []
    for q in np.linspace(0, 1, count + 2)[1:-1]:
        row = ys[int(q * (ys.size - 1))]
        in_row = xs[ys == row]
        x = int(in_row[np.argmin(np.abs(in_row - centre_x))])
        scale = ANSWER_FRAME / size
        points.append([int((x + 0.5) * scale), int((row + 0.5) * scale)])
    return points


def location_word(x: float) -> str:
    """Horizontal position word for a frame fraction x (recipes pass the centre an object moves around)."""
    return "left" if x < 1 / 3 else ("right" if x > 2 / 3 else "middle")


# ------------------------------------------------------------------------------------------------ time
def on_screen_span(obj: SceneObject, duration: float) -> tuple[int, int] | None:
    if obj.visible is None:
        return None
    return int(max(obj.visible[0], 0)), int(min(obj.visible[1], duration))


def sound_span(obj: SceneObject) -> tuple[int, int] | None:
    return None if obj.sound is None else (int(obj.sound.onset), int(obj.sound.offset))


def overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None or b is None:
        return None
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if end > start else None


def sounding_at(scene: Scene, t: float) -> list[int]:
    """Indices of the scene objects whose sound is playing at ``t`` seconds."""
    return [i for i, obj in enumerate(scene.objects) if obj.sounding(t)]


def number_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


# ------------------------------------------------------------------------------------------------ targets
def target_text(task_key: str, answer: object, reasoning: str) -> str:
    """The training target for ``answer`` (a typed answer of crab_plus.tasks.answers) by the task's formatter,
    coordinates padded to :data:`COORDINATE_DIGITS`, checked to parse back to the same answer."""
    from ...tasks import get_task

    task = get_task(task_key)
    text = task.format_answer(answer, reasoning, coordinate_digits=COORDINATE_DIGITS)
    parsed = task.parse(text)
    if parsed != answer:
        raise AssertionError(f"{task_key}: target {text!r} parses to {parsed!r}, not {answer!r}")
    return text
