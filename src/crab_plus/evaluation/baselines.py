"""Trivial baselines scored exactly like a model (``crab-plus evaluate baseline``): the chance level of each task
on the same test split, with the same parsers and metrics, for model cards.

Every test sample gets the answer a model that looks at neither the video nor the audio would give, learnt from
the train split of the same task:

- labels and choices (accuracy tasks): the most frequent train answer among samples with the same question
  (MUSIC-AVQA style), else the most frequent overall; for option questions, the option most often right in train;
- boxes (ARIG, S4, MS3): the most frequent object name with the mean train box, its centre as the three points;
- Ref-AVS: the most frequent exists/false answer, with the mean box;
- temporal events (AVE): the most frequent event with the mean start and end;
- AVVP: the same for the audio events and for the visual events, each learnt from its own train events (whether
  a model uses the audio is measured by ablating it, ``--ablate audio``, not by this baseline);
- captions: the most frequent train caption.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import mean
from typing import Any

from ..tasks.answers import (AVVPEvents, BoxPoints, Caption, Choice, Label, RefAVSAnswer, TimedEvent, TimedEvents,
                             Unparsed)

BASELINE_MODEL = "baseline"


def _most_common(values: Sequence[Any]) -> Any:
    return Counter(values).most_common(1)[0][0]


def _mean_box(answers: Sequence[BoxPoints]) -> BoxPoints:
    box = tuple(round(mean(a.box[i] for a in answers)) for i in range(4))
    centre = (round((box[0] + box[2]) / 2), round((box[1] + box[3]) / 2))
    return BoxPoints(_most_common([a.label for a in answers]), box, (centre, centre, centre))


def _typical_event(events: Sequence[TimedEvent]) -> tuple[TimedEvent, ...]:
    """() if there are no events, else the most frequent event with the mean start and end of all of them."""
    if not events:
        return ()
    return (TimedEvent(_most_common([e.event for e in events]), round(mean(e.start for e in events)),
                       round(mean(e.end for e in events))),)


def baseline_answer(train: Sequence[tuple[Any, Any]], sample) -> Any:
    """The baseline's typed answer for ``sample`` given ``train`` = [(train sample, its typed answer)]."""
    answers = [a for _, a in train]
    first = answers[0]
    if isinstance(first, AVVPEvents):
        return AVVPEvents(audio=_typical_event([e for a in answers for e in a.audio]),
                          visual=_typical_event([e for a in answers for e in a.visual]))
    if isinstance(first, (Label, Choice)):
        same_question = [a for s, a in train if s.question == sample.question] or answers
        if sample.options:
            counts = Counter(getattr(a, "option", None) or getattr(a, "label", None) for a in same_question)
            option = max(sample.options, key=lambda o: counts.get(o, 0))
            return Choice(option=option) if isinstance(first, Choice) else Label(option)
        return _most_common(same_question)
    if isinstance(first, BoxPoints):
        return _mean_box(answers)
    if isinstance(first, RefAVSAnswer):
        exists = _most_common([a.exists for a in answers])
        targets = [a.target for a in answers if a.target is not None]
        return RefAVSAnswer(True, _mean_box(targets)) if exists and targets else RefAVSAnswer(False, None)
    if isinstance(first, TimedEvents):
        return TimedEvents(_typical_event([e for a in answers for e in a.events]))
    if isinstance(first, Caption):
        return _most_common(answers)
    raise TypeError(f"no baseline for answers of type {type(first).__name__}")


def baseline_texts(task_key: str, train_samples: Sequence, test_samples: Sequence) -> list[str]:
    """The baseline's answer text for every test sample of ``task_key`` (formatted as the task's targets)."""
    from ..errors import TaskError
    from ..tasks import get_task

    task = get_task(task_key)
    train = [(s, task.parse(s.target)) for s in train_samples if s.target]
    train = [(s, a) for s, a in train if not isinstance(a, Unparsed)]
    if not train:
        raise TaskError(f"the baseline of task {task_key!r} learns from its train split, which has no parsable "
                        "targets; add train data for it or leave it out of --tasks.")
    return [task.format_answer(baseline_answer(train, s)) for s in test_samples]
