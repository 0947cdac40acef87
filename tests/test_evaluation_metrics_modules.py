"""The name-keyed dispatcher and the local `evaluate` modules (offline), which must agree with the functions."""

import os
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pytest

import crab_plus
from crab_plus.errors import TaskError
from crab_plus.evaluation import METRIC_NAMES, compute_task_metric, metric_path
from crab_plus.evaluation.metrics import METRICS, ave_segment_accuracy, avvp_f1, caption_metrics

EXPECTED_NAMES = {
    "accuracy",
    "music_avqa_accuracy",
    "ave_accuracy",
    "avvp_f1",
    "arig_ciou_auc",
    "segmentation_miou_fscore",
    "refavs_null_s",
    "caption_metrics",
}


def test_dispatcher_names_and_results():
    assert set(METRIC_NAMES) == EXPECTED_NAMES
    refs = [[("dog", 2, 7)], [("cat", 0, 10)]]
    preds = [[("dog", 3, 8)], None]
    assert compute_task_metric("ave_accuracy", preds, refs) == ave_segment_accuracy(preds, refs)
    result = compute_task_metric("music_avqa_accuracy", ["a", "b"], ["a", "c"], question_types=["Audio", "Visual"])
    assert result["accuracy_audio"] == 1.0 and result["accuracy_visual"] == 0.0


def test_dispatcher_unknown_name():
    with pytest.raises(TaskError, match="unknown metric 'bleu'.*caption_metrics"):
        compute_task_metric("bleu", ["a"], ["a"])
    with pytest.raises(TaskError):
        metric_path("nope")


def test_every_metric_has_a_module_shipped_as_package_data():
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["crab_plus"]
    package_root = Path(crab_plus.__file__).parent
    for name in METRICS:
        module_file = Path(metric_path(name)) / f"{name}.py"
        assert module_file.is_file()
        relative = module_file.relative_to(package_root).as_posix()
        assert any(fnmatch(relative, p) for p in patterns), relative


@pytest.fixture(scope="module")
def evaluate_offline():
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    import evaluate

    return evaluate


def _load(evaluate, name):
    return evaluate.load(metric_path(name), keep_in_memory=True)


def test_modules_load_offline_and_match_functions(evaluate_offline):
    refs = [[("dog", 2, 7)], [("cat", 0, 10)], [{"event": "cat", "start": 0, "end": 3}]]
    preds = [[("Dog", 3, 8)], [], None]
    module = _load(evaluate_offline, "ave_accuracy")
    assert module.compute(predictions=preds, references=refs) == ave_segment_accuracy(preds, refs)

    avvp_refs = [{"audio": [("dog", 0, 4)], "visual": [("dog", 2, 9)]}, {"audio": [], "visual": [("car", 0, 10)]}]
    avvp_preds = [{"audio": [("dog", 0, 2), ("dog", 3, 4)], "visual": [("dog", 2, 10)]}, None]
    module = _load(evaluate_offline, "avvp_f1")
    assert module.compute(predictions=avvp_preds, references=avvp_refs) == pytest.approx(avvp_f1(avvp_preds, avvp_refs))

    cap_preds, cap_refs = ["a dog runs on grass", None], [["a dog runs on the grass", "a dog"], "a cat sleeps"]
    module = _load(evaluate_offline, "caption_metrics")
    expected = caption_metrics(cap_preds, cap_refs)
    assert module.compute(predictions=cap_preds, references=cap_refs) == pytest.approx(expected)


def test_module_batches_and_masks(evaluate_offline):
    rng = np.random.default_rng(0)
    gts = [rng.random((8, 8)) > 0.5 for _ in range(3)]
    preds = [rng.random((8, 8)) > 0.5, gts[1], None]
    module = _load(evaluate_offline, "segmentation_miou_fscore")
    module.add_batch(predictions=preds[:2], references=gts[:2])
    module.add(prediction=preds[2], reference=gts[2])
    assert module.compute() == pytest.approx(compute_task_metric("segmentation_miou_fscore", preds, gts))

    null = _load(evaluate_offline, "refavs_null_s")
    masks = [np.zeros((4, 4), np.uint8), np.eye(4, dtype=np.uint8)]
    assert null.compute(predictions=masks) == pytest.approx(compute_task_metric("refavs_null_s", masks, None))


SMALL_CASES = {
    "accuracy": (["Dog", None, "cat"], ["dog", "dog", "cow"], {}),
    "music_avqa_accuracy": (["two", "yes"], ["two", "no"], {"question_types": ["Audio", "Audio-Visual"]}),
    "arig_ciou_auc": ([[0, 0, 10, 10], None], [[0, 0, 10, 20], [1, 1, 5, 5]], {}),
    "refavs_null_s": ([np.eye(3, dtype=np.uint8), None], None, {}),
}


@pytest.mark.parametrize("name", sorted(SMALL_CASES))
def test_other_modules_match_dispatcher(evaluate_offline, name):
    predictions, references, kwargs = SMALL_CASES[name]
    module = _load(evaluate_offline, name)
    inputs = {"predictions": predictions, **kwargs}
    if references is not None:
        inputs["references"] = references
    assert module.compute(**inputs) == pytest.approx(compute_task_metric(name, predictions, references, **kwargs))
