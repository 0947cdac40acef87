"""I-LoRA layer maths: identity at creation, the release formula, routers, top-k, temperature, balance loss."""

import math

import pytest
import torch
from peft import get_peft_model
from torch import nn

import crab_plus
from crab_plus.errors import AdapterError, ConfigError
from crab_plus.ilora import ILoraConfig, ilora_layers, task_ids_context
from crab_plus.ilora.layer import Linear
from _ilora_models import TARGETS, llama_batch, randomise_heads, tiny_crab, tiny_llama


def test_fresh_adapter_on_whole_crab_plus_model_equals_base_exactly():
    model, inputs = tiny_crab()
    with torch.no_grad():
        reference = model(**inputs).logits
    peft_model = get_peft_model(model, ILoraConfig(r=4, lora_alpha=8, target_modules=TARGETS))
    adapted = {layer.module_name.split(".")[1] for layer in ilora_layers(peft_model)}
    assert adapted == {"language_model", "audio_tower", "visual"}  # LLM, audio and vision modules, by suffix
    with torch.no_grad():
        assert torch.equal(peft_model(**inputs).logits, reference)


def _loop_reference(layer: Linear, x: torch.Tensor) -> torch.Tensor:
    """The release formula written head by head (shared/REFERENCE.md section 4)."""
    name = "default"
    r, heads = layer.r[name], layer.num_heads[name]
    a, b, router = layer.ilora_A[name], layer.ilora_B[name], layer.ilora_router[name]
    h = x @ a.T
    g = torch.softmax(x.float() @ router.float().T, dim=-1)
    out = layer.base_layer(x)
    for i in range(heads):
        out = out + layer.scaling[name] * g[..., i:i + 1] * (h @ b[:, i * r:(i + 1) * r].T)
    return out


def test_batched_heads_match_the_per_head_formula_and_scale_by_alpha_over_r():
    torch.manual_seed(0)
    layer = Linear(nn.Linear(12, 10), "default", ILoraConfig(r=4, lora_alpha=6, num_heads=3, target_modules=["x"],
                                                                init_weights=False))
    x = torch.randn(2, 5, 12)
    torch.testing.assert_close(layer(x), _loop_reference(layer, x), rtol=0, atol=1e-6)
    assert layer.scaling["default"] == pytest.approx(6 / 4)
    assert layer.ilora_B["default"].shape == (10, 3 * 4) and layer.ilora_A["default"].shape == (4, 12)


def _routing(config: ILoraConfig, x: torch.Tensor, task_ids=None) -> torch.Tensor:
    torch.manual_seed(1)
    layer = Linear(nn.Linear(8, 8), "default", config)
    nn.init.normal_(layer.ilora_router["default"])
    layer.task_ids = None if task_ids is None else torch.tensor(task_ids)
    return layer.routing("default", x)


def test_token_router_weights_each_token_and_sum_to_one():
    g = _routing(ILoraConfig(num_heads=3, target_modules=["x"]), torch.randn(2, 5, 8))
    assert g.shape == (2, 5, 3) and g.dtype == torch.float32
    torch.testing.assert_close(g.sum(-1), torch.ones(2, 5))
    assert not torch.allclose(g[0, 0], g[0, 1])


def test_sequence_router_gives_one_vector_per_sample():
    x = torch.randn(2, 5, 8)
    g = _routing(ILoraConfig(num_heads=3, router="sequence", target_modules=["x"]), x)
    assert g.shape == (2, 1, 3)
    shuffled = _routing(ILoraConfig(num_heads=3, router="sequence", target_modules=["x"]), x[:, torch.randperm(5)])
    torch.testing.assert_close(g, shuffled)  # a mean over tokens: order does not matter


def test_task_router_uses_the_batch_task_ids_and_needs_them():
    config = ILoraConfig(num_heads=3, router="task", num_tasks=4, target_modules=["x"])
    g = _routing(config, torch.randn(3, 5, 8), task_ids=[0, 2, 0])
    assert g.shape == (3, 1, 3)
    torch.testing.assert_close(g[0], g[2])
    assert not torch.allclose(g[0], g[1])
    with pytest.raises(AdapterError, match="task_ids_context"):
        _routing(config, torch.randn(3, 5, 8))
    with pytest.raises(AdapterError, match="outside"):
        _routing(config, torch.randn(1, 5, 8), task_ids=[7])


def _router_grad_after_two_steps(layer) -> torch.Tensor:
    """Two SGD steps on the heads and router of a fresh task-router layer (its B heads start at zero); the
    router's gradient of the second step."""
    layer.task_ids = torch.tensor([0, 1])
    x, target = torch.randn(2, 5, 8), torch.randn(2, 5, 8)
    optimizer = torch.optim.SGD([layer.ilora_B["default"], layer.ilora_router["default"]], lr=0.5)
    for _ in range(2):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(layer(x), target).backward()
        optimizer.step()
    return layer.ilora_router["default"].grad


