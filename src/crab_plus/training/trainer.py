"""``CrabPlusTrainer``: the stock ``transformers.Trainer`` plus the two things Crab+ batches need.

1. The collator's ``task_ids`` (B,) are not a model input: they are taken out of the batch, handed to I-LoRA's
   "task" router when the adapter has one (for the whole training step, backward included, so that gradient
   checkpointing's re-computed forward sees them too), and used for per-task bookkeeping.
2. At each logging step the per-task losses (and I-LoRA router statistics) are added to the Trainer's logs.
3. ``train_sampling_strategy: group_by_length`` works on a list of samples, given their lengths
   (``sample_lengths``, see :mod:`crab_plus.training.lengths`); the stock Trainer reads them from a
   ``datasets.Dataset`` column only.
Everything else (optimiser, schedule, checkpointing, resume, DDP/DeepSpeed/FSDP via accelerate) is the Trainer's.
"""

from __future__ import annotations

from collections.abc import Sequence

from transformers import Trainer
from transformers.trainer_pt_utils import LengthGroupedSampler

from .callbacks import PerTaskLossCallback, RouterStatsCallback
from .routing import router_heads, router_recording, task_routing

# Batch entries that describe the samples rather than feed the model.
SAMPLE_KEYS = ("task_ids", "sample_ids")


class CrabPlusTrainer(Trainer):
    """A ``Trainer`` that knows the batch's tasks. ``task_keys[i]`` names task id ``i`` of the collator;
    ``sample_lengths[i]`` is the token length of training sample ``i`` (for ``group_by_length``)."""

    def __init__(self, *args, task_keys: Sequence[str] | None = None, sample_lengths: Sequence[int] | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.task_keys = list(task_keys or [])
        self.sample_lengths = list(sample_lengths) if sample_lengths is not None else None
        self.task_losses = PerTaskLossCallback(self.task_keys) if self.task_keys else None
        self.router_stats = None
        num_heads = router_heads(self.model)
        if self.task_keys and num_heads:
            self.router_stats = RouterStatsCallback(self.task_keys, num_heads)
        for callback in (self.task_losses, self.router_stats):
            if callback is not None:
                self.add_callback(callback)

    def _get_train_sampler(self, train_dataset=None):
        if self.args.train_sampling_strategy == "group_by_length" and self.sample_lengths is not None:
            # The stock sampler: shuffled mega-batches of 50 batches, each sorted by length.
            batch = self.args.train_batch_size * self.args.gradient_accumulation_steps
            return LengthGroupedSampler(batch, lengths=self.sample_lengths)
        return super()._get_train_sampler(train_dataset)

    def training_step(self, model, inputs, num_items_in_batch=None):
        # The task ids must stay with the I-LoRA layers through backward too: gradient checkpointing re-runs the
        # forward there.
        with task_routing(model, inputs.get("task_ids")):
            return super().training_step(model, inputs, num_items_in_batch)

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        with task_routing(model, inputs.get("task_ids")):
            return super().prediction_step(model, inputs, prediction_loss_only, ignore_keys)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        inputs = dict(inputs)
        task_ids = inputs.pop("task_ids", None)
        for key in SAMPLE_KEYS:
            inputs.pop(key, None)
        labels = inputs.get("labels")
        record_routing = self.router_stats is not None and task_ids is not None and model.training
        with router_recording(model, record_routing) as routing:
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
