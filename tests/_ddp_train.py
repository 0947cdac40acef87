"""Train the tiny LoRA model for 3 SGD steps with a global batch of 4 (run directly or under accelerate launch).

argv: OUTPUT_DIR PER_DEVICE_BATCH. Writes OUTPUT_DIR/adapter_model.safetensors and report.json (world size, the
sample ids of each global batch, the logged losses).
"""

import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist

from _tiny_training import tiny_trainer

from crab_plus.training.run import exit_distributed_run

output_dir, per_device = Path(sys.argv[1]), int(sys.argv[2])
trainer = tiny_trainer(output_dir, per_device_train_batch_size=per_device, max_steps=3, optim="sgd",
                       learning_rate=0.5, n_samples=12)
trainer.train()
world = trainer.args.world_size
seen = torch.tensor(trainer.seen)  # (steps, per_device) on this process
gathered = trainer.accelerator.gather(seen)  # (world * steps, per_device), process-major
global_batches = gathered.view(world, -1, per_device).transpose(0, 1).reshape(seen.shape[0], -1)
trainer.save_model()
if trainer.is_world_process_zero():
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    backend = dist.get_backend() if dist.is_initialized() else None
    report = {"world_size": world, "backend": backend, "seen": [sorted(b) for b in global_batches.tolist()], "losses": losses}
    (output_dir / "report.json").write_text(json.dumps(report))
exit_distributed_run(trainer.accelerator)  # what `crab-plus train` does at the end of a multi-process run
