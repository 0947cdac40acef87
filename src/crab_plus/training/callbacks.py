"""Per-task bookkeeping while training: the loss of each task (and, with I-LoRA, its mean router weights).

:class:`CrabPlusTrainer` feeds these with each batch's task ids; at every logging step it adds their values to
the Trainer's logs (so they reach the console, ``trainer_state.json`` and any ``report_to`` integration) as
``loss/<task>`` and ``router/<task>/head<i>``. Sums are reduced over processes, so DDP runs log global values.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from transformers import TrainerCallback


def per_sample_token_loss(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Causal-LM cross-entropy summed per sample. logits (B, L, V), labels (B, L) with -100 ignored.

    -> (loss sum (B,), label token count (B,)); labels are shifted by one as in the model's own loss.
    """
    shift_logits = logits[:, :-1].float()  # (B, L-1, V)
    shift_labels = labels[:, 1:].to(logits.device)  # (B, L-1)
    token_loss = F.cross_entropy(shift_logits.transpose(1, 2), shift_labels, ignore_index=-100, reduction="none")
    mask = shift_labels != -100
    return (token_loss * mask).sum(dim=1), mask.sum(dim=1)


class TaskSums:
    """Running sums of a per-sample quantity (vector-valued) and counts, indexed by task id."""

    def __init__(self, num_tasks: int, width: int = 1):
        self.sums = torch.zeros(num_tasks, width, dtype=torch.float64)
        self.counts = torch.zeros(num_tasks, dtype=torch.float64)

    def add(self, task_ids: torch.Tensor, values: torch.Tensor, counts: torch.Tensor) -> None:
        """task_ids (B,), values (B, width) summed per sample, counts (B,) of what was summed."""
        ids = task_ids.detach().long().cpu()
        self.sums.index_add_(0, ids, values.detach().double().cpu().reshape(len(ids), -1))
        self.counts.index_add_(0, ids, counts.detach().double().cpu())

    def reduced(self, accelerator=None) -> tuple[torch.Tensor, torch.Tensor]:
        """(sums, counts) summed over processes (one all-reduce), then reset to zero."""
        packed = torch.cat([self.sums.flatten(), self.counts])
        if accelerator is not None and accelerator.num_processes > 1:
            packed = accelerator.reduce(packed.to(accelerator.device), reduction="sum").cpu()
        self.sums.zero_()
        self.counts.zero_()
        n = self.counts.numel()
        return packed[:-n].view(n, -1), packed[-n:]


class PerTaskLossCallback(TrainerCallback):
    """Mean training loss per task (token-weighted, like the training loss) over each logging interval."""

    def __init__(self, task_keys: Sequence[str]):
        self.task_keys = list(task_keys)
        self.losses = TaskSums(len(self.task_keys))

    def record(self, task_ids: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        loss_sum, token_count = per_sample_token_loss(logits.detach(), labels)
        self.losses.add(task_ids, loss_sum, token_count)

    def flush(self, accelerator=None) -> dict[str, float]:
        """{"loss/<task>": mean} for the tasks seen since the last flush."""
        sums, counts = self.losses.reduced(accelerator)
        return {f"loss/{key}": round(float(sums[i, 0] / counts[i]), 6)
                for i, key in enumerate(self.task_keys) if counts[i] > 0}

    def on_train_begin(self, args, state, control, **kwargs):
        self.losses.reduced()  # start from zero (a resumed run does not carry the old interval over)


class RouterStatsCallback(TrainerCallback):
    """Mean I-LoRA router weight per head for each task (averaged over layers and tokens) per logging interval.

    ``record`` takes the per-sample mean head weights of one batch, (B, num_heads), averaged over layers.
    """

    def __init__(self, task_keys: Sequence[str], num_heads: int):
        self.task_keys = list(task_keys)
        self.num_heads = num_heads
        self.weights = TaskSums(len(self.task_keys), num_heads)

    def record(self, task_ids: torch.Tensor, head_weights: torch.Tensor) -> None:
        self.weights.add(task_ids, head_weights, torch.ones(len(task_ids)))

    def flush(self, accelerator=None) -> dict[str, float]:
        sums, counts = self.weights.reduced(accelerator)
        logs = {}
        for i, key in enumerate(self.task_keys):
            if counts[i] > 0:
                for head in range(self.num_heads):
                    logs[f"router/{key}/head{head}"] = round(float(sums[i, head] / counts[i]), 6)
        return logs

    def on_train_begin(self, args, state, control, **kwargs):
        self.weights.reduced()
