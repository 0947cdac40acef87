"""AVE segment accuracy and LLP/AVVP segment- and event-level F1, against hand-computed values."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crab_plus.evaluation.metrics import (
    AVVP_KEYS,
    MetricInputError,
    ave_segment_accuracy,
    avvp_f1,
    avvp_sample_scores,
    segment_labels,
)


def test_segment_labels_midpoint_rule():
    # integer bounds: [2, 5) covers seconds 2, 3, 4; float bounds 2.6..7.4 cover midpoints 3.5 .. 6.5
    assert [bool(s) for s in segment_labels([("dog", 2, 5)])] == [i in (2, 3, 4) for i in range(10)]
    assert [bool(s) for s in segment_labels([("dog", 2.6, 7.4)])] == [i in (3, 4, 5, 6) for i in range(10)]
    assert segment_labels([{"event": "Dog", "start_time": 0, "end_time": 10}])[9] == {"dog"}

    @dataclasses.dataclass
    class TimedEvent:
        label: str
        start: float
        end: float

    assert segment_labels([TimedEvent("Cat", 9, 10)])[9] == {"cat"}


def test_ave_accuracy_hand_computed():
    refs = [[("dog", 2, 7)], [("cat", 0, 10)], [("cat", 0, 3)]]
    preds = [[("Dog", 3, 8)], [], None]
    # clip 1: truth dog on 2..6, guess dog on 3..7 -> wrong at seconds 2 and 7 -> 8 / 10 right
    # clip 2: "no event" against cat everywhere -> 0 / 10; clip 3: unparsed -> 0 / 10
    result = ave_segment_accuracy(preds, refs)
    assert result["accuracy"] == pytest.approx(8 / 30)
    assert result["num_samples"] == 3


def test_ave_all_background():
    assert ave_segment_accuracy([[]], [[]])["accuracy"] == 1.0
    # predicting an event on an all-background clip is wrong on exactly the covered seconds: 10 - 4 = 6 right
    assert ave_segment_accuracy([[("dog", 0, 4)]], [[]])["accuracy"] == pytest.approx(0.6)


def test_ave_two_labels_on_one_second_is_wrong_there():
    # dog 0..5 and cat 4..10 overlap on second 4 -> that second is {dog, cat} != {dog}; seconds 5..9 are cat
    result = ave_segment_accuracy([[("dog", 0, 5), ("cat", 4, 10)]], [[("dog", 0, 5)]])
    assert result["accuracy"] == pytest.approx(4 / 10)


def test_avvp_hand_computed_two_videos():
    ref = {"audio": [("dog", 0, 5)], "visual": [("cat", 1, 2)]}
    pred = {"audio": [("dog", 0, 5)], "visual": []}
    # video 1: audio dog perfect -> 1; visual: cat missed (TP 0, FN 1) -> 0;
    # audio-visual: no class is both heard and seen, in prediction or truth -> all true negatives -> 1;
    # Event@AV pools a+v per class: dog (TP 5) -> 1, cat (FN 1) -> 0 -> 1/2; Type@AV = (1 + 0 + 1) / 3
    # the same holds at event level (one run each); video 2 is unparsed -> 0 everywhere; then mean over videos
    result = avvp_f1([pred, None], [ref, ref])
    for level in ("segment", "event"):
        assert result[f"{level}_audio"] == pytest.approx(0.5)
        assert result[f"{level}_visual"] == pytest.approx(0.0)
        assert result[f"{level}_audio_visual"] == pytest.approx(0.5)
        assert result[f"{level}_type_av"] == pytest.approx((2 / 3) / 2)
        assert result[f"{level}_event_av"] == pytest.approx(0.25)


def test_avvp_event_level_differs_from_segment_level():
    ref = {"audio": [("dog", 0, 4)], "visual": []}
    pred = {"audio": [("dog", 0, 2), ("dog", 3, 4)], "visual": []}
    scores = avvp_sample_scores(pred, ref)
    # segments: truth 0..3, guess {0, 1, 3} -> TP 3, FN 1, FP 0 -> 2*3 / (2*3 + 1) = 6/7
    assert scores["segment_audio"] == pytest.approx(6 / 7)
    # events: guess [0,2) has tIoU 2/4 = 0.5 with [0,4) -> TP; guess [3,4) has 1/4 -> FP; truth matched -> FN 0
    # F = 2*1 / (2*1 + 0 + 1) = 2/3
    assert scores["event_audio"] == pytest.approx(2 / 3)
    assert scores["segment_visual"] == scores["segment_audio_visual"] == 1.0  # nothing seen: true negatives
    assert scores["segment_type_av"] == pytest.approx((6 / 7 + 1 + 1) / 3)
    assert scores["event_event_av"] == pytest.approx(2 / 3)


def test_avvp_audio_visual_is_intersection():
    # heard 0..6 and seen 3..10 -> audio-visual dog on 3..5; prediction heard+seen on 0..10 -> av on 0..9
    ref = {"audio": [("dog", 0, 6)], "visual": [("dog", 3, 10)]}
    pred = {"audio": [("dog", 0, 10)], "visual": [("dog", 0, 10)]}
    # av: TP 3 (3,4,5), FP 7, FN 0 -> 6 / (6 + 7) = 6/13
    assert avvp_sample_scores(pred, ref)["segment_audio_visual"] == pytest.approx(6 / 13)


def test_avvp_unknown_predicted_label_is_false_positive():
    ref = {"audio": [("dog", 0, 10)], "visual": []}
    pred = {"audio": [("dog", 0, 10), ("spaceship", 0, 1)], "visual": []}
    # dog -> 1, spaceship (FP 1) -> 0 -> mean over the two active classes = 1/2
    assert avvp_sample_scores(pred, ref)["segment_audio"] == pytest.approx(0.5)


events = st.lists(
    st.tuples(st.sampled_from(["dog", "cat", "car"]), st.integers(0, 9), st.integers(1, 10)).map(
        lambda e: (e[0], min(e[1], e[2]), max(e[1], e[2]))
    ),
    max_size=4,
)
samples = st.fixed_dictionaries({"audio": events, "visual": events})


@settings(max_examples=40, deadline=None)
@given(pred=samples, ref=samples)
def test_avvp_invariants(pred, ref):
    scores = avvp_sample_scores(pred, ref)
    assert all(0.0 <= scores[k] <= 1.0 for k in AVVP_KEYS)
    # segment-level F1 is symmetric in prediction and truth (FN and FP swap)
    swapped = avvp_sample_scores(ref, pred)
    for key in AVVP_KEYS[:5]:
        assert swapped[key] == pytest.approx(scores[key])
    # a perfect prediction scores 1 everywhere
    assert all(v == 1.0 for k, v in avvp_sample_scores(ref, ref).items())


@pytest.mark.parametrize(
    "call",
    [
        lambda: ave_segment_accuracy([[("dog", "soon", 3)]], [[]]),
        lambda: ave_segment_accuracy([[("dog", 1)]], [[]]),
        lambda: ave_segment_accuracy([[]], [[], []]),
        lambda: avvp_f1([["dog"]], [{"audio": [], "visual": []}]),
        lambda: avvp_f1([], []),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(MetricInputError):
        call()
