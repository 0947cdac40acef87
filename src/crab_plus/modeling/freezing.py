"""Freeze the Crab+ backbone so that only adapters (I-LoRA, LoRA) or chosen modules train.

The release trains I-LoRA only; the vision encoder, audio encoder and text model stay frozen. peft already
freezes everything but the adapters when it wraps a model; these helpers serve the other cases (a backbone
stage that trains a chosen part, or checking what trains).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from torch import nn

# Names of the backbone parts of CrabPlusForConditionalGeneration, for `trainable=`.
BACKBONE_PARTS = {
    "vision": r"model\.visual\.",
    "audio": r"model\.audio_tower\.",
    "text": r"model\.language_model\.",
    "lm_head": r"lm_head\.",
}


def freeze_backbone(model: nn.Module, trainable: Iterable[str] = ()) -> int:
    """Set ``requires_grad=False`` on every parameter except those whose name matches ``trainable``.

    ``trainable`` holds part names from BACKBONE_PARTS ("vision", "audio", "text", "lm_head") or regular
    expressions searched in the parameter names. Returns the number of parameters left trainable.
    """
    patterns = [re.compile(BACKBONE_PARTS.get(p, p)) for p in trainable]
    count = 0
    for name, parameter in model.named_parameters():
        keep = any(p.search(name) for p in patterns)
        parameter.requires_grad_(keep)
        count += parameter.numel() if keep else 0
    return count


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    total = trainable = 0
    for parameter in model.parameters():
        total += parameter.numel()
        trainable += parameter.numel() if parameter.requires_grad else 0
    return trainable, total
