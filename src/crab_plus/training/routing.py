"""Glue to I-LoRA's routing for one forward pass or generate call: hand the batch's task ids to the "task" router
and record router weights. Both are no-ops for models without an I-LoRA adapter."""

from __future__ import annotations

import contextlib

import torch


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
