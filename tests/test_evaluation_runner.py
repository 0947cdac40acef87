"""`crab-plus evaluate` end to end on the tiny model and release-layout fixture data."""

import json

import pytest

from crab_plus.cli import main
from crab_plus.data.fixtures import write_avuie_fixture
from crab_plus.errors import AnnotationError, CheckpointError, ConfigError, TaskError
from crab_plus.evaluation.runner import EvaluationConfig, evaluate

TASKS = ["ave", "ks"]


@pytest.fixture(scope="module")
def avuie(tmp_path_factory):
    root = tmp_path_factory.mktemp("avuie")
    write_avuie_fixture(root, tasks=[*TASKS, "avqa"], n=3)
    return root


def config(avuie, out, **extra):
    return EvaluationConfig(**{"model": "tiny", "data": str(avuie), "out": str(out), "tasks": TASKS,
                               "batch_size": 2, "max_new_tokens": 3, **extra})


def test_evaluate_writes_predictions_metrics_and_resumes(avuie, tmp_path):
    result = evaluate(config(avuie, tmp_path))
    metrics = json.loads((tmp_path / "metrics.json").read_text())["metrics"]["both"]
    assert set(metrics) == set(TASKS)
    assert metrics["ks"]["metric"] == "accuracy" and 0.0 <= metrics["ks"]["accuracy"] <= 1.0
    assert metrics["ave"]["metric"] == "ave_accuracy" and metrics["ave"]["num_samples"] == 3
    lines = (tmp_path / "predictions.jsonl").read_text().splitlines()
    assert len(lines) == 1 + 6 and json.loads(lines[0])["model_fingerprint"]
    assert "| ave | ave_accuracy |" in (tmp_path / "metrics.md").read_text()
    again = evaluate(config(avuie, tmp_path))  # everything is in the predictions file: nothing regenerated
    assert (tmp_path / "predictions.jsonl").read_text().splitlines() == lines
    assert again["metrics"] == result["metrics"]


def test_music_avqa_is_broken_down_by_question_type(avuie, tmp_path):
    metrics = evaluate(config(avuie, tmp_path, tasks=["avqa"]))["metrics"]["both"]["avqa"]
    assert metrics["metric"] == "music_avqa_accuracy"
    assert any(k.startswith("accuracy_") for k in metrics)


def test_ablation_reports_both_audio_only_and_video_only(avuie, tmp_path):
    result = evaluate(config(avuie, tmp_path, tasks=["ks"], ablate=["audio", "video"]))
    assert set(result["metrics"]) == {"both", "no_audio", "no_video"}
    row = result["modality"]["ks"]
    assert {"both", "no_audio", "no_video", "conflict_samples"} <= set(row)
    text = (tmp_path / "metrics.md").read_text()
    assert "audio only" in text and "video only" in text
    records = [json.loads(l) for l in (tmp_path / "predictions.jsonl").read_text().splitlines()[1:]]
    assert sorted({r["mode"] for r in records}) == ["both", "no_audio", "no_video"] and len(records) == 9


def test_ablation_with_another_clips_audio_and_video(avuie, tmp_path):
    result = evaluate(config(avuie, tmp_path, tasks=["ks"], ablate=["other-audio", "other-video"]))
    assert set(result["metrics"]) == {"both", "other_audio", "other_video"}
    assert {"other_audio", "other_video", "conflict_samples"} <= set(result["modality"]["ks"])
    text = (tmp_path / "metrics.md").read_text()
    assert "another clip's audio" in text and "another clip's video" in text
    records = [json.loads(l) for l in (tmp_path / "predictions.jsonl").read_text().splitlines()[1:]]
    assert sorted({r["mode"] for r in records}) == ["both", "other_audio", "other_video"] and len(records) == 9


def test_bad_evaluation_input(avuie, tmp_path, capsys):
    with pytest.raises(TaskError, match="no test data for task"):
        evaluate(config(avuie, tmp_path / "a", tasks=["ks", "meld"]))
    with pytest.raises(TaskError):
        evaluate(config(avuie, tmp_path / "b", tasks=["not_a_task"]))
    with pytest.raises(ConfigError, match="--ablate"):
        config(avuie, tmp_path / "c", ablate=["smell"])
    (avuie / "empty").mkdir(exist_ok=True)
    with pytest.raises(AnnotationError, match="no test.json under any task folder"):  # an empty split
        evaluate(config(avuie / "empty", tmp_path / "d", tasks=None))
    evaluate(config(avuie, tmp_path / "e", tasks=["ks"]))
    from crab_plus.testing import save_tiny_crab_plus

    save_tiny_crab_plus(str(tmp_path / "other"), seed=1)  # another model on the same predictions file
    with pytest.raises(CheckpointError, match="another model"):
        evaluate(config(avuie, tmp_path / "e", tasks=["ks"], model=str(tmp_path / "other")))
    assert main(["evaluate", "tiny", "--data", str(avuie), "--out", str(tmp_path / "f"), "--tasks", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
