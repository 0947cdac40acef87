"""Tiny models and inputs shared by the I-LoRA tests (not a test module)."""

from __future__ import annotations

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from crab_plus.ilora import RELEASE_TARGET_MODULES
from crab_plus.testing import tiny_crab_plus_model, tiny_model_inputs

TARGETS = list(RELEASE_TARGET_MODULES)


def tiny_llama(seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    return LlamaForCausalLM(config).eval()


def llama_batch(seed: int = 0, batch: int = 2, length: int = 6) -> dict:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, 64, (batch, length), generator=generator)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids.clone()}


def tiny_crab(seed: int = 0):
    model = tiny_crab_plus_model(seed=seed).eval()
    return model, tiny_model_inputs(model.config, seed=seed)


def randomise_heads(model: torch.nn.Module, seed: int = 0, std: float = 0.2) -> None:
    """Give every B head (zero at creation) random values so the adapter path changes outputs."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if ".ilora_B" in name or ".ilora_router" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * std)