def test_task_router_starts_nearly_uniform_and_learns():
    """An exactly uniform start is a fixed point with zero B heads: equal weights give the heads equal gradients,
    equal heads give the router no gradient. The small random start breaks the tie."""
    torch.manual_seed(0)
    config = ILoraConfig(num_heads=3, router="task", num_tasks=2, target_modules=["x"])
    layer = Linear(nn.Linear(8, 8), "default", config)
    layer.task_ids = torch.tensor([0, 1])
    start = layer.routing("default", torch.randn(2, 5, 8))  # (2, 1, 3)
    assert (start - 1 / 3).abs().max() < 0.05 and (start - 1 / 3).abs().max() > 1e-4
    assert _router_grad_after_two_steps(layer).abs().max() > 5e-5  # about 3e-4 (seeds 0-2)
    nn.init.zeros_(layer.ilora_B["default"])
    nn.init.zeros_(layer.ilora_router["default"])  # the exactly uniform start: the router never moves
    assert _router_grad_after_two_steps(layer).abs().max() < 1e-6


def test_top_k_keeps_k_heads_and_temperature_flattens():
    x = torch.randn(2, 5, 8)
    sparse = _routing(ILoraConfig(num_heads=4, top_k=2, target_modules=["x"]), x)
    assert ((sparse > 0).sum(-1) == 2).all()
    torch.testing.assert_close(sparse.sum(-1), torch.ones(2, 5))
    sharp = _routing(ILoraConfig(num_heads=4, target_modules=["x"]), x)
    flat = _routing(ILoraConfig(num_heads=4, router_temperature=10.0, target_modules=["x"]), x)
    assert flat.std(-1).mean() < sharp.std(-1).mean()


def test_load_balance_loss_is_added_to_the_model_loss_and_trains_the_router():
    batch = llama_batch()
    losses = {}
    for weight in (0.0, 0.5):
        model = get_peft_model(tiny_llama(), ILoraConfig(r=4, target_modules=TARGETS, load_balance_weight=weight))
        randomise_heads(model)
        output = model(**batch)
        losses[weight] = output.loss
        if weight:
            extra = model.base_model.last_load_balance_loss
            assert extra is not None and extra > 0
            torch.testing.assert_close(losses[weight], losses[0.0] + extra)
            output.loss.backward()
            router = next(p for n, p in model.named_parameters() if "ilora_router" in n)
            assert router.grad is not None and router.grad.abs().sum() > 0


def test_task_router_through_a_peft_causal_lm():
    model = get_peft_model(tiny_llama(), ILoraConfig(r=4, router="task", num_tasks=2, target_modules=TARGETS))
    randomise_heads(model)
    batch = llama_batch(batch=1)
    with torch.no_grad(), task_ids_context(model, [0]):
        first = model(**batch).logits
    with torch.no_grad(), task_ids_context(model, [1]):
        second = model(**batch).logits
    assert not torch.allclose(first, second)
    assert all(layer.task_ids is None for layer in ilora_layers(model))  # the context cleans up


@pytest.mark.parametrize("kwargs, message", [
    (dict(r=0), "r=0"), (dict(num_heads=0), "num_heads=0"), (dict(num_heads=2, top_k=3), "top_k=3"),
    (dict(router="expert"), "router="), (dict(router="task"), "num_tasks"), (dict(router_temperature=0), "temperature"),
    (dict(target_modules=None), "target_modules"),
])
def test_bad_configs_say_what_to_change(kwargs, message):
    settings = {"target_modules": ["q_proj"], **kwargs}
    with pytest.raises(ConfigError, match=message):
        ILoraConfig(**settings)


def test_targets_that_match_nothing_or_are_not_linear_are_refused():
    with pytest.raises(AdapterError, match=r"match no module of LlamaForCausalLM.*q_proj"):
        get_peft_model(tiny_llama(), ILoraConfig(target_modules=["no_such_module"]))
    with pytest.raises(AdapterError, match="not nn.Linear"):
        get_peft_model(tiny_llama(), ILoraConfig(target_modules=["embed_tokens"]))


def test_release_preset():
    config = ILoraConfig.release()
    assert (config.num_heads, config.r, config.lora_alpha, config.lora_dropout) == (3, 128, 256, 0.1)
    assert set(config.target_modules) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert config.peft_type == "ILORA" and crab_plus.ILoraConfig is ILoraConfig
    assert math.isclose(config.lora_alpha / config.r, 2.0)
