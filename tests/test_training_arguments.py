"""`crab-plus train` arguments: presets, files, overrides and unknown keys."""

import json

import pytest
import torch

from crab_plus.errors import ConfigError
from crab_plus.training import parse_train_arguments


def test_release_preset_is_the_paper_recipe():
    # The preset targets GPUs; on this CPU machine bf16 needs use_cpu.
    model, data, adapter, training = parse_train_arguments("release", ["--use_cpu", "true"])
    assert (adapter.adapter, adapter.r, adapter.lora_alpha, adapter.lora_dropout, adapter.num_heads) == ("ilora", 128, 256, 0.1, 3)
    assert adapter.target_modules == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    assert training.learning_rate == 1e-4 and training.lr_scheduler_type == "cosine" and training.warmup_steps == 0.03
    assert training.weight_decay == 0.0 and training.max_grad_norm == 1.0 and training.num_train_epochs == 5
    assert training.per_device_train_batch_size == 4 and training.bf16 and training.gradient_checkpointing
    assert training.seed == 42 and model.dtype == "bfloat16"


def test_file_and_overrides(tmp_path):
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"model_name_or_path": "tiny", "annotations": "data", "output_dir": str(tmp_path),
                                  "tasks": ["ave", "ks"], "r": 4, "use_cpu": True}))
    model, data, adapter, training = parse_train_arguments(config, ["--r", "16", "--learning_rate", "0.01"])
    assert data.tasks == ["ave", "ks"] and adapter.r == 16 and training.learning_rate == 0.01
    assert model.model_name_or_path == "tiny"


def test_task_weights_are_task_colon_weight(tmp_path):
    base = {"model_name_or_path": "tiny", "annotations": "d", "output_dir": str(tmp_path)}
    _, data, _, _ = parse_train_arguments({**base, "task_weights": ["avqa:2", "ks:1.5"]})
    assert data.task_weight_map() == {"avqa": 2.0, "ks": 1.5}
    from crab_plus.training.run import overrides_from_cli
    _, data, _, _ = parse_train_arguments(base, overrides_from_cli(["task_weights=avqa:3,ref_avs:2"]))
    assert data.task_weight_map() == {"avqa": 3.0, "ref_avs": 2.0}
    _, data, _, _ = parse_train_arguments({**base, "task_weights": ["avqa:2"], "mixture_size": 500})
    assert data.mixture_size == 500
    for bad in (["avqa"], ["avqa:two"], [":2"]):
        with pytest.raises(ConfigError, match="is not task:weight"):
            parse_train_arguments({**base, "task_weights": bad})


