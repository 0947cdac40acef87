"""`crab-plus convert adapter`: the released finetune_weights.bin naming -> an I-LoRA folder on crab-plus."""

import pytest
import torch
from torch import nn

from crab_plus.cli import main
from crab_plus.errors import CheckpointError
from crab_plus.ilora import load_ilora
from crab_plus.testing import release_key
from _ilora_models import TARGETS, tiny_crab

R, HEADS, ALPHA = 4, 3, 8.0


def _release_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Random release-format weights for every target Linear, under the thinker's names (as a PeftModel saves)."""
    generator = torch.Generator().manual_seed(0)
    state = {}
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and name.rsplit(".", 1)[-1] in TARGETS:
            prefix = "base_model.model." + release_key(name + ".weight").removesuffix(".weight")
            state[f"{prefix}.lora_A.weight"] = torch.randn(R, module.in_features, generator=generator) * 0.3
            for i in range(HEADS):
                state[f"{prefix}.lora_B{i}.weight"] = torch.randn(module.out_features, R, generator=generator) * 0.3
            state[f"{prefix}.lora_route.weight"] = torch.randn(HEADS, module.in_features, generator=generator)
    return state


def _release_reference_logits(model: nn.Module, state: dict, inputs: dict) -> torch.Tensor:
    """Logits with the release formula applied by forward hooks: y += (alpha/r) sum_i softmax(route x)_i B_i A x."""
    handles = []
    for name, module in model.named_modules():
        prefix = None
        if isinstance(module, nn.Linear) and name.rsplit(".", 1)[-1] in TARGETS:
            prefix = "base_model.model." + release_key(name + ".weight").removesuffix(".weight")
        if prefix is None:
            continue

        def hook(mod, args, output, prefix=prefix):
            x = args[0]
            h = x @ state[f"{prefix}.lora_A.weight"].T
            g = torch.softmax(x.float() @ state[f"{prefix}.lora_route.weight"].T, dim=-1)
            heads = sum(g[..., i:i + 1] * (h @ state[f"{prefix}.lora_B{i}.weight"].T) for i in range(HEADS))
            return output + ALPHA / R * heads

        handles.append(module.register_forward_hook(hook))
    with torch.no_grad():
        logits = model(**inputs).logits
    for handle in handles:
        handle.remove()
    return logits


def test_converted_release_adapter_matches_the_release_formula(tmp_path):
    model, inputs = tiny_crab()
    state = _release_state(model)
    torch.save(state, tmp_path / "finetune_weights.bin")
    expected = _release_reference_logits(model, state, inputs)
    assert main(["convert", "adapter", str(tmp_path / "finetune_weights.bin"), str(tmp_path / "adapter"),
                 "--lora-alpha", str(ALPHA)]) == 0
    fresh, _ = tiny_crab()
    with torch.no_grad():
        logits = load_ilora(fresh, tmp_path / "adapter")(**inputs).logits
    # fp32 summation order differs (one batched matmul vs head by head) through 4 adapted stacks, and with the CPU's
    # kernels: up to 3.8e-4 apart on one 2-core machine; the adapter itself moves the logits by 0.18 on average
    torch.testing.assert_close(logits, expected, rtol=1e-3, atol=1e-3)
    assert not torch.allclose(logits, model(**inputs).logits)  # the adapter changes the output


def test_release_files_that_are_not_ilora_weights_are_refused(tmp_path, capsys):
    model, _ = tiny_crab()
    state = _release_state(model)
    broken = {k: v for k, v in state.items() if not k.endswith("lora_B2.weight") or "layers.0." not in k}
    torch.save(broken, tmp_path / "missing_head.bin")
    with pytest.raises(CheckpointError, match="lora_B<i> heads|routes 3 heads"):
        from crab_plus.ilora import convert_release_adapter

        convert_release_adapter(tmp_path / "missing_head.bin", tmp_path / "out")
    torch.save({"some.other.weight": torch.zeros(2)}, tmp_path / "other.bin")
    assert main(["convert", "adapter", str(tmp_path / "other.bin"), str(tmp_path / "out2")]) == 2
    assert "not a release I-LoRA weight" in capsys.readouterr().err
    assert main(["convert", "adapter", str(tmp_path / "absent.bin"), str(tmp_path / "out3")]) == 2
