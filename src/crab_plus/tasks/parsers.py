"""Text <-> typed answers: parsers for generated/target text and formatters writing the release formats.

Parsers accept a reasoning paragraph before the structured part, extra whitespace, any letter case in tags and
keywords, the Crab+ release formats and the Crab v1 tag formats (``<event>..</event><range>s,e</range>``,
``<visual>..</visual><audio>..</audio>``). They return :class:`~crab_plus.tasks.answers.Unparsed` with a reason
instead of raising. Formatters write the release format (the structured part only; the task adds reasoning).
"""

from __future__ import annotations

import math
import re

from .answers import AVVPEvents, BoxPoints, Caption, Choice, Label, RefAVSAnswer, TimedEvent, TimedEvents, Unparsed

NUM = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
MAX_LABEL = 200  # longest event/object name read (bounds the regex work on long generations: linear time)
_FLAGS = re.IGNORECASE | re.DOTALL


def format_number(value: float) -> str:
    """``3.0`` -> ``3``; other floats in their shortest exact form (so they parse back to the same float)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def format_coordinate(value: float, digits: int = 0) -> str:
    """A pixel coordinate; ``digits`` > 0 zero-pads whole non-negative values to that width (``72`` -> ``072``), so
    every coordinate is the same number of digit tokens and its first digit always means the same place value.
    Parsers read both forms."""
    text = format_number(value)
    return text.zfill(digits) if digits > 0 and float(value).is_integer() and value >= 0 else text


def _clean_label(text: str) -> str:
    """Whitespace collapsed; final sentence punctuation, markdown emphasis and a pair of quotes removed."""
    text = " ".join(text.split()).rstrip(".!?").strip().strip("*").strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        text = text[1:-1].strip()
    return text


# ------------------------------------------------------------------------------------------ labels and choices
_ANSWER_TAG = re.compile(r"<answer>\s*(.*?)\s*</answer>", _FLAGS)
_OPEN_ANSWER = re.compile(r"<answer>((?:(?!<answer>).)*)$", _FLAGS)  # a generation cut before </answer>
_CUT_CLOSING_TAG = re.compile(r"\s*<(?:/[a-z]{0,6})?$", re.IGNORECASE)  # "...</ans" at the end of a cut generation
# an "answer:" lead-in, also in markdown ("**Answer:** 2", "The final answer is 2")
_ANSWER_PREFIX = re.compile(r"^[*_\s]*(?:(?:so|thus|therefore|hence)\s*,?\s+)?(?:the\s+)?(?:final\s+|correct\s+)?"
                            r"answer[*_]*\s*(?:is\b\s*:?|:)[*_\s]*", re.IGNORECASE)


def answer_tag(text: str) -> str | None:
    """Content of the last ``<answer>..</answer>`` (or of an unclosed last ``<answer>``), else None."""
    found = _ANSWER_TAG.findall(text)
    if found:
        return found[-1]
    cut = _OPEN_ANSWER.search(text)
    return _CUT_CLOSING_TAG.sub("", cut.group(1)).strip() if cut else None


def final_fragment(text: str) -> str:
    """The last sentence of the last non-empty line, without an "answer:" lead-in: where a bare answer sits."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    pieces = [p for p in re.split(r"(?<=[.!?])\s+", lines[-1].strip()) if p.strip(" .!?")]
    last = pieces[-1] if pieces else ""
    return _clean_label(_ANSWER_PREFIX.sub("", last.strip()))


def parse_label(text: str, tagged: bool = True) -> Label | Unparsed:
    """``<answer>{label}</answer>``; with ``tagged=False`` a bare final answer word is accepted too."""
    content = answer_tag(text)
    if content is None and tagged:
        return Unparsed(text, "no <answer>...</answer> tag")
    label = _clean_label(_ANSWER_PREFIX.sub("", content)) if content is not None else final_fragment(text)
    return Label(label) if label else Unparsed(text, "empty answer")


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "one": 1, "two": 2, "three": 3, "four": 4}
_INDEX = re.compile(r"^(?:(?:the|video|audio|clip|option|candidate|number|no\.?)\s*)*(\d+|first|second|third|"
                    r"fourth|one|two|three|four)(?:st|nd|rd|th)?(?:\s+(?:one|video|audio|clip))?$", re.IGNORECASE)


