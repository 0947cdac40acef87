"""Typed ground-truth answers (crab_plus.tasks.answers) for the recipes, built in one place."""

from __future__ import annotations



def _types():
    from ...tasks import answers

    return answers


def label(text: str):
    return _types().Label(text)


def choice(number: int):
    return _types().Choice(number)


def choice_text(answer: str, options: list[str]):
    return _types().Label(answer)


def events(items: list[tuple[str, int, int]]):
    return _types().TimedEvents(tuple(_types().TimedEvent(name, start, end) for name, start, end in items))


def avvp(visual: list[tuple[str, int, int]], audio: list[tuple[str, int, int]]):
    return _types().AVVPEvents(visual=tuple(_types().TimedEvent(*e) for e in visual), audio=tuple(_types().TimedEvent(*e) for e in audio))


def box_points(name: str, box: list[int], points: list[list[int]]):
    return _types().BoxPoints(name, tuple(box), tuple(tuple(p) for p in points))


def box(name: str, box_: list[int]):
    return _types().BoxPoints(name, tuple(box_), ())


def referred(exists: bool, name: str | None = None, box_: list[int] | None = None, points=None):
    return _types().RefAVSAnswer(exists, name, None if box_ is None else tuple(box_),
                          () if points is None else tuple(tuple(p) for p in points))


def caption(text: str):
    return _types().Caption(text)


def answer_text(task_key: str, answer) -> str:
    """The structured part of the target alone (no reasoning), as the release's answer fields hold it."""
    from ...tasks import get_task

    return get_task(task_key).format_answer(answer, "")
