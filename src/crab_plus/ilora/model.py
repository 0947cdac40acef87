"""``ILoraModel``: the peft tuner that swaps each targeted ``nn.Linear`` for an I-LoRA :class:`~.layer.Linear`.

It also owns the optional load-balance loss: when the active adapter's ``load_balance_weight`` is > 0, a
forward pre-hook on the wrapped transformers model starts collecting each layer's head-usage coefficient of
variation and a forward hook adds ``weight * mean(cv)`` to ``output.loss`` (so the Trainer optimises it; the
last value is kept in ``ILoraModel.last_load_balance_loss`` for logging).
"""

from __future__ import annotations

from typing import Any

import torch
from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer
from torch import nn

from ..errors import AdapterError
from .config import ILoraConfig
from .layer import ILoraLayer, Linear


class ILoraModel(BaseTuner):
    prefix: str = "ilora_"
    tuner_layer_cls = ILoraLayer
    target_module_mapping: dict[str, list[str]] = {}

    def __init__(self, model: nn.Module, config, adapter_name: str, **kwargs: Any) -> None:
        super().__init__(model, config, adapter_name, **kwargs)
        self.last_load_balance_loss: torch.Tensor | None = None
        self._balance_hooks = [
            self.model.register_forward_pre_hook(self._start_balance_terms),
            self.model.register_forward_hook(self._add_balance_loss),
        ]

    def _prepare_adapter_config(self, peft_config: ILoraConfig, model_config: dict) -> ILoraConfig:
        if peft_config.target_modules is None:
            raise AdapterError("ILoraConfig.target_modules is required (e.g. ILoraConfig.release()'s list).")
        return peft_config

    def _create_and_replace(self, config: ILoraConfig, adapter_name: str, target: nn.Module, target_name: str,
                            parent: nn.Module, current_key: str, **kwargs: Any) -> None:
        if isinstance(target, ILoraLayer):
            target.update_layer(adapter_name, config)
            return
        base = target.get_base_layer() if isinstance(target, BaseTunerLayer) else target
        if not isinstance(base, nn.Linear):
            raise AdapterError(
                f"target module {current_key!r} is a {type(base).__name__}, not nn.Linear: I-LoRA adapts linear "
                "layers only; narrow target_modules (or use exclude_modules)."
            )
        new_module = Linear(target, adapter_name, config)
        new_module.module_name = current_key
        if adapter_name not in self.active_adapters:
            new_module.requires_grad_(False)  # an added adapter is not trainable until set active
        self._replace_module(parent, target_name, new_module, target)

    # -- load-balance loss ------------------------------------------------------------------------------------

    def _ilora_layers(self) -> list[ILoraLayer]:
        return [m for m in self.model.modules() if isinstance(m, ILoraLayer)]

    def _balance_weight(self) -> float:
        config = self.peft_config.get(self.active_adapters[0]) if self.active_adapters else None
        return float(getattr(config, "load_balance_weight", 0.0) or 0.0)

    def _start_balance_terms(self, module: nn.Module, args: Any) -> None:
        enabled = self._balance_weight() > 0
        for layer in self._ilora_layers():
            layer.balance_terms = [] if enabled else None

    def _add_balance_loss(self, module: nn.Module, args: Any, output: Any) -> Any:
        weight = self._balance_weight()
        if weight <= 0:
            return output
        terms = [t for layer in self._ilora_layers() for t in (layer.balance_terms or [])]
        for layer in self._ilora_layers():
            layer.balance_terms = None
        if not terms:
            return output
        self.last_load_balance_loss = weight * torch.stack(terms).mean()
        loss = getattr(output, "loss", None)
        if loss is not None:
            output["loss"] = loss + self.last_load_balance_loss.to(loss.dtype)
        return output

    def _unload_and_optionally_merge(self, *args: Any, **kwargs: Any):
        for handle in self._balance_hooks:
            handle.remove()
        self._balance_hooks = []
        return super()._unload_and_optionally_merge(*args, **kwargs)