def parse_choice_index(text: str) -> Choice | Unparsed:
    """``<answer>1</answer>`` -> Choice(index=1); also "video 2", "the second", or a bare final number."""
    content = answer_tag(text)
    candidate = _clean_label(_ANSWER_PREFIX.sub("", content)) if content is not None else final_fragment(text)
    found = _INDEX.match(candidate.strip("()[] "))  # also "(1)", "[2]"
    if not found:
        why = "no <answer>...</answer> tag" if content is None else f"answer {candidate!r} is not a choice number"
        return Unparsed(text, why)
    word = found.group(1).lower()
    return Choice(index=int(word) if word.isdigit() else _ORDINALS[word])


def parse_choice_option(text: str) -> Choice | Unparsed:
    """An option's text, tagged or bare (AVQA): Choice(option=...)."""
    label = parse_label(text, tagged=False)
    return Choice(option=label.label) if isinstance(label, Label) else label


def format_label(answer: Label) -> str:
    return f"<answer>{answer.label}</answer>"


def format_bare_label(answer: Label) -> str:
    return answer.label


def format_choice_index(answer: Choice) -> str:
    return f"<answer>{answer.index}</answer>"


def format_choice_option(answer: Choice) -> str:
    return str(answer.option)


# ---------------------------------------------------------------------------------------------- timed events
_SEP = r"\s*[,;]?\s*"
_RELEASE_EVENT = re.compile(
    rf"event\s*[:：]\s*(?P<label>(?:(?!event\s*[:：])[^\n]){{1,{MAX_LABEL}}}?)"
    rf"{_SEP}start[_ ]?time\s*[:：]\s*(?P<start>{NUM})\s*s?{_SEP}end[_ ]?time\s*[:：]\s*(?P<end>{NUM})", re.IGNORECASE)
_V1_EVENT = re.compile(rf"<event>\s*(?P<label>.*?)\s*</event>\s*<range>\s*(?P<start>{NUM})\s*s?\s*[,\-~]\s*"
                       rf"(?P<end>{NUM})\s*s?\s*</range>", _FLAGS)
_RANGE_EVENT = re.compile(rf"(?P<label>[^,;<>\n]{{0,{MAX_LABEL}}}?)\s*[(\[]\s*(?P<start>{NUM})\s*s?\s*(?:,|-|~|to)\s*"
                          rf"(?P<end>{NUM})\s*s?\s*[)\]]", re.IGNORECASE)
_NO_EVENT = re.compile(r"^\W*(?:none|nothing|no\s+(?:[\w-]+\s+){0,3}events?)\W*$|\bthere\s+(?:is|are)\s+no\s+"
                       r"(?:[\w-]+\s+){0,3}events?\b", re.IGNORECASE)


def _events_from(matches, text: str) -> list[TimedEvent] | Unparsed:
    events, previous = [], ""
    for m in matches:
        label = _clean_label(m.group("label")) or previous  # "dog (0,2)(5,7)": the second range reuses "dog"
        if not label:
            return Unparsed(text, f"a time range without an event name near {m.group(0)!r}")
        start, end = float(m.group("start")), float(m.group("end"))
        if not (math.isfinite(start) and math.isfinite(end)):
            return Unparsed(text, f"event {label!r} has a time out of range near {m.group(0)[:80]!r}")
        if end < start:
            return Unparsed(text, f"event {label!r} ends ({end:g} s) before it starts ({start:g} s)")
        events.append(TimedEvent(label, start, end))
        previous = label
    return events


def find_timed_events(text: str, ranges: bool = False) -> list[TimedEvent] | Unparsed | None:
    """Events in the release form, else the Crab v1 form, else (``ranges``) ``label (s,e)``; None if none."""
    for pattern in (_RELEASE_EVENT, _V1_EVENT) + ((_RANGE_EVENT,) if ranges else ()):
        matches = list(pattern.finditer(text))
        if matches:
            return _events_from(matches, text)
    return None


