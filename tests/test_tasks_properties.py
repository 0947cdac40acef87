"""Property-based tests: format -> parse round trips for every answer type, and garbage never raises."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crab_plus.tasks import (TASKS, AVVPEvents, BoxPoints, Caption, Choice, Label, RefAVSAnswer, TimedEvent,
                             TimedEvents, Unparsed)
from crab_plus.tasks.formats import ANSWER_FORMATS

# Words with a meaning in the formats themselves cannot be labels of an unambiguous text ("... the answer is x").
RESERVED = {"answer", "is", "are", "event", "events", "no", "none", "nothing", "there", "visual", "audio", "to",
            "the", "so", "thus", "hence", "therefore", "final", "correct", "video", "clip", "option", "candidate",
            "number", "first", "second", "third", "fourth", "one", "two", "three", "four", "start_time", "end_time"}
word = st.from_regex(r"[A-Za-z][A-Za-z0-9_'-]{0,9}", fullmatch=True).filter(lambda w: w.lower() not in RESERVED)
label = st.lists(word, min_size=1, max_size=4).map(" ".join)
reasoning = st.one_of(st.just(""), st.lists(label, min_size=1, max_size=3).map(lambda s: ". ".join(s) + "."))
seconds = st.one_of(st.integers(0, 60).map(float), st.floats(0, 600, allow_nan=False, allow_infinity=False))
pixel = st.one_of(st.integers(0, 224).map(float), st.floats(-50, 5000, allow_nan=False, allow_infinity=False))
point = st.tuples(pixel, pixel)


@st.composite
def timed_event(draw):
    start, end = sorted((draw(seconds), draw(seconds)))
    return TimedEvent(draw(label), start, end)


events = st.lists(timed_event(), max_size=4).map(tuple)
box_points = st.builds(BoxPoints, st.one_of(st.none(), label), st.tuples(pixel, pixel, pixel, pixel),
                       st.lists(point, max_size=3).map(tuple))

ANSWERS = {
    "a2v": st.builds(Choice, index=st.integers(1, 99)),
    "ks": st.builds(Label, label),
    "avqa": st.builds(Label, label),
    "avqa_thu": st.builds(Choice, option=label),
    "unav": st.builds(TimedEvents, events),
    "avvp": st.builds(AVVPEvents, events, events),
    "s4": box_points,
    "arig": st.builds(BoxPoints, st.one_of(st.none(), label), st.tuples(pixel, pixel, pixel, pixel)),
    "ref_avs": st.one_of(st.builds(RefAVSAnswer, st.just(True), box_points), st.just(RefAVSAnswer(False))),
}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _round_trip(key, answer, why, coordinate_digits=0):
    task = TASKS[key]
    text = task.format_answer(answer, reasoning=why, coordinate_digits=coordinate_digits)
    assert task.parse(text) == answer, text


@pytest.mark.parametrize("key", list(ANSWERS))
@SETTINGS
@given(data=st.data(), why=reasoning, digits=st.sampled_from([0, 3, 4]))
def test_round_trip(key, data, why, digits):
    _round_trip(key, data.draw(ANSWERS[key]), why, digits)


@SETTINGS
@given(text=st.text(min_size=1).map(str.strip).filter(lambda t: t and "<answer>" not in t.lower()))
def test_round_trip_caption(text):
    assert TASKS["avcap"].parse(TASKS["avcap"].format_answer(Caption(text))) == Caption(text)


@SETTINGS
@given(box=box_points, width=st.integers(1, 4000), height=st.integers(1, 4000))
def test_rescale_round_trip(box, width, height):
    back = box.rescale(width, height).rescale(224, 224)
    close = [abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a, b in zip(back.box + sum(back.points, ()),
                                                               box.box + sum(box.points, ()))]
    assert all(close) and back.frame_size == (224, 224) and back.label == box.label


FRAGMENTS = ["<answer>", "</answer>", "<ANSWER>", "event:", "start_time:", "end_time:", "[", "]", "(", ")", ",",
             "1", "2.5", "-3", "1e400", "1e300", "-1e308", "<visual>", "</visual>", "<audio>", "</audio>", "<obj>", "</obj>", " is ",
             "dog", ".", "\n", " ", "true", "false", "<event>", "</event>", "<range>", "</range>", "Visual:",
             "Audio events:", "no event", "s", "to", "-", ";", "\u00e9", "\x00"]
garbage = st.one_of(st.text(), st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))


@settings(max_examples=400, deadline=2000)
@given(text=garbage)
def test_garbage_never_raises(text):
    for answer_format in ANSWER_FORMATS.values():
        answer = answer_format.parse(text)  # the raw parser, without the Task.parse safety net
        assert isinstance(answer, (answer_format.answer_type, Unparsed))
        if isinstance(answer, Unparsed):
            assert answer.reason and answer.text == text
        else:
            answer_format.format(answer)  # whatever parses can be written back


# one valid reference per task whose metric takes parsed answers (the mask tasks are scored on SAM masks)
REFERENCES = {
    "a2v": Choice(index=1), "ks": Label("dog"), "avqa": Label("two"), "avqa_thu": Choice(option="dog"),
    "ave": TimedEvents((TimedEvent("dog", 2, 7),)), "unav": TimedEvents((TimedEvent("dog", 2, 7),)),
    "avvp": AVVPEvents(audio=(TimedEvent("dog", 0, 4),), visual=(TimedEvent("dog", 2, 7),)),
    "arig": BoxPoints("dog", (10, 20, 120, 150)), "avcap": Caption("a dog barks"),
}


@settings(max_examples=300, deadline=2000)
@given(text=garbage)
@example(text="event:dog start_time:1e400 end_time:1e401 <visual>a (0,1e400)</visual><audio></audio> [1e400,0,1,1]")
def test_garbage_is_scored_without_error(text):
    """Whatever a model generates, parse -> metric input -> compute_task_metric gives a score (no exception)."""
    from crab_plus.evaluation.metrics import compute_task_metric
    from crab_plus.tasks import metric_input

    for key, truth in REFERENCES.items():
        task = TASKS[key]
        kwargs = {"question_types": ["Audio"]} if task.metric == "music_avqa_accuracy" else {}
        result = compute_task_metric(task.metric, [metric_input(task, task.parse(text))],
                                     [metric_input(task, truth)], **kwargs)
        assert result["num_samples"] == 1


def test_overflowing_numbers_are_unparsed():
    for key, text in [("ave", "event:dog start_time:1e400 end_time:1e401"), ("arig", "<obj>(1e400,0)(1,1)</obj>"),
                      ("avvp", "<visual>dog (0,1e999)</visual><audio></audio>"), ("s4", "[0,0,9,9] [1e400,1]"),
                      ("ref_avs", "<answer>true</answer> Its bounding box is [0,-1e400,9,9].")]:
        answer = TASKS[key].parse(text)
        assert isinstance(answer, Unparsed) and "out of range" in answer.reason, (key, answer)


@pytest.mark.parametrize("text", [
    "event:" + "a" * 20000 + " start_time:" + "(" * 5000 + "[1," * 5000,
    "<visual>" + "a (" * 7000 + "</visual><audio></audio>",
    "is " * 7000 + "a." + "b" * 20000 + "[1,2,3,4]",
    "event: " * 5000,
])
def test_long_adversarial_text_is_parsed_in_linear_time(text):
    import time

    start = time.perf_counter()
    for answer_format in ANSWER_FORMATS.values():
        answer_format.parse(text)
    assert time.perf_counter() - start < 3  # about 0.3 s; quadratic patterns took 5-15 s on these
