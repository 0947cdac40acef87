"""`crab-plus evaluate baseline`: each task's trivial answer from its train split, scored like a model."""

from collections import Counter
from statistics import mean

import pytest

from crab_plus.data import load_avuie
from crab_plus.data.synth import make_synth
from crab_plus.errors import ConfigError
from crab_plus.evaluation.runner import EvaluationConfig, evaluate


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    make_synth(out, n=10, seed=3, tasks=("ks", "arig", "avvp"), test_fraction=0.4, progress=False, size=56)
    return out / "AVUIE_2"


def test_baseline_scores_the_majority_label_the_mean_box_and_the_typical_avvp_events(data, tmp_path):
    result = evaluate(EvaluationConfig(model="baseline", data=str(data), out=str(tmp_path)))
    train, test = load_avuie(data, "train").by_task(), load_avuie(data, "test").by_task()
    majority = Counter(s.ground_truth.label for s in train["ks"]).most_common(1)[0][0]
    expected = mean(s.ground_truth.label == majority for s in test["ks"])
    assert result["metrics"]["both"]["ks"]["accuracy"] == pytest.approx(expected)
    assert 0.0 < result["metrics"]["both"]["avvp"]["segment_visual"] < 1.0  # the same guess for every clip
    mean_box = [round(mean(s.ground_truth.box[i] for s in train["arig"])) for i in range(4)]
    assert result["metrics"]["both"]["arig"]["num_samples"] == len(test["arig"])
    assert "predictions" not in result["paths"] and (tmp_path / "metrics.md").is_file()
    from crab_plus.evaluation.baselines import baseline_texts

    text = baseline_texts("arig", train["arig"], test["arig"][:1])[0]
    assert f"({mean_box[0]},{mean_box[1]})({mean_box[2]},{mean_box[3]})" in text
    avvp_texts = baseline_texts("avvp", train["avvp"], test["avvp"])
    for stream in ("audio", "visual"):  # AVVP: per stream, the most frequent train event with the mean span
        events = [e for s in train["avvp"] for e in getattr(s.ground_truth, stream)]
        name = Counter(e.event for e in events).most_common(1)[0][0]
        start, end = round(mean(e.start for e in events)), round(mean(e.end for e in events))
        assert all(f"<{stream}>{name} ({start},{end})</{stream}>" in t for t in avvp_texts)


def test_baseline_takes_no_ablation(data, tmp_path):
    with pytest.raises(ConfigError, match="neither modality"):
        evaluate(EvaluationConfig(model="baseline", data=str(data), out=str(tmp_path), ablate=["audio"]))
