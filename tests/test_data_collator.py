from dataclasses import replace

import pytest
import torch

from crab_plus.data import CrabPlusCollator, load_avuie, to_hf_dataset
from crab_plus.data.fixtures import write_avuie_fixture
from crab_plus.errors import AnnotationError, ConfigError, TaskError
from crab_plus.tasks import TASKS
from crab_plus.testing import tiny_crab_plus

TASK_MIX = ["a2v", "v2a", "ave", "avqa", "avqa_thu", "meld", "s4", "arig", "ref_avs"]


@pytest.fixture(scope="module")
def tiny():
    return tiny_crab_plus(seed=0)


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    root = tmp_path_factory.mktemp("avuie")
    write_avuie_fixture(root, tasks=TASK_MIX, n=1)
    return load_avuie(root, "train").samples  # one per task, sorted by task folder


def test_training_batch_of_mixed_tasks(tiny, samples):
    model, processor = tiny
    collator = CrabPlusCollator(processor)
    batch = collator(samples)
    assert collator.task_keys == list(TASKS)
    assert batch["task_ids"].dtype == torch.long
    assert [collator.task_keys[i] for i in batch["task_ids"].tolist()] == [s.task for s in samples]
    # right padding: each row's real tokens come first
    mask = batch["attention_mask"]
    assert (mask[:, 0] == 1).all() and (mask.cummin(dim=1).values == mask).all() and (mask == 0).any()
    # labels cover exactly the assistant turn: decoding them gives the target text
    for row, row_mask, sample in zip(batch["labels"], mask, samples):
        text = processor.tokenizer.decode(row[row != -100], skip_special_tokens=True)
        assert text.strip() == sample.target.strip()
        assert (row[row_mask == 0] == -100).all()
    # one image per single-frame task, two clips for a2v concatenated as one video input
    assert len(batch["image_grid_thw"]) == 3 and len(batch["video_grid_thw"]) == len(samples) - 3
    loss = model(**{k: v for k, v in batch.items() if k != "task_ids"}).loss
    assert torch.isfinite(loss) and loss > 0


def test_rows_of_the_exported_dataset_collate_like_samples(tiny, samples):
    _, processor = tiny
    collator = CrabPlusCollator(processor, tasks=TASK_MIX)
    rows = list(to_hf_dataset(samples))
    from_rows, from_samples = collator(rows[:3]), collator(samples[:3])
    assert from_rows.keys() == from_samples.keys()
    for key in from_rows:
        assert torch.equal(from_rows[key], from_samples[key]), key
    assert from_rows["task_ids"].tolist() == [TASK_MIX.index(s.task) for s in samples[:3]]


def test_generation_batch_is_left_padded_without_labels(tiny, samples):
    model, processor = tiny
    collator = CrabPlusCollator(processor, tasks=TASK_MIX, padding_side="left")
    prompts = [replace(s, target=None) for s in samples[:4]]
    batch = collator(prompts)
    assert "labels" not in batch and (batch["attention_mask"][:, -1] == 1).all()
    inputs = {k: v for k, v in batch.items() if k != "task_ids"}
    output = model.generate(**inputs, max_new_tokens=3, do_sample=False)
    assert output.shape[0] == 4 and output.shape[1] == batch["input_ids"].shape[1] + 3


def test_collator_errors(tiny, samples):
    _, processor = tiny
    with pytest.raises(TaskError, match="unknown task key"):
        CrabPlusCollator(processor, tasks=["ave", "nope"])
    with pytest.raises(ConfigError, match="padding_side"):
        CrabPlusCollator(processor, padding_side="middle")
    only_ave = CrabPlusCollator(processor, tasks=["ave"])
    with pytest.raises(TaskError, match="not in the collator's task list"):
        only_ave([s for s in samples if s.task != "ave"][:1])
    with pytest.raises(AnnotationError, match="mixes samples with and without a target"):
        CrabPlusCollator(processor)([samples[0], replace(samples[1], target=None)])
