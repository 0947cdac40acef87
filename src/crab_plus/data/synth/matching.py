"""The matching tasks' reasoning (a2v, v2a): each kind a candidate shows or sounds like, each with its verdict.

A verdict is the word right after its kind, so a model decides it at the kind's own token: is this kind among the
few written before it (the heard kind for a2v, the seen kinds for v2a). "no" when it is not, "yes" for the match,
"yes, but not in time" for a look-alike candidate (the same kinds, another rhythm).
"""

from __future__ import annotations

NO, YES, LOOK_ALIKE = "no", "yes", "yes, but not in time"


def verdict(kind_matches: bool, correct: bool) -> str:
    if not kind_matches:
        return NO
    return YES if correct else LOOK_ALIKE


def kinds_with_verdicts(kinds: list[str], wanted: str, correct: bool = True) -> str:
    """Each of ``kinds`` with its verdict: is it the ``wanted`` kind. -> "square no, circle yes" """
    return ", ".join(f"{kind} {verdict(kind == wanted, correct)}" for kind in kinds)


def a2v_reasoning(heard: str, videos: list[list[str]], correct: int) -> str:
    """``heard``: the sounding kind; ``videos``: the shapes each video shows (left to right); ``correct``: 1 or 2.
    -> "Heard: circle. Video 1: square no, triangle no. Video 2: circle yes." """
    parts = [f"Heard: {heard}."]
    for number, shapes in enumerate(videos, start=1):
        parts.append(f"Video {number}: {kinds_with_verdicts(shapes, heard, number == correct)}.")
    return " ".join(parts)


def v2a_reasoning(seen: list[str], heard: list[str], correct: int) -> str:
    """``seen``: the shapes the video shows (left to right); ``heard``: each audio's sounding kind.
    -> "Seen: triangle, circle. Audio 1: diamond no. Audio 2: circle yes." """
    parts = [f"Seen: {', '.join(seen)}."]
    for number, kind in enumerate(heard, start=1):
        parts.append(f"Audio {number}: {kind} {verdict(kind in seen, number == correct)}.")
    return " ".join(parts)


def presence_reasoning(asked: str, seen: list[str]) -> str:
    """Ref-AVS with a colour-and-shape description: is the named kind among the frame's (left to right)? Each kind
    gets its verdict, as a video's kinds in a2v (the asked kind in the heard kind's place).
    -> "Asked: triangle. Frame: square no, circle no." """
    return f"Asked: {asked}. Frame: {kinds_with_verdicts(seen, asked)}."
