"""Answer formats: one record per kind of answer, bundling its parser, its formatter and its metric input.

A task names one :class:`AnswerFormat`; users registering their own task can reuse a built-in one or build
their own from three functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from . import parsers
from .answers import AVVPEvents, BoxPoints, Caption, Choice, Label, RefAVSAnswer, TimedEvents


@dataclass(frozen=True)
class AnswerFormat:
    """How a task's answers are written and read.

    name: short name (docs, reports).
    answer_type: the typed answer class the parser returns (besides Unparsed).
    parse: text -> answer or Unparsed (must never raise; Task.parse guards it anyway).
    format: answer -> the structured part of the target text (no reasoning); formats with
        ``has_coordinates`` also take ``digits`` (zero-pad pixel coordinates to that width, see
        :func:`~crab_plus.tasks.parsers.format_coordinate`).
    to_metric: answer -> the plain data its metric takes (see docs/metrics.md), or None when it has none.
    example: an example of the structured text (for docs and prompts).
    takes_reasoning: whether a reasoning paragraph may precede the structured part (not for free text, which
        would swallow it).
    """

    name: str
    answer_type: type
    parse: Callable[[str], Any]
    format: Callable[[Any], str]
    to_metric: Callable[[Any], Any] | None
    example: str
    takes_reasoning: bool = True
    has_coordinates: bool = False


def _events(events) -> list[tuple[str, float, float]]:
    return [(e.event, e.start, e.end) for e in events]


LABEL = AnswerFormat("label", Label, parsers.parse_label, parsers.format_label, lambda a: a.label,
                     "<answer>playing guitar</answer>")
BARE_LABEL = AnswerFormat("bare_label", Label, lambda text: parsers.parse_label(text, tagged=False),
                          parsers.format_bare_label, lambda a: a.label, "two")
CHOICE_INDEX = AnswerFormat("choice_index", Choice, parsers.parse_choice_index, parsers.format_choice_index,
                            lambda a: str(a.index) if a.index is not None else a.option, "<answer>1</answer>")
CHOICE_OPTION = AnswerFormat("choice_option", Choice, parsers.parse_choice_option, parsers.format_choice_option,
                             lambda a: a.option if a.option is not None else str(a.index), "dog")
TIMED_EVENTS = AnswerFormat("timed_events", TimedEvents, parsers.parse_timed_events, parsers.format_timed_events,
                            lambda a: _events(a.events), "event:dog barking start_time:2 end_time:7")
AVVP = AnswerFormat("avvp_events", AVVPEvents, parsers.parse_avvp, parsers.format_avvp,
                    lambda a: {"audio": _events(a.audio), "visual": _events(a.visual)},
                    "<visual>dog (0,4)</visual><audio>dog (0,4), speech (5,10)</audio>")
# Segmentation answers are prompts for the SAM stage, not masks: their metric input comes from that stage.
BOX_POINTS = AnswerFormat("box_points", BoxPoints, parsers.parse_box_points, parsers.format_box_points, None,
                          "The object making the sound in the video is dog. Its bounding box is [30,40,130,130], "
                          "and three points on it are [50,70], [80,85], [110,100].", has_coordinates=True)
OBJ_BOX = AnswerFormat("obj_box", BoxPoints, parsers.parse_box_points, parsers.format_obj_box,
                       lambda a: list(a.box), "The sounding object is dog. Its coordinates are <obj>(10,20)(120,150)</obj>.",
                       has_coordinates=True)
REF_AVS = AnswerFormat("ref_avs", RefAVSAnswer, parsers.parse_ref_avs, parsers.format_ref_avs, None,
                       "<answer>true</answer> The object is the dog on the left. Its bounding box is [20,30,110,110], "
                       "and three points on it are [30,50], [60,65], [90,80].", has_coordinates=True)
CAPTION = AnswerFormat("caption", Caption, parsers.parse_caption, parsers.format_caption, lambda a: a.text,
                       "A man plays an acoustic guitar while singing.", takes_reasoning=False)

ANSWER_FORMATS = {f.name: f for f in (LABEL, BARE_LABEL, CHOICE_INDEX, CHOICE_OPTION, TIMED_EVENTS, AVVP,
                                      BOX_POINTS, OBJ_BOX, REF_AVS, CAPTION)}
