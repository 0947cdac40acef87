"""Scoring generated text with the task registry: parse -> metric inputs -> metric, incl. the SAM mask stage,
Ref-AVS splits, MUSIC-AVQA question types and the modality table (no generation needed)."""

import numpy as np
import pytest
import torch

from crab_plus.data import load_avuie
from crab_plus.data.fixtures import write_avuie_fixture
from crab_plus.data.synth import make_synth
from crab_plus.evaluation.scoring import modality_table, score_task, segmentation_masks
from crab_plus.evaluation.sam_masks import SamMaskPredictor
from crab_plus.tasks import get_task
from crab_plus.testing import tiny_sam


@pytest.fixture(scope="module")
def fixture_samples(tmp_path_factory):
    root = tmp_path_factory.mktemp("avuie")
    write_avuie_fixture(root, tasks=["ks", "ave", "avqa"], n=4, splits=("test",))
    return load_avuie(root, "test").by_task()


@pytest.fixture(scope="module")
def synth_root(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    make_synth(out, n=6, tasks=["s4", "ref_avs"], test_fraction=0.5, progress=False)
    return out / "AVUIE_2"


def perfect(task_key, samples):
    task = get_task(task_key)
    return [task.format_answer(s.ground_truth) for s in samples]


@pytest.mark.parametrize("task_key", ["ks", "ave"])
def test_ground_truth_text_scores_perfectly_and_garbage_scores_zero(fixture_samples, task_key):
    samples = fixture_samples[task_key]
    result = score_task(task_key, samples, perfect(task_key, samples))
    assert result["accuracy"] == 1.0 and result["unparsed"] == 0 and result["num_samples"] == 4
    garbage = score_task(task_key, samples, ["no idea"] * 4)
    assert garbage["accuracy"] == 0.0 and garbage["unparsed"] == 4


def test_music_avqa_breakdown_by_question_type(fixture_samples):
    samples = fixture_samples["avqa"]
    texts = perfect("avqa", samples)
    texts[0] = "<answer>definitely wrong</answer>"
    result = score_task("avqa", samples, texts)
    assert result["metric"] == "music_avqa_accuracy" and result["accuracy"] == pytest.approx(0.75)
    assert any(k.startswith("accuracy_") for k in result)


def test_segmentation_goes_through_sam_and_ref_avs_is_scored_per_split(synth_root):
    by_task = load_avuie(synth_root, "test").by_task()
    sam = SamMaskPredictor(tiny_sam())
    for key in ("s4", "ref_avs"):
        samples = by_task[key]
        texts = perfect(key, samples)
        masks, references = segmentation_masks(sam, key, samples, texts, [synth_root / key])
        assert len(masks) == len(references) == len(samples)
        assert all(m.shape == r.shape and r.dtype == bool for m, r in zip(masks, references))
        result = score_task(key, samples, texts, masks, references)
        splits = {s.extra.get("split") for s in samples}
        if key == "s4":
            assert 0.0 <= result["miou"] <= 1.0 and 0.0 <= result["fscore"] <= 1.0
        if "test_n" in splits:  # the null split: a "false" answer gives an empty mask, S = 0
            null = [m for m, s in zip(masks, samples) if s.extra.get("split") == "test_n"]
            assert all(not m.any() for m in null) and result["null_s"] == 0.0
        # perfect masks score 1 on seen/unseen frames
        exact = score_task(key, samples, texts, references, references)
        if "miou" in exact:
            assert exact["miou"] == 1.0
    assert segmentation_masks(sam, "ks", [], [], []) == (None, None)


def test_modality_table_with_conflict_samples(fixture_samples):
    samples = fixture_samples["ks"]
    for i, sample in enumerate(samples):
        sample.extra["conflict"] = i < 2
    right, wrong = perfect("ks", samples), ["<answer>nothing</answer>"] * 4
    texts = {"both": {"ks": right}, "no_audio": {"ks": right[:2] + wrong[2:]}, "no_video": {"ks": wrong}}
    metrics = {mode: {"ks": score_task("ks", samples, t["ks"])} for mode, t in texts.items()}
    masks = {mode: {"ks": (None, None)} for mode in texts}
    row = modality_table({"ks": samples}, metrics, texts, masks)["ks"]
    assert (row["both"], row["no_audio"], row["no_video"]) == (1.0, 0.5, 0.0)
    assert row["conflict_samples"] == 2 and row["conflict/no_audio"] == 1.0 and row["conflict/no_video"] == 0.0
