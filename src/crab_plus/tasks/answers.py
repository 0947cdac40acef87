"""Typed answers: what a task's parser returns for a generated (or target) text.

Every answer is a frozen dataclass, so answers compare by value (``parse(format_answer(a)) == a``) and can be
used as dict keys. Times are seconds over the clip; coordinates are pixels in ``frame_size`` (the model's
224x224 input frame unless rescaled). Text that does not parse gives :class:`Unparsed`, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from ..errors import TaskError

ANSWER_FRAME_SIZE = (224, 224)  # (width, height) of the frame the model's coordinates refer to


def _number(value: float) -> float:
    return float(value)


@dataclass(frozen=True)
class Label:
    """A free label: an action, an emotion, an answer word (``<answer>{label}</answer>`` or bare)."""

    label: str


@dataclass(frozen=True)
class Choice:
    """A choice among candidates: ``index`` (1-based, matching tasks) or ``option`` (the option's text)."""

    index: int | None = None
    option: str | None = None


@dataclass(frozen=True)
class TimedEvent:
    """One event with its time range in seconds."""

    event: str
    start: float
    end: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _number(self.start))
        object.__setattr__(self, "end", _number(self.end))


def _events(values) -> tuple[TimedEvent, ...]:
    return tuple(v if isinstance(v, TimedEvent) else TimedEvent(*v) for v in values)


@dataclass(frozen=True)
class TimedEvents:
    """Events of a clip (AVE: one, UnAV-100: several; empty: no event)."""

    events: tuple[TimedEvent, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", _events(self.events))


@dataclass(frozen=True)
class AVVPEvents:
    """Audio and visual events of a clip (AVVP), each list possibly empty."""

    audio: tuple[TimedEvent, ...] = ()
    visual: tuple[TimedEvent, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "audio", _events(self.audio))
        object.__setattr__(self, "visual", _events(self.visual))


@dataclass(frozen=True)
class BoxPoints:
    """A sounding object: its category (``None`` when the text names none), its box ``(x1, y1, x2, y2)`` and up
    to three points on it ``((x, y), ...)``, in pixels of a ``frame_size`` = (width, height) frame."""

    label: str | None
    box: tuple[float, float, float, float]
    points: tuple[tuple[float, float], ...] = ()
    frame_size: tuple[int, int] = ANSWER_FRAME_SIZE

    def __post_init__(self) -> None:
        if len(self.box) != 4 or any(len(p) != 2 for p in self.points):
            raise TaskError(f"BoxPoints needs box=(x1, y1, x2, y2) and points of (x, y); got box={self.box!r}, "
                            f"points={self.points!r}.")
        object.__setattr__(self, "box", tuple(_number(v) for v in self.box))
        object.__setattr__(self, "points", tuple((_number(x), _number(y)) for x, y in self.points))
        object.__setattr__(self, "frame_size", tuple(int(v) for v in self.frame_size))

    def rescale(self, width: int, height: int) -> "BoxPoints":
        """The same answer in a ``width`` x ``height`` frame (e.g. the original video frame)."""
        sx, sy = width / self.frame_size[0], height / self.frame_size[1]
        x1, y1, x2, y2 = self.box
        return BoxPoints(self.label, (x1 * sx, y1 * sy, x2 * sx, y2 * sy),
                         tuple((x * sx, y * sy) for x, y in self.points), (width, height))


@dataclass(frozen=True)
class RefAVSAnswer:
    """Ref-AVS: whether the described object is in the frame, and if so where (``target``)."""

    exists: bool
    target: BoxPoints | None = None

    # the attributes the segmentation stage reads (crab_plus.evaluation.sam_masks.SamMaskPredictor.predict_answer)
    @property
    def box(self) -> tuple[float, float, float, float] | None:
        return self.target.box if self.target is not None else None

    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        return self.target.points if self.target is not None else ()

    @property
    def label(self) -> str | None:
        return self.target.label if self.target is not None else None

    def rescale(self, width: int, height: int) -> "RefAVSAnswer":
        return RefAVSAnswer(self.exists, self.target.rescale(width, height) if self.target is not None else None)


@dataclass(frozen=True)
class Caption:
    """A free-text description of the clip."""

    text: str


@dataclass(frozen=True)
class Unparsed:
    """Text that did not parse; ``reason`` says what was missing."""

    text: str
    reason: str = field(default="")

    def __str__(self) -> str:
        return f"unparsed ({self.reason}): {self.text[:80]!r}"


Answer = Union[Label, Choice, TimedEvents, AVVPEvents, BoxPoints, RefAVSAnswer, Caption, Unparsed]

__all__ = ["ANSWER_FRAME_SIZE", "AVVPEvents", "Answer", "BoxPoints", "Caption", "Choice", "Label", "RefAVSAnswer",
           "TimedEvent", "TimedEvents", "Unparsed"]
