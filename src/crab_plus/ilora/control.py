"""Per-call control of I-LoRA layers: task ids for the "task" router, router statistics, merge routing.

All three work on any model that contains I-LoRA layers (a ``PeftModel``, its base model, or a transformers
model after ``load_adapter``)::

    with task_ids_context(model, batch["task_ids"]):        # (B,) ids for router="task"
        loss = model(**inputs).loss
    with record_routing(model) as recorder:                  # mean head weights per layer / sample / task
        model(**inputs)
    recorder.by_task(["ave", "ks"])                          # {task: (layers, N)}
    set_merge_routing(model, weights=[0.2, 0.5, 0.3])        # then model.merge_and_unload() is exact
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator, Sequence

import torch
from torch import nn

from ..errors import AdapterError
from .layer import ILoraLayer
from .router import sequence_mean


def ilora_layers(model: nn.Module) -> list[ILoraLayer]:
    layers = [m for m in model.modules() if isinstance(m, ILoraLayer)]
    if not layers:
        raise AdapterError("the model has no I-LoRA layers; add an adapter with peft.get_peft_model(model, "
                           "crab_plus.ILoraConfig(...)) first.")
    return layers


@contextlib.contextmanager
def task_ids_context(model: nn.Module, task_ids: torch.Tensor | Sequence[int]) -> Iterator[None]:
    """Hand ``task_ids`` (B,) to every I-LoRA layer for the calls inside the block (forward, backward, generate).

    Equivalent for a single call: ``model(**batch, task_ids=ids)`` (see hooks.py); the context also covers
    ``generate`` and a whole training step.
    """
    layers = ilora_layers(model)
    ids = torch.as_tensor(task_ids, dtype=torch.long)
    for layer in layers:
        layer.task_ids, layer.task_ids_from_call = ids, False
    try:
        yield
    finally:
        for layer in layers:
            layer.task_ids = None


class RoutingRecorder:
    """Head weights seen by each I-LoRA layer while recording.

    Batched inputs (B, T, in) give one (N,) mean per sample (padding excluded when the call passed an
    ``attention_mask`` of shape (B, T)); flattened encoder inputs (tokens, in) only give a pooled mean.
    """

    def __init__(self) -> None:
        self.per_sample: dict[str, list[torch.Tensor]] = defaultdict(list)  # layer -> [(B, N), ...] per call
        self.pooled: dict[str, list[torch.Tensor]] = defaultdict(list)  # layer -> [(N,), ...] per call

    def add(self, layer_name: str, weights: torch.Tensor, input_shape: torch.Size,
            attention_mask: torch.Tensor | None = None) -> None:
        """``attention_mask``: the call's (B, T) mask the layer was handed (hooks.py); used when it fits."""
        weights = weights.float().cpu()
        if len(input_shape) == 3:
            expanded = weights.expand(*input_shape[:2], weights.shape[-1])  # (B, T, N)
            mask = None if attention_mask is None else attention_mask.cpu()
            self.per_sample[layer_name].append(sequence_mean(expanded, mask).squeeze(1))  # (B, N)
        self.pooled[layer_name].append(weights.reshape(-1, weights.shape[-1]).mean(0))

    @property
    def layer_names(self) -> list[str]:
        return list(self.pooled)

    def layer_means(self) -> dict[str, torch.Tensor]:
        """layer -> (N,) mean head weights over every recorded call."""
        return {name: torch.stack(values).mean(0) for name, values in self.pooled.items()}

    def per_sample_head_weights(self) -> torch.Tensor:
        """(B, N): the last call's per-sample head weights, averaged over the batched layers."""
        last = [values[-1] for values in self.per_sample.values() if values]
        if not last:
            raise AdapterError("nothing was recorded: run a forward pass with batched inputs inside record_routing.")
        return torch.stack(last).mean(0)

    def by_task(self, task_labels: Sequence[str]) -> dict[str, torch.Tensor]:
        """{label: (layers, N)} mean head weights per batched layer (order: ``batched_layer_names``);
        ``task_labels`` names every recorded sample, in the order the forward calls saw them."""
        names = self.batched_layer_names
        table = torch.stack([torch.cat(self.per_sample[n]) for n in names], dim=1)  # (samples, layers, N)
        if table.shape[0] != len(task_labels):
            raise AdapterError(f"{len(task_labels)} task labels for {table.shape[0]} recorded samples; pass one "
                               "label per sample of the recorded forward calls.")
        result = {}
        for label in dict.fromkeys(task_labels):
            rows = [i for i, other in enumerate(task_labels) if other == label]
            result[label] = table[rows].mean(0)
        return result

    @property
    def batched_layer_names(self) -> list[str]:
        return [name for name, values in self.per_sample.items() if values]


@contextlib.contextmanager
def record_routing(model: nn.Module) -> Iterator[RoutingRecorder]:
    """Record every I-LoRA layer's head weights during the calls inside the block."""
    layers = ilora_layers(model)
    recorder = RoutingRecorder()
    for layer in layers:
        layer.recorder = recorder
    try:
        yield recorder
    finally:
        for layer in layers:
            layer.recorder = None


def set_merge_routing(
    model: nn.Module,
    weights: Sequence[float] | torch.Tensor | dict[str, Sequence[float] | torch.Tensor] | None = None,
    *,
    task_id: int | None = None,
    adapter_name: str | None = None,
) -> None:
    """Fix the head weights that ``merge`` / ``merge_and_unload`` use (task-level deployment).

    ``weights``: N head weights for every layer, or ``{layer name: N weights}`` (e.g. a recorder's
    ``layer_means()`` for one task); ``task_id``: a "task" router's learned routing for that task.
    """
    if (weights is None) == (task_id is None):
        raise AdapterError("pass exactly one of weights=[...] (N head weights) or task_id=k.")
    for layer in ilora_layers(model):
        for name in ([adapter_name] if adapter_name else list(layer.ilora_A)):
            heads = layer.num_heads[name]
            if task_id is not None:
                if layer.router_kind[name] != "task":
                    raise AdapterError(f"task_id needs a router='task' adapter; {name!r} routes by "
                                       f"{layer.router_kind[name]}: pass weights=[...] instead.")
                table = layer.ilora_router[name].detach()  # (num_tasks, N)
                if not 0 <= task_id < table.shape[0]:
                    raise AdapterError(f"task_id={task_id} outside 0..{table.shape[0] - 1}.")
                from .router import head_weights

                vector = head_weights(table[task_id], layer.temperature[name], layer.top_k[name])
            else:
                chosen = weights.get(layer.module_name) if isinstance(weights, dict) else weights
                if chosen is None:
                    raise AdapterError(f"no merge weights given for layer {layer.module_name!r}.")
                vector = torch.as_tensor(chosen, dtype=torch.float32).reshape(-1)
            if vector.numel() != heads:
                raise AdapterError(f"{vector.numel()} merge weights for {heads} heads in {layer.module_name}.")
            layer.merge_routing[name] = vector.detach().float()