def parse_timed_events(text: str) -> TimedEvents | Unparsed:
    """``event:{e} start_time:{s} end_time:{t}`` (repeated for several events) or v1 ``<event>e</event>
    <range>s,t</range>``; a text saying there is no event gives an empty TimedEvents."""
    events = find_timed_events(text)
    if isinstance(events, Unparsed):
        return events
    if events is None:
        if _NO_EVENT.search(text):
            return TimedEvents(())
        return Unparsed(text, "no 'event:... start_time:... end_time:...' (nor <event>/<range>) found")
    return TimedEvents(tuple(events))


def format_timed_events(answer: TimedEvents) -> str:
    if not answer.events:
        return "There is no event."
    return " ".join(f"event:{e.event} start_time:{format_number(e.start)} end_time:{format_number(e.end)}"
                    for e in answer.events)


# ------------------------------------------------------------------------------------------------------ AVVP
def _section(text: str, name: str) -> str | None:
    """The last ``<name>..</name>`` (or, untagged, the text after the last "name events:" heading)."""
    tagged = re.findall(rf"<{name}>(.*?)</{name}>", text, _FLAGS)
    if tagged:
        return tagged[-1]
    headings = list(re.finditer(rf"\b{name}(?:\s+events?)?\s*[:：]", text, re.IGNORECASE))
    if not headings:
        return None
    rest = text[headings[-1].end():]
    other = "audio" if name == "visual" else "visual"
    stop = re.search(rf"\b{other}(?:\s+events?)?\s*[:：]|</?(?:audio|visual)>", rest, re.IGNORECASE)
    return rest[: stop.start()] if stop else rest


def _section_events(section: str, name: str, text: str) -> tuple[TimedEvent, ...] | Unparsed:
    if not section.strip(" \n\t.,;") or _NO_EVENT.search(section):
        return ()
    events = find_timed_events(section, ranges=True)
    if events is None:
        return Unparsed(text, f"no event with a time range in the {name} part")
    return events if isinstance(events, Unparsed) else tuple(events)


def parse_avvp(text: str) -> AVVPEvents | Unparsed:
    """``<visual>dog (0,4)</visual><audio>dog (0,4), speech (5,10)</audio>`` (also v1 ``<event>``/``<range>``
    or release ``event:..`` items inside the tags, or untagged "Visual events: ... Audio events: ...")."""
    parts = {}
    for name in ("audio", "visual"):
        section = _section(text, name)
        if section is None:
            return Unparsed(text, f"no <{name}>...</{name}> part")
        events = _section_events(section, name, text)
        if isinstance(events, Unparsed):
            return events
        parts[name] = events
    return AVVPEvents(audio=parts["audio"], visual=parts["visual"])


def _range_list(events: tuple[TimedEvent, ...]) -> str:
    return ", ".join(f"{e.event} ({format_number(e.start)},{format_number(e.end)})" for e in events)


def format_avvp(answer: AVVPEvents) -> str:
    return f"<visual>{_range_list(answer.visual)}</visual><audio>{_range_list(answer.audio)}</audio>"


# ---------------------------------------------------------------------------------------- boxes and points
_BOX = re.compile(rf"\[\s*({NUM})\s*,\s*({NUM})\s*,\s*({NUM})\s*,\s*({NUM})\s*\]")
_OBJ = re.compile(rf"<obj>\s*\(\s*({NUM})\s*,\s*({NUM})\s*\)\s*,?\s*\(\s*({NUM})\s*,\s*({NUM})\s*\)\s*</obj>",
                  re.IGNORECASE)
_POINT = re.compile(rf"[\[(]\s*({NUM})\s*,\s*({NUM})\s*[\])]")
# the category: "... is {obj}." in the sentence right before the one holding the box
_LABEL_BEFORE_BOX = re.compile(rf"\bis\s+(?P<label>[^.\n\[\]<>]{{1,{MAX_LABEL}}}?)\s*\.[^.\n]{{0,{MAX_LABEL}}}$",
                               re.IGNORECASE)


