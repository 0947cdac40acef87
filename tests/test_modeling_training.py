"""Training readiness: a frozen backbone, gradient checkpointing and input grads, with an adapter that learns."""

import torch
from peft import LoraConfig, get_peft_model

from crab_plus.modeling import count_parameters, freeze_backbone
from crab_plus.testing import tiny_crab_plus_model, tiny_model_inputs


def test_freeze_backbone_keeps_only_the_named_parts():
    model = tiny_crab_plus_model()
    trainable = freeze_backbone(model, trainable=["lm_head"])
    assert trainable == model.lm_head.weight.numel()
    assert count_parameters(model) == (trainable, sum(p.numel() for p in model.parameters()))
    assert not any(p.requires_grad for n, p in model.named_parameters() if not n.startswith("lm_head"))
    assert freeze_backbone(model) == 0


def test_frozen_backbone_with_checkpointing_trains_an_adapter():
    model = tiny_crab_plus_model()
    freeze_backbone(model)
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    model.enable_input_require_grads()
    model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    model.train()
    inputs = tiny_model_inputs(model.config, seed=2)
    labels = inputs["input_ids"].clone()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    loss = model(**inputs, labels=labels).loss
    loss.backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads.values())
    # The reentrant checkpoint needs input grads to reach LoRA inside checkpointed layers.
    assert any("language_model.layers.0" in n for n in grads)
    optimizer.step()
    for name, parameter in model.named_parameters():
        changed = not torch.equal(before[name], parameter.detach())
        assert changed == ("lora_" in name), name


def test_gradient_checkpointing_gives_the_same_gradients():
    torch.manual_seed(0)
    inputs = tiny_model_inputs(tiny_crab_plus_model().config, seed=2)
    grads = []
    for checkpointing in (False, True):
        model = tiny_crab_plus_model(seed=0).train()
        if checkpointing:
            model.gradient_checkpointing_enable()
        model(**inputs, labels=inputs["input_ids"]).loss.backward()
        grads.append(model.model.language_model.layers[0].self_attn.q_proj.weight.grad.clone())
    assert torch.allclose(grads[0], grads[1], atol=1e-6)
