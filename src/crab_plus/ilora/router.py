"""I-LoRA routers: the head weights ``g`` (fp32, summing to 1 over the N heads) for one adapted layer's input.

Shapes: ``x`` is (B, T, in) for the language model or (tokens, in) for the Omni encoders, which flatten their
batch. The result broadcasts against (..., N): (B, T, N) for the token router, (B, 1, N) for the sequence and
task routers on batched inputs, (1, N) on flattened encoder inputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import AdapterError


def router_logits(x: torch.Tensor, router: torch.Tensor, kind: str, task_ids: torch.Tensor | None,
                  attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Unnormalised head scores. ``router`` is (N, in) for token/sequence routers and (num_tasks, N) for "task".

    ``attention_mask`` (B, T) of the call, when it matches ``x``'s (B, T), keeps padding out of the sequence mean.
    """
    if kind == "token":
        return F.linear(x.float(), router.float())  # (..., N)
    if kind == "sequence":
        return F.linear(sequence_mean(x.float(), attention_mask), router.float())

    if kind == "task":
        return _task_logits(x, router.float(), task_ids)
    raise AdapterError(f"unknown router kind {kind!r}")


def sequence_mean(x: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
    """(B, 1, in) mean of each sample's tokens (padding excluded when the mask fits), or (1, in) for 2-D input."""
    if attention_mask is None or x.dim() != 3 or tuple(attention_mask.shape) != tuple(x.shape[:2]):
        return x.mean(dim=-2, keepdim=True)
    mask = attention_mask.to(x.device, x.dtype)[..., None]  # (B, T, 1)
    return (x * mask).sum(dim=1, keepdim=True) / mask.sum(dim=1, keepdim=True).clamp_min(1)


def _task_logits(x: torch.Tensor, table: torch.Tensor, task_ids: torch.Tensor | None) -> torch.Tensor:
    if task_ids is None:
        raise AdapterError(
            "this I-LoRA adapter routes by task (router='task') but the call has no task ids: wrap it in "
            "`with crab_plus.ilora.task_ids_context(model, task_ids):` (task_ids: LongTensor (batch,))."
        )
    task_ids = task_ids.to(table.device).long()
    if int(task_ids.min()) < 0 or int(task_ids.max()) >= table.shape[0]:
        raise AdapterError(f"task ids {task_ids.tolist()} outside 0..{table.shape[0] - 1} (num_tasks={table.shape[0]}).")
    logits = table[task_ids]  # (B, N)
    if x.dim() == 3 and x.shape[0] == len(task_ids):
        return logits[:, None, :]  # (B, 1, N): one routing per sample
    # Flattened encoder tokens cannot be told apart by sample: they share the batch's mean task routing.
    return logits.mean(dim=0, keepdim=True)  # (1, N)


def head_weights(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None) -> torch.Tensor:
    """softmax(logits / temperature) over the last dim (fp32); with ``top_k`` only the k largest heads get weight."""
    logits = logits.float() / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[..., -1:]  # (..., 1) the k-th largest score
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.softmax(logits, dim=-1)


def usage_cv(weights: torch.Tensor) -> torch.Tensor:
    """Coefficient of variation (std / mean) of the mean head usage: 0 when every head is used equally."""
    usage = weights.reshape(-1, weights.shape[-1]).mean(dim=0)  # (N,)
    return usage.std(unbiased=False) / usage.mean().clamp_min(1e-9)
