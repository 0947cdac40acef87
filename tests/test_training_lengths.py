"""Length-grouped batches (`train_sampling_strategy: group_by_length`) on real AV-Synth clips and the tiny model:
the estimated lengths are the collator's, and grouped batches carry less padding than random ones."""

import pytest

from crab_plus.data import CrabPlusCollator, load_avuie
from crab_plus.errors import ConfigError
from crab_plus.testing import tiny_crab_plus, tiny_synth
from crab_plus.training.lengths import estimate_lengths
from crab_plus.training.run import run_training

TASKS = ["ks", "s4", "ref_avs", "avqa_thu"]  # three prompt and media lengths


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return tiny_synth(tmp_path_factory.mktemp("synth"), TASKS, n=5, seed=2, test_fraction=0.2)


def test_estimated_lengths_are_the_collated_lengths(synth):
    _, processor = tiny_crab_plus(seed=0)
    collator = CrabPlusCollator(processor, TASKS)
    samples = list(load_avuie(synth, "train", tasks=TASKS))
    assert sorted({s.task for s in samples}) == sorted(TASKS)
    lengths = [int(collator([s])["input_ids"].shape[1]) for s in samples]
    assert estimate_lengths(samples, collator) == lengths
    assert len(set(lengths)) > 4  # targets and questions differ in length within a task too


def _padding(trainer) -> tuple[int, int]:
    """(padding tokens, batches) over one pass of the trainer's training dataloader."""
    pads = batches = 0
    for batch in trainer.get_train_dataloader():
        pads += int((batch["attention_mask"] == 0).sum())
        batches += 1
    return pads, batches


def config(synth, output_dir, **extra):
    return {"model_name_or_path": "tiny", "annotations": str(synth), "tasks": TASKS, "output_dir": str(output_dir),
            "adapter": "none", "train_parts": ["text"], "per_device_train_batch_size": 2, "max_steps": 2,
            "learning_rate": 1e-3, "use_cpu": True, "report_to": "none", "remove_unused_columns": False,
            "save_strategy": "no", "disable_tqdm": True, "seed": 3, **extra}


def test_group_by_length_trains_with_less_padding_than_random_batches(synth, tmp_path):
    grouped = run_training(config(synth, tmp_path / "grouped", train_sampling_strategy="group_by_length"))
    assert grouped.state.global_step == 2
    collator = grouped.data_collator
    assert grouped.sample_lengths == [int(collator([s])["input_ids"].shape[1]) for s in grouped.train_dataset]
    random_batches = run_training(config(synth, tmp_path / "random"))
    assert random_batches.sample_lengths is None
    grouped_pads, n = _padding(grouped)
    random_pads, m = _padding(random_batches)
    assert n == m == 8  # 16 train samples, batches of 2
    assert grouped_pads < random_pads / 2, (grouped_pads, random_pads)


def test_group_by_length_with_text_only_lessons_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="group_by_length needs annotation data"):
        run_training({"model_name_or_path": "tiny", "lessons": 8, "output_dir": str(tmp_path / "l"),
                      "adapter": "none", "train_parts": ["text"], "max_steps": 1, "use_cpu": True,
                      "report_to": "none", "train_sampling_strategy": "group_by_length"})
