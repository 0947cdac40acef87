"""CrabPlusTrainer on the tiny model: per-task losses, checkpoint + resume, and DDP over two CPU processes."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import TrainerCallback

from _tiny_training import (TASK_KEYS, adapter_state, collate, tiny_ilora_model, tiny_lora_model, tiny_samples,
                            tiny_trainer)
from crab_plus.ilora import record_routing
from crab_plus.training import ACCELERATE_DIR
from crab_plus.training.callbacks import per_sample_token_loss

TESTS = Path(__file__).parent


def test_per_sample_token_loss_adds_up_to_the_model_loss():
    model = tiny_lora_model()
    batch = collate(tiny_samples(model.config, 3))
    batch.pop("task_ids"), batch.pop("sample_ids")
    batch["labels"][1, -2:] = -100  # unequal label counts per sample
    outputs = model(**batch)
    loss_sum, count = per_sample_token_loss(outputs.logits, batch["labels"])
    assert count.tolist() == [4, 2, 4]
    assert torch.allclose(loss_sum.sum() / count.sum(), outputs.loss, atol=1e-5)


def test_per_task_losses_are_logged_and_average_to_the_loss(tmp_path):
    trainer = tiny_trainer(tmp_path, max_steps=4, logging_steps=2)
    trainer.train()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert len(logs) == 2
    for entry in logs:
        # every sample has 4 label tokens and the tasks alternate, so the plain mean of the task means is the loss
        per_task = [entry[f"loss/{key}"] for key in TASK_KEYS]
        assert sum(per_task) / len(per_task) == pytest.approx(entry["loss"], abs=1e-4)
        assert per_task[0] != per_task[1]
    assert trainer.seen and all(len(batch) == 2 for batch in trainer.seen)


def test_ilora_router_statistics_per_task_match_the_routing_of_the_first_batch(tmp_path):
    trainer = tiny_trainer(tmp_path, model=tiny_ilora_model(), max_steps=2, logging_steps=1)
    trainer.train()
    first = trainer.state.log_history[0]
    # recompute the first batch's routing on a fresh copy of the initial model
    fresh = tiny_ilora_model()
    samples = tiny_samples(fresh.config, 8)
    batch = collate([samples[i] for i in trainer.seen[0]])
    task_ids = batch.pop("task_ids")
    batch.pop("sample_ids")
    with torch.no_grad(), record_routing(fresh) as recorder:
        fresh(**batch)
    weights = recorder.per_sample_head_weights()  # (B, heads)
    for task_id in task_ids.unique().tolist():
        expected = weights[task_ids == task_id].mean(0)
        logged = torch.tensor([first[f"router/{TASK_KEYS[task_id]}/head{h}"] for h in range(3)])
        assert torch.allclose(logged, expected, atol=1e-5)
        assert logged.sum().item() == pytest.approx(1.0, abs=1e-5)


def test_task_router_gets_the_task_ids_even_with_gradient_checkpointing(tmp_path):
    model = tiny_ilora_model(router="task", num_tasks=len(TASK_KEYS))
    tables = [m.ilora_router["default"].detach().clone() for n, m in model.named_modules()
              if n.endswith(("q_proj", "v_proj")) and "language_model" in n and hasattr(m, "ilora_router")]
    trainer = tiny_trainer(tmp_path, model=model, max_steps=2, logging_steps=1, gradient_checkpointing=True)
    trainer.train()
    first = trainer.state.log_history[0]
    for task_id, key in enumerate(TASK_KEYS):
        if f"router/{key}/head0" in first:
            expected = torch.stack([table[task_id].softmax(-1) for table in tables]).mean(0)
            logged = torch.tensor([first[f"router/{key}/head{h}"] for h in range(3)])
            assert torch.allclose(logged, expected, atol=1e-5)
    trained = [m.ilora_router["default"] for n, m in trainer.model.named_modules()
               if n.endswith(("q_proj", "v_proj")) and "language_model" in n and hasattr(m, "ilora_router")]
    assert any(not torch.allclose(a, b) for a, b in zip(trained, tables))  # the task routing learned


class Killed(RuntimeError):
    pass


class KillAfterSave(TrainerCallback):
    """Stops the run abruptly right after the checkpoint of ``step`` is on disk (like a killed job)."""

    def __init__(self, step):
        self.step = step

    def on_save(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise Killed(f"killed after step {self.step}")


def test_a_killed_run_resumes_without_losing_or_repeating_data(tmp_path):
    arguments = dict(num_train_epochs=2, save_strategy="steps", save_steps=3, optim="adamw_torch")
    reference = tiny_trainer(tmp_path / "reference", **arguments)
    reference.train()
    assert len(reference.seen) == 8  # 8 samples, batch 2, two epochs

    first = tiny_trainer(tmp_path / "run", callbacks=[KillAfterSave(3)], **arguments)
    with pytest.raises(Killed):
        first.train()
    assert (tmp_path / "run" / "checkpoint-3").is_dir()
    resumed = tiny_trainer(tmp_path / "run", **arguments)
    resumed.train(resume_from_checkpoint=True)

    assert first.seen[:3] + resumed.seen == reference.seen
    final, expected = adapter_state(resumed.model), adapter_state(reference.model)
    assert all(torch.allclose(final[name], expected[name], atol=1e-6) for name in expected)


DDP_SCRIPT = TESTS / "_ddp_train.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_on_two_cpu_processes_matches_one_process_on_the_same_global_batch(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(ACCELERATE_DIR / "cpu_ddp.yaml"),
              "--main_process_port", str(free_port())]
    ddp = subprocess.run([*launch, str(DDP_SCRIPT), str(tmp_path / "ddp"), "2"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    single = subprocess.run([sys.executable, str(DDP_SCRIPT), str(tmp_path / "single"), "4"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr[-3000:]

    ddp_report = json.loads((tmp_path / "ddp" / "report.json").read_text())
    single_report = json.loads((tmp_path / "single" / "report.json").read_text())
    assert (ddp_report["world_size"], ddp_report["backend"]) == (2, "gloo") and single_report["world_size"] == 1
    assert ddp_report["seen"] == single_report["seen"]  # same global batches, in the same order
    assert ddp_report["losses"] == pytest.approx(single_report["losses"], abs=1e-4)
    ddp_weights = load_file(tmp_path / "ddp" / "adapter_model.safetensors")
    single_weights = load_file(tmp_path / "single" / "adapter_model.safetensors")
    assert ddp_weights.keys() == single_weights.keys()
    for name, value in single_weights.items():
        assert torch.allclose(ddp_weights[name], value, atol=1e-5), name
    first_step_changed = ddp_report["losses"][0] != ddp_report["losses"][-1]
    assert first_step_changed  # the adapter did learn something over the three steps
