"""Model for training: load the backbone, freeze it, wrap it with LoRA or I-LoRA (peft), or train chosen parts.

Gradient checkpointing is left to the Trainer (``gradient_checkpointing: true`` in the config), which enables it
on the wrapped model with non-reentrant checkpoints, so no input-grad hook is needed for frozen embeddings.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from ..errors import ConfigError
from .arguments import AdapterArguments, ModelArguments

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def target_linears(model: nn.Module, target_modules: list[str]) -> list[tuple[str, nn.Linear]]:
    """The nn.Linear layers whose name ends with one of ``target_modules`` (peft's suffix matching)."""
    found = []
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and any(name == t or name.endswith(f".{t}") for t in target_modules):
            found.append((name, module))
    return found


def adapter_parameter_count(model: nn.Module, adapter: str, r: int, target_modules: list[str], num_heads: int = 1,
                            num_tasks: int | None = None) -> int:
    """Trainable parameters an adapter adds to ``model`` (before wrapping it).

    Per target layer of shape (in, out): LoRA r * (in + out); I-LoRA one shared A (r * in), ``num_heads`` B heads
    (num_heads * r * out) and a router (num_heads * in, or num_tasks * num_heads for the "task" router).
    """
    total = 0
    for _, layer in target_linears(model, target_modules):
        d_in, d_out = layer.in_features, layer.out_features
        if adapter == "lora":
            total += r * (d_in + d_out)
        elif adapter == "ilora":
            total += r * d_in + num_heads * r * d_out + num_heads * (num_tasks if num_tasks else d_in)
        else:
            raise ConfigError(f"adapter {adapter!r} has no rank; use lora or ilora.")
    return total


def rank_for_budget(model: nn.Module, adapter: str, budget: int, target_modules: list[str], num_heads: int = 1,
                    num_tasks: int | None = None) -> int:
    """The rank (>= 1) whose adapter parameter count is closest to ``budget`` (the count is affine in r)."""
    fixed = adapter_parameter_count(model, adapter, 0, target_modules, num_heads, num_tasks)  # I-LoRA's routers
    per_rank = adapter_parameter_count(model, adapter, 1, target_modules, num_heads, num_tasks) - fixed
    if per_rank == 0:
        raise ConfigError(f"target_modules {target_modules} match no nn.Linear of the model; nothing to adapt.")
    return max(1, round((budget - fixed) / per_rank))


def load_backbone(model_args: ModelArguments, seed: int = 0):
    """-> (model, processor). ``model_name_or_path: tiny`` builds the tiny random model of crab_plus.testing."""
    if model_args.dtype not in DTYPES:
        raise ConfigError(f"dtype={model_args.dtype!r} is not known; use one of {', '.join(DTYPES)}.")
    if model_args.model_name_or_path == "tiny":
        from ..testing import tiny_crab_plus

        model, processor = tiny_crab_plus(seed=seed)
        if model_args.attn_implementation:
            model.set_attn_implementation(model_args.attn_implementation)
        return model.to(DTYPES[model_args.dtype]), processor
    from transformers import AutoModelForMultimodalLM, AutoProcessor

    model = AutoModelForMultimodalLM.from_pretrained(
        model_args.model_name_or_path, dtype=DTYPES[model_args.dtype], attn_implementation=model_args.attn_implementation
    )
    return model, AutoProcessor.from_pretrained(model_args.model_name_or_path)


def adapter_config(model: nn.Module, adapter_args: AdapterArguments, task_keys: list[str] | None = None):
    """The peft config (LoraConfig or crab_plus.ILoraConfig) of ``adapter_args``; ``param_budget`` picks r."""
    r = adapter_args.r
    num_tasks = len(task_keys) if adapter_args.router == "task" and task_keys else None
    if adapter_args.router == "task" and adapter_args.adapter == "ilora" and not num_tasks:
        raise ConfigError("router=task needs the training tasks (task_keys) to size its routing table.")
    if adapter_args.param_budget:
        r = rank_for_budget(model, adapter_args.adapter, adapter_args.param_budget, adapter_args.target_modules,
                            adapter_args.num_heads, num_tasks)
    if adapter_args.adapter == "lora":
        from peft import LoraConfig

        return LoraConfig(r=r, lora_alpha=adapter_args.lora_alpha, lora_dropout=adapter_args.lora_dropout,
                          target_modules=list(adapter_args.target_modules))
    from ..ilora import ILoraConfig

    return ILoraConfig(r=r, lora_alpha=adapter_args.lora_alpha, lora_dropout=adapter_args.lora_dropout,
                       num_heads=adapter_args.num_heads, router=adapter_args.router, top_k=adapter_args.top_k,
                       load_balance_weight=adapter_args.load_balance_weight,
                       target_modules=list(adapter_args.target_modules), num_tasks=num_tasks)


def build_model_for_training(model_args: ModelArguments, adapter_args: AdapterArguments, *, seed: int = 0,
                             task_keys: list[str] | None = None):
    """-> (model, processor): the backbone frozen, then LoRA / I-LoRA added (peft), or ``train_parts`` unfrozen.

    ``task_keys`` (the training tasks, in task-id order) sizes the I-LoRA "task" router.
    """
    from ..modeling import freeze_backbone

    model, processor = load_backbone(model_args, seed=seed)
    freeze_backbone(model, trainable=adapter_args.train_parts)
    if adapter_args.adapter != "none":
        from peft import get_peft_model

        model = get_peft_model(model, adapter_config(model, adapter_args, task_keys))
        unfreeze_parts(model, adapter_args.train_parts)  # peft froze everything but the adapter
    return model, processor


def unfreeze_parts(model: nn.Module, parts: list[str]) -> None:
    """Make the backbone parts ("vision", "audio", "text", "lm_head" or regexes) trainable again."""
    from ..modeling.freezing import BACKBONE_PARTS

    patterns = [re.compile(BACKBONE_PARTS.get(p, p)) for p in parts]
    for name, parameter in model.named_parameters():
        if any(p.search(name) for p in patterns):
            parameter.requires_grad_(True)
