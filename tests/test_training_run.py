"""run_training and `crab-plus train` end to end on the tiny model and release-layout fixture data."""

import json

import pytest

from crab_plus.cli import main
from crab_plus.data.fixtures import write_avuie_fixture
from crab_plus.errors import AnnotationError, CheckpointError, ConfigError
from crab_plus.training.arguments import parse_train_arguments
from crab_plus.training.run import load_training_samples, overrides_from_cli, run_training

TASKS = ["ave", "ks"]


@pytest.fixture(scope="module")
def avuie(tmp_path_factory):
    root = tmp_path_factory.mktemp("avuie")
    write_avuie_fixture(root, tasks=TASKS, n=3)
    return root


def tiny_config(avuie, output_dir, **extra):
    return {"model_name_or_path": "tiny", "annotations": str(avuie), "tasks": TASKS, "output_dir": str(output_dir),
            "adapter": "ilora", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"],
            "per_device_train_batch_size": 2, "max_steps": 3, "logging_steps": 1, "learning_rate": 1e-2,
            "use_cpu": True, "report_to": "none", "remove_unused_columns": False, "save_strategy": "no",
            "disable_tqdm": True, **extra}


def test_run_training_writes_an_adapter_with_per_task_logs(avuie, tmp_path):
    trainer = run_training(tiny_config(avuie, tmp_path / "run"))
    out = tmp_path / "run"
    assert (out / "adapter_config.json").is_file() and (out / "adapter_model.safetensors").is_file()
    info = json.loads((out / "crab_plus_training.json").read_text())
    assert info["task_keys"] == TASKS and info["adapter"]["adapter"] == "ilora"
    assert json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"] == str(out / "base")
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert len(logs) == 3
    assert all(any(k.startswith("loss/") for k in h) and any(k.startswith("router/") for k in h) for h in logs)


def test_cli_train_with_overrides_and_resume(avuie, tmp_path, capsys):
    config = tmp_path / "train.json"
    config.write_text(json.dumps(tiny_config(avuie, tmp_path / "cli", save_strategy="steps", save_steps=2)))
    assert main(["train", str(config), "max_steps=2", "adapter=lora"]) == 0
    assert (tmp_path / "cli" / "checkpoint-2").is_dir()
    assert "lora" in json.loads((tmp_path / "cli" / "adapter_config.json").read_text())["peft_type"].lower()
    assert main(["train", str(config), "--resume", "max_steps=4", "adapter=lora"]) == 0
    state = json.loads((tmp_path / "cli" / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["global_step"] == 4 and [h["step"] for h in state["log_history"] if "loss" in h] == [1, 2, 3, 4]


def test_bad_training_input_is_a_clear_error(avuie, tmp_path, capsys):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        run_training(tiny_config(avuie, tmp_path / "fresh"), resume=True)
    with pytest.raises(ConfigError, match="unknown training config keys: colour"):
        run_training({**tiny_config(avuie, tmp_path / "x"), "colour": "red"})
    with pytest.raises(AnnotationError, match="meld/train.json: annotation file not found"):
        run_training(tiny_config(avuie, tmp_path / "x", tasks=["ave", "meld"]))
    assert main(["train", "no-such-config.yaml"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert overrides_from_cli(["tasks=ave,ks", "--seed", "3", "learning_rate=1e-3"]) == [
        "--tasks", "ave", "ks", "--seed", "3", "--learning_rate", "1e-3"]


def test_task_weights_and_mixture_size_shape_the_training_mixture(avuie, tmp_path):
    overrides = overrides_from_cli(["task_weights=ks:2", "mixture_size=9"])
    _, data, _, _ = parse_train_arguments(tiny_config(avuie, tmp_path / "w"), overrides)
    samples, task_keys, report = load_training_samples(data, seed=0)
    assert task_keys == TASKS and len(samples) == 9  # 3 ave + 6 ks: every ave sample once, every ks sample twice
    assert report.as_dict()["ave"]["drawn"] == 3 and report.as_dict()["ks"]["drawn"] == 6
    assert report.task_weights == {"ks": 2.0}
    _, data, _, _ = parse_train_arguments(tiny_config(avuie, tmp_path / "w"), ["--task_weights", "meld:2"])
    with pytest.raises(ConfigError, match="task_weights name task"):
        load_training_samples(data, seed=0)
