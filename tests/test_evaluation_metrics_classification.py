"""Accuracy and the MUSIC-AVQA per-type breakdown, against hand-computed values."""

import pytest

from crab_plus.errors import CrabPlusError
from crab_plus.evaluation.metrics import (
    MetricInputError,
    accuracy,
    music_avqa_accuracy,
    music_avqa_group,
    normalize_label,
)


def test_normalize_label():
    assert normalize_label("  Frying_(food). ") == "frying (food)"
    assert normalize_label("Playing   GUITAR!") == "playing guitar"


def test_accuracy_hand_computed():
    # "Dog"~"dog" right, None (unparsed) wrong, "cat."~"Cat" right, "Cow"!="horse" wrong -> 2 / 4
    result = accuracy(["Dog", None, "cat.", "Cow"], ["dog", "dog", "Cat", "horse"])
    assert result == {"accuracy": 0.5, "num_samples": 4}


def test_accuracy_all_unparsed_is_zero_and_perfect_is_one():
    refs = ["a", "b", "c"]
    assert accuracy([None, None, None], refs)["accuracy"] == 0.0
    assert accuracy(refs, refs)["accuracy"] == 1.0


def test_music_avqa_breakdown_hand_computed():
    types = ["Audio", "Visual", '["Audio-Visual", "Existential"]', "Audio"]
    preds = ["two", "yes", "left", "one"]
    refs = ["two", "no", "Left", "three"]
    # right, wrong, right, wrong -> overall 2/4; audio {0, 3}: 1/2; visual {1}: 0/1; audio-visual {2}: 1/1
    result = music_avqa_accuracy(preds, refs, question_types=types)
    assert result["accuracy"] == 0.5
    assert result["accuracy_audio"] == 0.5 and result["num_audio"] == 2
    assert result["accuracy_visual"] == 0.0 and result["num_visual"] == 1
    assert result["accuracy_audio_visual"] == 1.0 and result["num_audio_visual"] == 1


def test_music_avqa_groups_and_missing_group():
    assert music_avqa_group(["Audio-Visual", "Counting"]) == "audio_visual"
    assert music_avqa_group("Visual/Location") == "visual"
    result = music_avqa_accuracy(["a"], ["a"], question_types=["Audio"])
    assert "accuracy_visual" not in result  # no visual question: no made-up number


@pytest.mark.parametrize(
    "call",
    [
        lambda: accuracy(["a"], ["a", "b"]),
        lambda: accuracy([], []),
        lambda: music_avqa_accuracy(["a"], ["a"], question_types=["Speech"]),
        lambda: music_avqa_accuracy(["a"], ["a"], question_types=[]),
    ],
)
def test_bad_input_raises_clear_error(call):
    with pytest.raises(MetricInputError) as info:
        call()
    assert isinstance(info.value, CrabPlusError) and isinstance(info.value, ValueError)
    assert len(str(info.value)) > 20
