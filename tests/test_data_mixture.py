from collections import Counter

import pytest

from crab_plus.data.mixture import allocate, mix_tasks, mixing_weights
from crab_plus.errors import ConfigError

SIZES = {"ave": 400, "avqa": 100, "s4": 25}


def _samples(sizes=SIZES):
    return {task: [f"{task}-{i}" for i in range(n)] for task, n in sizes.items()}


def _counts(mixture):
    return Counter(s.split("-")[0] for s in mixture)


def test_proportional_without_total_keeps_every_sample_once_shuffled():
    mixture = mix_tasks(_samples(), strategy="proportional", seed=3)
    assert sorted(mixture) == sorted(s for group in _samples().values() for s in group)
    assert list(mixture) != [s for group in _samples().values() for s in group]  # interleaved, not concatenated
    assert mixture.report.share("ave") == pytest.approx(400 / 525)


def test_temperature_follows_n_to_the_one_over_t():
    mixture = mix_tasks(_samples(), strategy="temperature", temperature=2.0, seed=0, total=1000)
    counts = _counts(mixture)
    # n^(1/2): 20, 10, 5 -> shares 4/7, 2/7, 1/7
    assert counts == {"ave": 571, "avqa": 286, "s4": 143}
    assert sum(counts.values()) == 1000
    # the small task is up-sampled in whole passes: each s4 sample appears 5 or 6 times
    s4 = Counter(s for s in mixture if s.startswith("s4"))
    assert set(s4.values()) <= {5, 6} and len(s4) == 25


def test_infinite_like_temperature_is_nearly_uniform_and_t1_is_proportional():
    uniform = mixing_weights(SIZES, "temperature", temperature=1e9)
    assert all(w == pytest.approx(1 / 3, abs=1e-6) for w in uniform.values())
    assert mixing_weights(SIZES, "temperature", 1.0) == pytest.approx(mixing_weights(SIZES, "proportional"))


def test_caps_limit_a_task_before_weighting():
    mixture = mix_tasks(_samples(), caps={"ave": 50}, seed=1)
    counts = _counts(mixture)
    assert counts == {"ave": 50, "avqa": 100, "s4": 25}
    assert len(set(s for s in mixture if s.startswith("ave"))) == 50  # a subset, no repeats
    assert _counts(mix_tasks(_samples(), caps=30, seed=1)) == {"ave": 30, "avqa": 30, "s4": 25}


def test_deterministic_by_seed_and_independent_per_task():
    a = mix_tasks(_samples(), strategy="temperature", caps=60, seed=7, total=200)
    b = mix_tasks(_samples(), strategy="temperature", caps=60, seed=7, total=200)
    c = mix_tasks(_samples(), strategy="temperature", caps=60, seed=8, total=200)
    assert list(a) == list(b) and list(a) != list(c)
    # the subset a capped task keeps does not depend on the other tasks in the mixture
    alone = mix_tasks({"ave": _samples()["ave"]}, caps=60, seed=7)
    together = mix_tasks(_samples(), caps=60, seed=7)
    assert {s for s in alone if s.startswith("ave")} == {s for s in together if s.startswith("ave")}


def test_allocate_sums_exactly_and_report_table():
    counts = allocate(10, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert sum(counts.values()) == 10 and sorted(counts.values()) == [3, 3, 4]
    report = mix_tasks(_samples(), strategy="temperature", temperature=2.0, total=700).report
    table = report.table()
    assert table.splitlines()[0] == "mixture: temperature (T=2), seed 0"
    assert "ave" in table and "57.1%" in table and table.splitlines()[-1].startswith("total")
    assert report.as_dict()["s4"]["drawn"] == 100 and report.as_dict()["s4"]["passes"] == pytest.approx(4.0)


def test_task_weights_multiply_a_task_share():
    # proportional sizes 400, 100, 25 with avqa x4 -> raw 400, 400, 25 -> shares 16/33, 16/33, 1/33
    mixture = mix_tasks(_samples(), strategy="proportional", seed=1, total=660, task_weights={"avqa": 4.0})
    assert _counts(mixture) == {"ave": 320, "avqa": 320, "s4": 20}
    assert mixture.report.table().splitlines()[0] == "mixture: proportional, task weights avqa 4, seed 1"
    # a weight of 0 leaves the task out; unnamed tasks keep weight 1 (the same as no weights at all)
    assert mixing_weights(SIZES, task_weights={"s4": 0})["s4"] == 0.0
    assert mixing_weights(SIZES, task_weights={"ave": 1.0}) == pytest.approx(mixing_weights(SIZES))


@pytest.mark.parametrize("kwargs, message", [
    ({"task_weights": {"nope": 2.0}}, "task_weights name task"),
    ({"task_weights": {"ave": -1.0}}, "must be a finite number >= 0"),
    ({"task_weights": {"ave": float("inf")}}, "must be a finite number >= 0"),
    ({"strategy": "uniformish"}, "unknown mixture strategy"),
    ({"strategy": "temperature", "temperature": 0}, "temperature must be > 0"),
    ({"caps": {"nope": 3}}, "not in the mixture"),
    ({"caps": -1}, "non-negative"),
    ({"total": -5}, "total must be"),
])
def test_bad_arguments_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        mix_tasks(_samples(), **kwargs)


def test_all_empty_is_an_error():
    with pytest.raises(ConfigError, match="nothing to mix"):
        mix_tasks({"ave": [], "s4": []})
