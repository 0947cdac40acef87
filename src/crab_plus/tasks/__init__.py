"""The unified task interface: the task registry, typed answers, parsers/formatters and metric inputs.

>>> from crab_plus.tasks import get_task
>>> task = get_task("ave")
>>> task.parse("A dog barks from the second second. event:dog barking start_time:2 end_time:7")
TimedEvents(events=(TimedEvent(event='dog barking', start=2.0, end=7.0),))
"""

from .answers import (ANSWER_FRAME_SIZE, AVVPEvents, BoxPoints, Caption, Choice, Label, RefAVSAnswer, TimedEvent,
                      TimedEvents, Unparsed)
from .builtin import BUILTIN_TASKS
from .formats import ANSWER_FORMATS, AnswerFormat
from .metric_inputs import metric_input, metric_inputs
from .registry import FAMILIES, SLOTS, TASKS, Task, default_lead_text, get_task, register_task, unregister_task

for _task in BUILTIN_TASKS:
    register_task(_task, overwrite=True)
del _task

__all__ = [
    "ANSWER_FORMATS", "ANSWER_FRAME_SIZE", "AVVPEvents", "AnswerFormat", "BUILTIN_TASKS", "BoxPoints", "Caption",
    "Choice", "FAMILIES", "Label", "RefAVSAnswer", "SLOTS", "TASKS", "Task", "TimedEvent", "TimedEvents", "Unparsed",
    "default_lead_text", "get_task", "metric_input", "metric_inputs", "register_task", "unregister_task",
]
