"""Glue to I-LoRA's routing for one forward pass or generate call: hand the batch's task ids to the "task" router
and record router weights. Both are no-ops for models without an I-LoRA adapter."""

from __future__ import annotations

import contextlib

import torch


def router_heads(model) -> int:
    """Number of I-LoRA heads of ``model``'s active adapter (0 when it has no I-LoRA layer)."""
    from ..ilora import ILoraLayer

    for module in model.modules():
        if isinstance(module, ILoraLayer):
            return int(module.num_heads[module.active_adapters[0]])
    return 0


@contextlib.contextmanager
def task_routing(model, task_ids: torch.Tensor | None):
    """Hand the batch's task ids (B,) to every I-LoRA layer for the calls inside the block (no-op otherwise)."""
    if task_ids is None or not router_heads(model):
        yield
        return
    from ..ilora import task_ids_context

    with task_ids_context(model, task_ids):
        yield


@contextlib.contextmanager
def router_recording(model, enabled: bool):
    """Record I-LoRA's head weights during the calls inside the block; yields the RoutingRecorder (None when
    disabled)."""
    if not enabled:
        yield None
        return
    from ..ilora import record_routing

    with record_routing(model) as recorder:
        yield recorder
