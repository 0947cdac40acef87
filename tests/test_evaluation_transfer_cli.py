"""`crab-plus router-map` on a trained I-LoRA adapter and a tiny `crab-plus transfer` study, end to end."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

from crab_plus.cli import main
from crab_plus.data.fixtures import write_avuie_fixture
from crab_plus.errors import AdapterError, ConfigError
from crab_plus.evaluation.router_map import router_map
from crab_plus.evaluation.transfer import TransferConfig
from crab_plus.training.run import run_training

TASKS = ["ave", "ks"]
TINY = ["r=2", "lora_alpha=4", "target_modules=q_proj,v_proj", "max_steps=2", "per_device_train_batch_size=2",
        "logging_steps=1", "disable_tqdm=true"]


@pytest.fixture(scope="module")
def avuie(tmp_path_factory):
    root = tmp_path_factory.mktemp("avuie")
    write_avuie_fixture(root, tasks=TASKS, n=2)
    return root


def test_router_map_of_a_trained_adapter(avuie, tmp_path):
    config = {"model_name_or_path": "tiny", "annotations": str(avuie), "output_dir": str(tmp_path / "run"),
              "adapter": "ilora", "use_cpu": True, "report_to": "none", "remove_unused_columns": False,
              "save_strategy": "no"}
    run_training(config, ["--r", "2", "--lora_alpha", "4", "--target_modules", "q_proj", "v_proj", "--max_steps",
                          "1", "--per_device_train_batch_size", "2"])
    paths = router_map(str(tmp_path / "run"), str(avuie), tmp_path / "map.png", max_samples_per_task=2)
    saved = json.loads(paths["json"].read_text())
    assert set(saved["weights"]) == set(TASKS)
    assert saved["layers"] == ["model.language_model.layers.0", "model.language_model.layers.1"]
    for weights in saved["weights"].values():
        assert np.allclose(np.asarray(weights).sum(axis=1), 1.0, atol=1e-5)  # (layers, heads) rows sum to 1
    assert Image.open(paths["map"]).size[0] > 100 and paths["layers"].is_file()
    lora = {**config, "adapter": "lora", "output_dir": str(tmp_path / "lora")}
    run_training(lora, ["--r", "2", "--target_modules", "q_proj", "--max_steps", "1"])
    with pytest.raises(AdapterError, match="no I-LoRA adapter"):
        router_map(str(tmp_path / "lora"), str(avuie), tmp_path / "m2.png")


def test_a_tiny_transfer_study(avuie, tmp_path, capsys):
    out = tmp_path / "study"
    code = main(["transfer", "--tasks", *TASKS, "--data", str(avuie), "--out", str(out), "--max-new-tokens", "2",
                 "--batch-size", "2", *TINY])
    assert code == 0
    rows = list(csv.DictReader((out / "transfer.csv").open()))
    assert sorted((r["method"], r["task"]) for r in rows) == [("ilora", "ave"), ("ilora", "ks"), ("lora", "ave"),
                                                                ("lora", "ks")]
    summary = json.loads((out / "transfer.json").read_text())
    budget = summary["param_budget"]
    lora_info = json.loads((out / "runs" / "lora-multi" / "adapter_config.json").read_text())
    ilora_info = json.loads((out / "runs" / "ilora-multi" / "adapter_config.json").read_text())
    assert ilora_info["r"] == 2 and lora_info["r"] > 2 and budget > 0  # LoRA gets a larger rank, same budget
    assert (out / "transfer.png").is_file() and "positive transfer" in (out / "transfer.md").read_text()
    assert "positive transfer" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="at least two tasks"):
        TransferConfig(tasks=["ave"], data=str(avuie), out=str(out))
