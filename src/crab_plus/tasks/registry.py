"""The task registry: one :class:`Task` record per task key, the release's 19 built in, users' own added with
:func:`register_task`. ``TASKS`` is a read-only live view of the registry (it shows tasks registered later).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from ..errors import TaskError
from ..evaluation.metrics.dispatch import METRIC_NAMES
from ..processing.policy import MediaPolicy
from .answers import Unparsed
from .formats import AnswerFormat

FAMILIES = ("matching", "action", "emotion", "qa", "localisation", "parsing", "segmentation", "grounding",
            "referring_segmentation", "captioning")
SLOTS = ("question", "options", "description")
VISUAL_KINDS = ("video", "image")


def default_lead_text(num_videos: int, num_audios: int, visual_kind: str) -> str:
    """The release's lead texts: "This is a video and an audio:", "These are two videos and an audio:", ..."""
    if num_videos == 2 and num_audios == 1:
        return "These are two videos and an audio:"
    if num_videos == 1 and num_audios == 2:
        return "This is a video and two audio clips:"
    return f"This is {'an image' if visual_kind == 'image' else 'a video'} and an audio:"


@dataclass(frozen=True)
class Task:
    """One task: what media it takes, how it is asked, how its answer is written and read, how it is scored.

    key: registry key ("ave"). family: one of FAMILIES. dataset: source dataset name.
    policy: the MediaPolicy sampling its clips. instruction_template: ``str.format`` template whose slots are
    among ``{question}``, ``{options}``, ``{description}``. answer_format: parser + formatter + metric input.
    metric: a name in crab_plus.evaluation.metrics.METRIC_NAMES (None only for tasks not evaluated).
    lead_text: the text before the media (default from the media counts and ``visual_kind``).
    """

    key: str
    family: str
    dataset: str
    policy: MediaPolicy
    instruction_template: str
    answer_format: AnswerFormat
    metric: str | None
    evaluated: bool = True
    num_videos: int = 1
    num_audios: int = 1
    visual_kind: str = "video"
    lead_text: str = ""
    notes: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.key, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", self.key):
            problems.append(f"key {self.key!r} must be a non-empty name of letters, digits, '_', '-', '.'")
        if self.family not in FAMILIES:
            problems.append(f"family {self.family!r} is not one of {', '.join(FAMILIES)}")
        if not isinstance(self.policy, MediaPolicy):
            problems.append(f"policy must be a crab_plus.processing.policy.MediaPolicy, got {type(self.policy).__name__}")
        if not isinstance(self.answer_format, AnswerFormat):
            problems.append("answer_format must be a crab_plus.tasks.formats.AnswerFormat")
        if self.metric is not None and self.metric not in METRIC_NAMES:
            problems.append(f"metric {self.metric!r} is not one of {', '.join(METRIC_NAMES)}")
        if self.evaluated and self.metric is None:
            problems.append("an evaluated task needs a metric (or pass evaluated=False)")
        if self.visual_kind not in VISUAL_KINDS:
            problems.append(f"visual_kind {self.visual_kind!r} is not 'video' or 'image'")
        elif self.visual_kind == "image" and isinstance(self.policy, MediaPolicy) and self.policy.num_frames != 1:
            problems.append(f"an image task needs a one-frame policy, {self.policy.name} samples {self.policy.num_frames}")
        for name in ("num_videos", "num_audios"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be an integer >= 1, got {value!r}")
        try:
            unknown = sorted(set(self.slots) - set(SLOTS))
        except (ValueError, TypeError) as error:
            problems.append(f"instruction_template is not a valid format string ({error})")
        else:
            if unknown:
                problems.append(f"instruction_template has unknown slot(s) {unknown}; slots: {', '.join(SLOTS)}")
        if problems:
            raise TaskError(f"task {self.key!r} is not valid: " + "; ".join(problems) + ".")
        if not self.lead_text:
            object.__setattr__(self, "lead_text", default_lead_text(self.num_videos, self.num_audios, self.visual_kind))

    # ------------------------------------------------------------------------------------------- prompting
    @property
    def slots(self) -> tuple[str, ...]:
        """The slots the instruction template needs, in order."""
        names = (name for _, name, _, _ in string.Formatter().parse(self.instruction_template) if name is not None)
        return tuple(dict.fromkeys(names))

    def instruction(self, question: str | None = None, options: Sequence[str] | str | None = None,
                    description: str | None = None) -> str:
        """The instruction text with its slots filled; TaskError naming a missing slot."""
        values = {"question": question, "options": _render_options(options), "description": description}
        missing = [name for name in self.slots if values[name] is None or not str(values[name]).strip()]
        if missing:
            raise TaskError(f"task {self.key!r} needs {', '.join(missing)} to build its instruction; pass "
                            + ", ".join(f"{name}=..." for name in missing) + ".")
        return self.instruction_template.format(**{name: str(values[name]).strip() for name in self.slots})

    # -------------------------------------------------------------------------------------------- answers
    def parse(self, text: str) -> Any:
        """Typed answer of a generated or target text; Unparsed (with the reason) when it does not parse."""
        if not isinstance(text, str):
            return Unparsed(repr(text), f"expected text, got {type(text).__name__}")
        try:
            return self.answer_format.parse(text)
        except Exception as error:  # a user's parser failing must not stop an evaluation
            return Unparsed(text, f"the {self.answer_format.name} parser failed: {type(error).__name__}: {error}")

    def format_answer(self, answer: Any, reasoning: str = "", *, coordinate_digits: int = 0) -> str:
        """Target text: the optional reasoning paragraph, then the structured answer in the release format.
        ``coordinate_digits`` > 0 zero-pads the pixel coordinates of box answers to that many digits (other
        answers have none)."""
        expected = self.answer_format.answer_type
        if not isinstance(answer, expected):
            raise TaskError(f"task {self.key!r} answers with {expected.__name__}, got {type(answer).__name__}.")
        if coordinate_digits and self.answer_format.has_coordinates:
            structured = self.answer_format.format(answer, digits=coordinate_digits)
        else:
            structured = self.answer_format.format(answer)
        if not reasoning or not reasoning.strip():
            return structured
        if not self.answer_format.takes_reasoning:
            raise TaskError(f"task {self.key!r} answers with free text ({self.answer_format.name}); a reasoning "
                            "paragraph cannot be told apart from it: pass reasoning=''.")
        return f"{reasoning.strip()}\n{structured}"

    def metric_input(self, answer: Any) -> Any:
        """The plain data this task's metric takes for one typed answer (None for Unparsed / None)."""
        from .metric_inputs import metric_input

        return metric_input(self, answer)


def _render_options(options: Sequence[str] | str | None) -> str | None:
    if options is None or isinstance(options, str):
        return options
    return ", ".join(str(option) for option in options) if len(options) else None


# ---------------------------------------------------------------------------------------------- registry
_REGISTRY: dict[str, Task] = {}
TASKS: Mapping[str, Task] = MappingProxyType(_REGISTRY)


def register_task(task: Task, overwrite: bool = False) -> Task:
    """Add ``task`` to the registry (every component looks tasks up here). TaskError if the key is taken and
    ``overwrite`` is False."""
    if not isinstance(task, Task):
        raise TaskError(f"register_task takes a crab_plus.tasks.Task, got {type(task).__name__}.")
    if task.key in _REGISTRY and not overwrite:
        raise TaskError(f"task key {task.key!r} is already registered; choose another key or pass overwrite=True.")
    _REGISTRY[task.key] = task
    return task


def unregister_task(key: str) -> Task:
    """Remove a task (e.g. one registered by a test); TaskError for an unknown key."""
    task = get_task(key)
    del _REGISTRY[key]
    return task


def get_task(key: str) -> Task:
    """The task registered under ``key`` (a Task passes through); TaskError listing the valid keys otherwise."""
    if isinstance(key, Task):
        return key
    try:
        return _REGISTRY[key]
    except (KeyError, TypeError):
        raise TaskError(f"unknown task {key!r}; registered tasks: {', '.join(_REGISTRY)} "
                        "(add your own with crab_plus.tasks.register_task).") from None