def find_box_points(text: str) -> BoxPoints | Unparsed | None:
    """The last box (``[x1,y1,x2,y2]`` or ``<obj>(x1,y1)(x2,y2)</obj>``), up to 3 points after it, the label
    before it; None when there is no box, Unparsed when a coordinate overflows (``1e400``)."""
    boxes = list(_BOX.finditer(text)) + list(_OBJ.finditer(text))
    if not boxes:
        return None
    box = max(boxes, key=lambda m: m.end())
    points = tuple((float(x), float(y)) for x, y in (m.groups() for m in _POINT.finditer(text, box.end())))[:3]
    coordinates = tuple(float(v) for v in box.groups())
    if not all(math.isfinite(v) for v in coordinates + sum(points, ())):
        return Unparsed(text, f"a coordinate out of range in the box {box.group(0)[:80]!r} or its points")
    named = _LABEL_BEFORE_BOX.search(text[: box.start()])
    label = _clean_label(named.group("label")) if named else None
    return BoxPoints(label or None, coordinates, points)


def parse_box_points(text: str) -> BoxPoints | Unparsed:
    """``The object ... is {obj}. Its bounding box is [x1,y1,x2,y2], and three points on it are [x,y], ...``"""
    found = find_box_points(text)
    return found if found is not None else Unparsed(text, "no box [x1,y1,x2,y2] or <obj>(x1,y1)(x2,y2)</obj>")


_POINT_COUNT = {1: "one point", 2: "two points", 3: "three points"}


def format_box_points(answer: BoxPoints, digits: int = 0) -> str:
    named = f"The object making the sound in the video is {answer.label}. " if answer.label else ""
    return named + _box_sentence(answer, digits)


def _box_sentence(answer: BoxPoints, digits: int = 0) -> str:
    box = ",".join(format_coordinate(v, digits) for v in answer.box)
    points = ", ".join(f"[{format_coordinate(x, digits)},{format_coordinate(y, digits)}]" for x, y in answer.points)
    tail = f", and {_POINT_COUNT[len(answer.points)]} on it are {points}" if answer.points else ""
    return f"Its bounding box is [{box}]{tail}."


def format_obj_box(answer: BoxPoints, digits: int = 0) -> str:
    """ARIG: ``The sounding object is {obj}. Its coordinates are <obj>(x1,y1)(x2,y2)</obj>.`` (no points)."""
    x1, y1, x2, y2 = (format_coordinate(v, digits) for v in answer.box)
    named = f"The sounding object is {answer.label}. " if answer.label else ""
    return f"{named}Its coordinates are <obj>({x1},{y1})({x2},{y2})</obj>."


# ------------------------------------------------------------------------------------------------ Ref-AVS
_EXISTS = re.compile(r"<answer>\s*(true|false|yes|no)\s*</answer>", re.IGNORECASE)


def parse_ref_avs(text: str) -> RefAVSAnswer | Unparsed:
    """``<answer>true</answer>`` + box + points, or ``<answer>false</answer>`` (the object is absent).
    Without the tag, a box alone means true."""
    said = _EXISTS.findall(text)
    target = find_box_points(text)
    if said and said[-1].lower() in ("false", "no"):
        return RefAVSAnswer(False, None)
    if target is None:
        why = "says true but gives no box" if said else "no <answer>true|false</answer> and no box"
        return Unparsed(text, why)
    return target if isinstance(target, Unparsed) else RefAVSAnswer(True, target)


def format_ref_avs(answer: RefAVSAnswer, digits: int = 0) -> str:
    if not answer.exists or answer.target is None:
        return "<answer>false</answer> The described object is not in the frame."
    named = f"The object is {answer.target.label}. " if answer.target.label else ""
    return f"<answer>true</answer> {named}{_box_sentence(answer.target, digits)}"


# ------------------------------------------------------------------------------------------------- captions
def parse_caption(text: str) -> Caption | Unparsed:
    """The whole text (or the ``<answer>`` content if tagged), stripped."""
    content = answer_tag(text)
    caption = (content if content is not None else text).strip()
    return Caption(caption) if caption else Unparsed(text, "empty caption")


def format_caption(answer: Caption) -> str:
    return answer.text
