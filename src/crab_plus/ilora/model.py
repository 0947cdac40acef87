"""``ILoraModel``: the peft tuner that swaps each targeted ``nn.Linear`` for an I-LoRA :class:`~.layer.Linear`.

It installs the per-call hooks of hooks.py on the wrapped transformers model (a ``task_ids`` forward keyword for
the "task" router, the optional load-balance loss added to ``output.loss``) and turns peft's "no module
matched" error into an AdapterError that lists the model's linear layer names.
"""

from __future__ import annotations

from typing import Any

import torch
from peft.tuners.tuners_utils import BaseTuner, BaseTunerLayer
from peft.utils.error import NoMatchingPeftModuleError
from torch import nn

from ..errors import AdapterError
from .config import ILoraConfig
from .hooks import install_call_hooks, remove_call_hooks
from .layer import ILoraLayer, Linear


class ILoraModel(BaseTuner):
    prefix: str = "ilora_"
    tuner_layer_cls = ILoraLayer
    target_module_mapping: dict[str, list[str]] = {}

    def __init__(self, model: nn.Module, config, adapter_name: str, **kwargs: Any) -> None:
        super().__init__(model, config, adapter_name, **kwargs)
        install_call_hooks(self.model)  # task_ids keyword, load-balance loss (hooks.py)

    @property
    def last_load_balance_loss(self) -> torch.Tensor | None:
        """The load-balance term added to the last call's loss (None before any call with a weight > 0)."""
        return getattr(self.model, "ilora_load_balance_loss", None)

    def inject_adapter(self, model: nn.Module, adapter_name: str, *args: Any, **kwargs: Any) -> None:
        try:
            super().inject_adapter(model, adapter_name, *args, **kwargs)
        except NoMatchingPeftModuleError as error:
            linear = sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                             if isinstance(module, nn.Linear)})
            raise AdapterError(
                f"I-LoRA target_modules {self.peft_config[adapter_name].target_modules!r} match no module of "
                f"{type(model).__name__} ({error}). Its nn.Linear names end in: {', '.join(linear[:20])}."
            ) from None

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

    @classmethod
    def _remap_adapter_state_dict_for_load(cls, model: nn.Module, config, adapter_name: str,
                                           state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """peft's key remapping, then refuse a checkpoint that lacks adapter weights (peft would only warn and
        leave the missing A/B/router at their random or zero initial values)."""
        remapped = super()._remap_adapter_state_dict_for_load(model, config, adapter_name, state_dict)
        suffix = f".{adapter_name}"
        expected = [key for key in model.state_dict() if f".{cls.prefix}" in key and key.endswith(suffix)]
        missing = [key.removesuffix(suffix) for key in expected if key not in remapped]
        if missing:
            raise AdapterError(
                f"the I-LoRA checkpoint for adapter {adapter_name!r} lacks {len(missing)} of the {len(expected)} "
                f"adapter weights the model expects, e.g. {missing[:3]}; was it saved from a model with other "
                "target_modules or another architecture, or cut short?"
            )
        return remapped

    def _unload_and_optionally_merge(self, *args: Any, **kwargs: Any):
        unloaded = super()._unload_and_optionally_merge(*args, **kwargs)  # may raise (merge without a routing)
        remove_call_hooks(self.model)  # only once the I-LoRA layers are gone
        return unloaded
