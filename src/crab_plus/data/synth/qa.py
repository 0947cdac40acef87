"""The avqa reasoning (MUSIC-AVQA style): list what is seen and what is heard, then answer from the listing.

"Seen: circle left, square right. Heard: triangle off screen, circle left." The seen objects go left to right with
their places; the heard sounds go in the order they start, each named by its kind's shape and followed by that
shape's place in the Seen list, or "off screen". The listing does not depend on the question, and every
question's answer is a count, a lookup or a copy over it (:func:`answer_from_listing`), so the recipe's answers
and the text-only lessons (:mod:`.lessons`) follow one rule.
"""

from __future__ import annotations

from typing import Sequence

from .annotate import number_word

OFF_SCREEN = "off screen"

# question kind -> (question template, MUSIC-AVQA question type)
QUESTIONS = {
    "audio_count": ("How many sounds are heard in the video?", '["Audio", "Counting"]'),
    "visual_count": ("How many objects are in the video?", '["Visual", "Counting"]'),
    "is_sounding": ("Is the {shape} making a sound?", '["Audio-Visual", "Existential"]'),
    "first_sounding": ("Which visible object makes a sound first?", '["Audio-Visual", "Temporal"]'),
    "sounding_count": ("How many visible objects are making sounds?", '["Audio-Visual", "Counting"]'),
    "where": ("Where is the {shape}?", '["Visual", "Location"]'),
    "where_first": ("Where is the object that sounds first?", '["Audio-Visual", "Location"]'),
    "where_sounding": ("Where is the sounding object?", '["Audio-Visual", "Location"]'),
}
NEEDS_SHAPE = ("is_sounding", "where")


def question_text(kind: str, shape: str | None = None) -> str:
    return QUESTIONS[kind][0].format(shape=shape)


def avqa_listing(seen: Sequence[tuple[str, str]], heard: Sequence[str]) -> str:
    """``seen``: (shape, place) left to right; ``heard``: sounding kinds (as shape names) in onset order."""
    places = dict(seen)
    return (f"Seen: {', '.join(f'{shape} {place}' for shape, place in seen)}. "
            f"Heard: {', '.join(f'{shape} {places.get(shape, OFF_SCREEN)}' for shape in heard)}.")


def answer_from_listing(kind: str, seen: Sequence[tuple[str, str]], heard: Sequence[str],
                        shape: str | None = None) -> str:
    """The answer word to question ``kind`` (about ``shape`` for NEEDS_SHAPE kinds) given the listing."""
    places = dict(seen)
    visible_heard = [h for h in heard if h in places]  # onset order
    if kind == "audio_count":
        return number_word(len(heard))
    if kind == "visual_count":
        return number_word(len(seen))
    if kind == "is_sounding":
        return "yes" if shape in heard else "no"
    if kind == "sounding_count":
        return number_word(len(visible_heard))
    if kind == "where":
        return places[shape]
    if not visible_heard:
        raise ValueError(f"question {kind!r} needs a visible sounding object; the listing has none")
    if kind == "first_sounding":
        return visible_heard[0]
    if kind in ("where_first", "where_sounding"):
        return places[visible_heard[0]]
    raise KeyError(f"unknown avqa question kind {kind!r}; known: {sorted(QUESTIONS)}")
