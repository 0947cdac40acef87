"""Typed ground-truth answers (crab_plus.tasks.answers) for the recipes, built in one place."""

from __future__ import annotations

from ...tasks import answers as T


def label(text: str):
    return T.Label(text)


def choice(number: int):
    return T.Choice(number)


def choice_text(answer: str, options: list[str]):
    return T.Label(answer)


def events(items: list[tuple[str, int, int]]):
    return T.TimedEvents(tuple(T.TimedEvent(name, start, end) for name, start, end in items))


def avvp(visual: list[tuple[str, int, int]], audio: list[tuple[str, int, int]]):
    return T.AVVPEvents(visual=tuple(T.TimedEvent(*e) for e in visual), audio=tuple(T.TimedEvent(*e) for e in audio))


def box_points(name: str, box: list[int], points: list[list[int]]):
    return T.BoxPoints(name, tuple(box), tuple(tuple(p) for p in points))


def box(name: str, box_: list[int]):
    return T.BoxPoints(name, tuple(box_), ())


def referred(exists: bool, name: str | None = None, box_: list[int] | None = None, points=None):
    return T.RefAVSAnswer(exists, name, None if box_ is None else tuple(box_),
                          () if points is None else tuple(tuple(p) for p in points))


def caption(text: str):
    return T.Caption(text)


def answer_text(task_key: str, answer) -> str:
    """The structured part of the target alone (no reasoning), as the release's answer fields hold it."""
    from ...tasks import get_task

    return get_task(task_key).format_answer(answer, "")