def test_unknown_keys_are_named(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("model_name_or_path: tiny\nannotations: d\noutput_dir: o\nlerning_rate: 0.1\n")
    with pytest.raises(ConfigError, match="lerning_rate"):
        parse_train_arguments(config)
    with pytest.raises(ConfigError, match="--no-such-flag"):
        parse_train_arguments({"model_name_or_path": "tiny", "annotations": "d", "output_dir": "o"}, ["--no-such-flag", "1"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="bf16 is valid where a GPU is present")
def test_training_arguments_errors_are_config_errors():
    with pytest.raises(ConfigError, match="bf16"):
        parse_train_arguments("release")


def test_missing_file_and_bad_adapter(tmp_path):
    with pytest.raises(ConfigError, match="does not exist.*release"):
        parse_train_arguments(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="adapter='dora'"):
        parse_train_arguments({"model_name_or_path": "tiny", "annotations": "d", "output_dir": "o", "adapter": "dora"})


def test_shipped_accelerate_configs_load():
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.utils import DistributedType

    from crab_plus.training import ACCELERATE_DIR

    expected = {"cpu_ddp": DistributedType.MULTI_GPU,  # torchrun; gloo on a CPU-only machine
                "multi_gpu_ddp": DistributedType.MULTI_GPU,
                "deepspeed_zero2": DistributedType.DEEPSPEED, "fsdp": DistributedType.FSDP}
    for name, kind in expected.items():
        config = load_config_from_file(str(ACCELERATE_DIR / f"{name}.yaml"))
        assert config.distributed_type == kind, name
    assert load_config_from_file(str(ACCELERATE_DIR / "deepspeed_zero2.yaml")).deepspeed_config["zero_stage"] == 2


def test_shipped_model_stages_chain_into_each_other():
    # stage 0 (captions only) -> 0a (the lessons' reasoning alone) -> 0b (full text-only matching lessons; both the
    # language model only; a quarter of 0b's lessons avqa, a quarter Ref-AVS) -> stage 1 (every task, all weights, lessons mixed in) -> stage
    # 1k (ks alone) -> stage 1c (ks, avqa and the matching tasks drawn more often, avqa lessons mixed in) -> stage 2
    # (I-LoRA on the frozen backbone); every stage in bfloat16 autocast
    _, align_data, align_adapter, align = parse_train_arguments("synth_align")
    assert align_data.tasks == ["avcap"] and align_adapter.adapter == "none"
    short_model, short_data, short_adapter, short = parse_train_arguments("synth_lessons_short")
    assert short_model.model_name_or_path == align.output_dir and short_data.lesson_prompt == "none"
    assert short_data.lessons == short.max_steps * short.per_device_train_batch_size  # each lesson once
    assert short_adapter.train_parts == ["text", "lm_head"]
    lessons_model, lessons_data, lessons_adapter, lessons = parse_train_arguments("synth_lessons")
    assert lessons_model.model_name_or_path == short.output_dir and lessons_data.annotations is None
    assert lessons_data.lesson_prompt == "full" and lessons_data.tasks == ["a2v", "v2a", "avqa", "ref_avs"]
    assert lessons_data.lessons == lessons.max_steps * lessons.per_device_train_batch_size  # each lesson once
    assert lessons_adapter.adapter == "none" and lessons_adapter.train_parts == ["text", "lm_head"]
    backbone_model, backbone_data, _, backbone = parse_train_arguments("synth_backbone")
    assert backbone_model.model_name_or_path == lessons.output_dir and backbone_data.tasks is None
    assert backbone_data.lesson_task_keys() == ["a2v", "v2a", "avqa", "ref_avs"]
    assert backbone_data.lessons // 4 == 800  # avqa's 800 lessons, as when it was a third of 2,400
    action_model, action_data, action_adapter, action = parse_train_arguments("synth_action")
    assert action_model.model_name_or_path == backbone.output_dir and action_data.tasks == ["ks"]
    assert action_data.mixture_size == action.max_steps * action.per_device_train_batch_size  # ks's 400 clips, 8 passes
    motion_model, motion_data, motion_adapter, motion = parse_train_arguments("synth_motion")
    assert motion_model.model_name_or_path == action.output_dir
    assert action_adapter.train_parts == motion_adapter.train_parts == ["vision", "audio", "text", "lm_head"]
    assert motion.learning_rate < backbone.learning_rate
    assert motion_data.lessons == 1600 and motion_data.lesson_task_keys() == ["avqa"]
    assert motion_data.task_weight_map() == {"avqa": 5.0, "ks": 8.0, "a2v": 5.0, "v2a": 3.0}
    # every task's train samples once a pass, weighted: five tasks of 320, avqa and a2v 5 x 320, ks 8 x 320, v2a 3 x
    # 320, four box tasks of 1,280 (docs/training.md's second synth make)
    assert motion_data.mixture_size == 320 * (5 + 5 + 8 + 5 + 3) + 1280 * 4
    ilora_model, ilora_data, ilora_adapter, ilora = parse_train_arguments("synth_ilora")
    assert ilora_model.model_name_or_path == motion.output_dir and ilora_adapter.adapter == "ilora"
    assert all(stage.bf16 for stage in (align, short, lessons, backbone, action, motion, ilora))
    assert ilora_data.task_weight_map() == {"avqa": 3.0, "ref_avs": 3.0}
    assert ilora_data.lessons == 800 and ilora_data.lesson_task_keys() == ["avqa"]
