"""Per-call hooks on the wrapped transformers model: ``task_ids=`` as a forward keyword and the load-balance loss.

Installed once per transformers model (however many I-LoRA adapters ``get_peft_model``, ``add_adapter`` or
transformers' ``load_adapter`` put on it) and removed by ``merge_and_unload``/``unload``:

* pre-hook: a ``task_ids`` keyword (LongTensor (B,)) is taken out of the call and handed to every I-LoRA layer,
  so ``model(**batch, task_ids=ids)`` works for a plain ``PeftModel`` (no ``task_type``), a transformers model
  after ``load_adapter`` and the Trainer (which calls ``model(**inputs)``). The ids stay set until the next call
  (gradient checkpointing re-runs the forward during backward); a later call without ids clears them. Ids set by
  :func:`crab_plus.ilora.task_ids_context` are left alone. It also hands the call's 2-D ``attention_mask`` to the
  layers (the sequence router's mean skips padding) and resets the per-call load-balance terms.
* hook: ``mean over layers of (load_balance_weight * CV(head usage))`` is added to ``output.loss`` when any
  active adapter has ``load_balance_weight > 0``; the value is kept in ``model.ilora_load_balance_loss``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .layer import ILoraLayer

HANDLES_ATTRIBUTE = "_ilora_call_hooks"


def _layers(model: nn.Module) -> list[ILoraLayer]:
    return [module for module in model.modules() if isinstance(module, ILoraLayer)]


def _before_call(model: nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    task_ids = kwargs.pop("task_ids", None)
    mask = kwargs.get("attention_mask")
    mask = mask if isinstance(mask, torch.Tensor) and mask.dim() == 2 else None
    for layer in _layers(model):
        layer.attention_mask = mask
        if task_ids is not None:
            layer.task_ids, layer.task_ids_from_call = torch.as_tensor(task_ids, dtype=torch.long), True
        elif layer.task_ids_from_call:  # ids of an earlier call: not this call's
            layer.task_ids, layer.task_ids_from_call = None, False
        layer.balance_terms = []
    return args, kwargs


def _after_call(model: nn.Module, args: tuple, kwargs: dict, output: Any) -> Any:
    terms = []
    for layer in _layers(model):
        terms.extend(layer.balance_terms or [])
        layer.balance_terms = None  # a re-run forward (gradient checkpointing) must not add terms again
    if not terms:
        return output
    balance_loss = torch.stack(terms).mean()
    model.ilora_load_balance_loss = balance_loss
    loss = getattr(output, "loss", None)
    if loss is not None:
        output["loss"] = loss + balance_loss.to(loss.dtype)
    return output


def install_call_hooks(model: nn.Module) -> None:
    """Idempotent: register the two hooks on ``model`` (the transformers model the tuner wraps)."""
    if getattr(model, HANDLES_ATTRIBUTE, None):
        return
    model.ilora_load_balance_loss = None
    handles = [model.register_forward_pre_hook(_before_call, with_kwargs=True),
               model.register_forward_hook(_after_call, with_kwargs=True)]
    object.__setattr__(model, HANDLES_ATTRIBUTE, handles)


def remove_call_hooks(model: nn.Module) -> None:
    for handle in getattr(model, HANDLES_ATTRIBUTE, None) or []:
        handle.remove()
    object.__setattr__(model, HANDLES_ATTRIBUTE, None)
