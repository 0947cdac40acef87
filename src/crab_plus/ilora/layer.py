"""The I-LoRA layer: an ``nn.Linear`` plus, per adapter, one shared A, N routed B heads and a router.

    h = A(dropout(x))                      # (..., r)
    g = softmax(R x / T)                   # (..., N) fp32 (token router; see router.py for the others)
    y = W x + b + (alpha / r) * B_cat((g ⊗ h).flatten(-2))   # all heads in one matmul

``ilora_B`` stores the N heads side by side, (out, N * r): head i is ``ilora_B[:, i*r:(i+1)*r]``, so the
weighted sum over heads is a single ``F.linear`` on the (..., N * r) outer product of g and h.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from peft.tuners.tuners_utils import BaseTunerLayer, check_adapters_to_merge
from torch import nn

from ..errors import AdapterError
from .config import ILoraConfig
from .router import head_weights, router_logits, usage_cv

TASK_ROUTER_INIT_STD = 0.02  # spread of a task router's initial logits (head weights within a few % of 1/N)


class ILoraLayer(BaseTunerLayer):
    adapter_layer_names = ("ilora_A", "ilora_B", "ilora_router")
    other_param_names = ("r", "scaling", "num_heads", "router_kind", "top_k", "temperature", "balance_weight",
                         "ilora_dropout")

    def __init__(self, base_layer: nn.Module, **kwargs: Any) -> None:
        self.base_layer = base_layer
        self.r: dict[str, int] = {}
        self.scaling: dict[str, float] = {}
        self.num_heads: dict[str, int] = {}
        self.router_kind: dict[str, str] = {}
        self.top_k: dict[str, int | None] = {}
        self.temperature: dict[str, float] = {}
        self.balance_weight: dict[str, float] = {}  # adapter -> load_balance_weight
        self.ilora_dropout = nn.ModuleDict()
        self.ilora_A = nn.ParameterDict()  # adapter -> (r, in)
        self.ilora_B = nn.ParameterDict()  # adapter -> (out, N * r)
        self.ilora_router = nn.ParameterDict()  # adapter -> (N, in), or (num_tasks, N) for the task router
        self.merged_adapters: list[str] = []  # per instance (BaseTunerLayer's default list is shared)
        self.merge_routing: dict[str, torch.Tensor] = {}  # adapter -> fixed (N,) head weights used by merge()
        self.merged_routing: dict[str, torch.Tensor] = {}  # adapter -> the (N,) weights it was merged with
        # Per-call state, set by the context managers in control.py and the call hooks in hooks.py.
        self.task_ids: torch.Tensor | None = None
        self.task_ids_from_call = False  # True: set from a call's task_ids keyword (hooks.py)
        self.attention_mask: torch.Tensor | None = None  # (B, T) of the model call, for the sequence router
        self.recorder = None
        self.balance_terms: list[torch.Tensor] | None = None
        self.module_name = ""
        self.kwargs = kwargs
        base = self.get_base_layer()
        if not isinstance(base, nn.Linear):
            raise AdapterError(f"I-LoRA adapts nn.Linear layers only, not {type(base).__name__}; "
                               "choose target_modules that name linear layers.")
        self.in_features, self.out_features = base.in_features, base.out_features

    def update_layer(self, adapter_name: str, config: ILoraConfig, inference_mode: bool = False) -> None:
        r, heads = config.r, config.num_heads
        self.r[adapter_name], self.num_heads[adapter_name] = r, heads
        self.scaling[adapter_name] = config.lora_alpha / r
        self.router_kind[adapter_name] = config.router
        self.top_k[adapter_name] = config.top_k
        self.temperature[adapter_name] = config.router_temperature
        self.balance_weight[adapter_name] = config.load_balance_weight
        self.ilora_dropout[adapter_name] = nn.Dropout(config.lora_dropout) if config.lora_dropout else nn.Identity()
        self.ilora_A[adapter_name] = nn.Parameter(torch.empty(r, self.in_features))
        self.ilora_B[adapter_name] = nn.Parameter(torch.empty(self.out_features, heads * r))
        router_shape = (config.num_tasks, heads) if config.router == "task" else (heads, self.in_features)
        self.ilora_router[adapter_name] = nn.Parameter(torch.empty(router_shape))
        self.reset_ilora_parameters(adapter_name, config.init_weights)
        self._move_adapter_to_device_of_base_layer(adapter_name)
        self.set_adapter(self.active_adapters, inference_mode=inference_mode)

    def reset_ilora_parameters(self, adapter_name: str, init_weights: bool = True) -> None:
        nn.init.kaiming_uniform_(self.ilora_A[adapter_name], a=math.sqrt(5))
        if init_weights:
            nn.init.zeros_(self.ilora_B[adapter_name])
        else:  # non-zero heads, for tests of the adapter path
            nn.init.kaiming_uniform_(self.ilora_B[adapter_name], a=math.sqrt(5))
        if self.router_kind[adapter_name] == "task":
            # Nearly uniform head weights per task. Not exactly uniform: with zero B heads that is a fixed point
            # (equal weights give the heads equal gradients, equal heads give the router a zero gradient).
            nn.init.normal_(self.ilora_router[adapter_name], std=TASK_ROUTER_INIT_STD)
        else:
            nn.init.kaiming_uniform_(self.ilora_router[adapter_name], a=math.sqrt(5))

    # -- routing ----------------------------------------------------------------------------------------------

    def routing(self, adapter_name: str, x: torch.Tensor) -> torch.Tensor:
        """Head weights (fp32) for input ``x``, broadcastable to (..., N)."""
        logits = router_logits(x, self.ilora_router[adapter_name], self.router_kind[adapter_name], self.task_ids,
                               self.attention_mask)
        return head_weights(logits, self.temperature[adapter_name], self.top_k[adapter_name])

    def fixed_routing(self, adapter_name: str) -> torch.Tensor:
        """The (N,) head weights used to merge; exact without a fixed vector only when N = 1."""
        heads = self.num_heads[adapter_name]
        if adapter_name in self.merge_routing:
            return self.merge_routing[adapter_name]
        if heads == 1:
            return torch.ones(1)
        raise AdapterError(
            f"cannot merge I-LoRA adapter {adapter_name!r} of {self.module_name or 'this layer'}: its {heads} heads "
            "are weighted per token, so no single weight matrix equals it. Fix a routing first (task-level "
            "deployment): crab_plus.ilora.set_merge_routing(model, weights=[...]) with N head weights, or "
            "set_merge_routing(model, task_id=k) for a 'task' router, or per-layer weights recorded with "
            "record_routing; otherwise keep the adapter unmerged."
        )

    # -- merging ----------------------------------------------------------------------------------------------

    def get_delta_weight(self, adapter_name: str, routing: torch.Tensor | None = None) -> torch.Tensor:
        """scaling * (sum_i g_i B_i) A with the fixed routing g (default: :meth:`fixed_routing`): (out, in)."""
        r, heads = self.r[adapter_name], self.num_heads[adapter_name]
        weight_b = self.ilora_B[adapter_name].float().view(self.out_features, heads, r)  # (out, N, r)
        routing = self.fixed_routing(adapter_name) if routing is None else routing
        g = routing.float().to(weight_b.device).view(1, heads, 1)
        return self.scaling[adapter_name] * (weight_b * g).sum(dim=1) @ self.ilora_A[adapter_name].float()

    def merge(self, safe_merge: bool = False, adapter_names: list[str] | None = None) -> None:
        adapter_names = check_adapters_to_merge(self, adapter_names)
        base = self.get_base_layer()
        for name in adapter_names:
            if name not in self.ilora_A:
                continue
            routing = self.fixed_routing(name)
            delta = self.get_delta_weight(name, routing).to(base.weight.dtype)
            merged = base.weight.data + delta
            if safe_merge and not torch.isfinite(merged).all():
                raise AdapterError(f"merging adapter {name!r} into {self.module_name} gives non-finite weights.")
            base.weight.data = merged
            self.merged_routing[name] = routing
            self.merged_adapters.append(name)

    def unmerge(self) -> None:
        base = self.get_base_layer()
        while self.merged_adapters:
            name = self.merged_adapters.pop()
            delta = self.get_delta_weight(name, self.merged_routing.pop(name))
            base.weight.data -= delta.to(base.weight.dtype)


class Linear(nn.Module, ILoraLayer):
    """An ``nn.Linear`` with I-LoRA adapters."""

    def __init__(self, base_layer: nn.Module, adapter_name: str, config: ILoraConfig, **kwargs: Any) -> None:
        super().__init__()
        ILoraLayer.__init__(self, base_layer, **kwargs)
        self._active_adapter = adapter_name
        self.update_layer(adapter_name, config)

    def forward(self, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        if self.disable_adapters:
            if self.merged:
                self.unmerge()
            return self.base_layer(x, *args, **kwargs)
        result = self.base_layer(x, *args, **kwargs)
        if self.merged:
            return result
        for name in self.active_adapters:
            if name in self.ilora_A:
                result = result + self._adapter_output(name, x).to(result.dtype)
        return result

    def _adapter_output(self, name: str, x: torch.Tensor) -> torch.Tensor:
        weight_a = self.ilora_A[name]
        h = F.linear(self.ilora_dropout[name](x.to(weight_a.dtype)), weight_a)  # (..., r)
        g = self.routing(name, x)  # (..., N) fp32, or (B, 1, N) / (1, N)
        if self.recorder is not None:
            self.recorder.add(self.module_name, g.detach(), x.shape, self.attention_mask)
        if self.balance_terms is not None and self.balance_weight[name] > 0:
            self.balance_terms.append(self.balance_weight[name] * usage_cv(g))
        gh = (g.to(h.dtype).unsqueeze(-1) * h.unsqueeze(-2)).flatten(-2)  # (..., N * r)
        return F.linear(gh, self.ilora_B[name]) * self.scaling[name]  # (..., out)

    def __repr__(self) -> str:
        return "ilora." + super().__repr__()
