"""``CrabPlusTrainer``: the stock ``transformers.Trainer`` plus the two things Crab+ batches need.

1. The collator's ``task_ids`` (B,) are not a model input: they are taken out of the batch, handed to I-LoRA's
   "task" router when the adapter has one, and used for per-task bookkeeping.
2. At each logging step the per-task losses (and I-LoRA router statistics) are added to the Trainer's logs.
Everything else (optimiser, schedule, checkpointing, resume, DDP/DeepSpeed/FSDP via accelerate) is the Trainer's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import torch
from transformers import Trainer

from .callbacks import PerTaskLossCallback, RouterStatsCallback

# Batch entries that describe the samples rather than feed the model.
SAMPLE_KEYS = ("task_ids", "sample_ids")


class CrabPlusTrainer(Trainer):
    """A ``Trainer`` that knows the batch's tasks. ``task_keys[i]`` names task id ``i`` of the collator."""

    def __init__(self, *args, task_keys: Sequence[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.task_keys = list(task_keys or [])
        self.task_losses = PerTaskLossCallback(self.task_keys) if self.task_keys else None
        self.router_stats = None
        num_heads = router_heads(self.model)
        if self.task_keys and num_heads:
            self.router_stats = RouterStatsCallback(self.task_keys, num_heads)
        for callback in (self.task_losses, self.router_stats):
            if callback is not None:
                self.add_callback(callback)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        inputs = dict(inputs)
        task_ids = inputs.pop("task_ids", None)
        for key in SAMPLE_KEYS:
            inputs.pop(key, None)
        labels = inputs.get("labels")
        record_routing = self.router_stats is not None and task_ids is not None and model.training
        with task_routing(model, task_ids), router_recording(model, record_routing) as routing:
            loss, outputs = super().compute_loss(model, inputs, return_outputs=True,
                                                 num_items_in_batch=num_items_in_batch)
        if task_ids is not None and model.training:
            if self.task_losses is not None and labels is not None:
                self.task_losses.record(task_ids, outputs.logits, labels)
            if record_routing and routing is not None:
                self.router_stats.record(task_ids, routing.per_sample_head_weights())
        return (loss, outputs) if return_outputs else loss

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        # Every process reaches log() at the same steps, so the all-reduce inside flush() is safe.
        if "loss" in logs:  # training logs only (not the final summary or evaluation logs)
            for callback in (self.task_losses, self.router_stats):
                if callback is not None:
                    logs.update(callback.flush(self.accelerator))
        super().log(logs, start_time)


def _ilora_layers(model) -> list:
    from ..ilora import ILoraLayer

    return [m for m in model.modules() if isinstance(m, ILoraLayer)]


def router_heads(model) -> int:
    """Number of I-LoRA heads of ``model`` (0 when it has no I-LoRA adapter)."""
    try:
        layers = _ilora_layers(model)
    except ImportError:
        return 0
    return int(layers[0].num_heads[layers[0].active_adapters[0]]) if layers else 0


@contextlib.contextmanager
def task_routing(model, task_ids: torch.Tensor | None):
    """Hand the batch's task ids to I-LoRA's "task" router for one forward pass (no-op otherwise)."""
    if task_ids is None or not router_heads(model):
        yield
        return
    from ..ilora import task_ids_context

    with task_ids_context(model, task_ids):
        yield


@contextlib.contextmanager
def router_recording(model, enabled: bool):
    """Record I-LoRA's routing during one forward pass; yields the recorder (None when disabled)."""
    if not enabled:
        yield None
        return
    from ..ilora import record_routing

    with record_routing(model) as recorder:
        yield recorder
