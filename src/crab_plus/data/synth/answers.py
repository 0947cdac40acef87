"""Typed ground-truth answers (crab_plus.tasks.answers) for the recipes, built in one place. Coordinates are
pixels of the 224x224 answer frame; times whole seconds."""

from __future__ import annotations


def _types():
    from ...tasks import answers  # the task registry; imported when the first answer is built

    return answers


def label(text: str):
    """ks (action), cremad (emotion), avqa (answer word)."""
    return _types().Label(text)


def choice(number: int):
    """a2v, v2a: which candidate (1 or 2)."""
    return _types().Choice(index=int(number))


def choice_text(option: str):
    """avqa_thu: the chosen option's text."""
    return _types().Choice(option=option)


def events(items: list[tuple[str, int, int]]):
    """ave: (event, start, end) seconds."""
    return _types().TimedEvents(tuple(items))


def avvp(visual: list[tuple[str, int, int]], audio: list[tuple[str, int, int]]):
    return _types().AVVPEvents(audio=tuple(audio), visual=tuple(visual))


def box_points(name: str, box_: list[int], points: list[list[int]]):
    """s4, ms3: category, box [x1, y1, x2, y2] and points [[x, y], ...]."""
    return _types().BoxPoints(name, tuple(box_), tuple(tuple(p) for p in points))


def box(name: str, box_: list[int]):
    """arig: category and box, no points."""
    return _types().BoxPoints(name, tuple(box_))


def referred(exists: bool, name: str | None = None, box_: list[int] | None = None, points=()):
    """ref_avs: ``referred(False)`` or ``referred(True, name, box, points)``."""
    types = _types()
    if not exists:
        return types.RefAVSAnswer(False, None)
    return types.RefAVSAnswer(True, box_points(name, box_, points))


def caption(text: str):
    return _types().Caption(text)


def answer_text(task_key: str, answer) -> str:
    """The structured part of the target alone (no reasoning), as the release's answer fields hold it."""
    from ...tasks import get_task

    return get_task(task_key).format_answer(answer, "")
