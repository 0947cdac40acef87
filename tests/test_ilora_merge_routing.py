"""Merging with a fixed routing (task-level deployment) and router statistics."""

import pytest
import torch
from peft import get_peft_model

from crab_plus.errors import AdapterError
from crab_plus.ilora import ILoraConfig, ilora_layers, record_routing, set_merge_routing, task_ids_context
from _ilora_models import TARGETS, llama_batch, randomise_heads, tiny_crab, tiny_llama


def _adapted(seed=0, **config):
    model = get_peft_model(tiny_llama(), ILoraConfig(r=4, target_modules=TARGETS, **config))
    randomise_heads(model, seed=seed)
    return model.eval()


def test_single_head_merges_exactly_and_unmerge_restores():
    model, batch = _adapted(num_heads=1), llama_batch()
    original = {n: p.clone() for n, p in model.named_parameters() if "base_layer.weight" in n}
    with torch.no_grad():
        expected = model(**batch).logits
        model.merge_adapter()
        torch.testing.assert_close(model(**batch).logits, expected, rtol=0, atol=1e-5)
        model.unmerge_adapter()
        for name, parameter in model.named_parameters():
            if name in original:
                torch.testing.assert_close(parameter, original[name], rtol=0, atol=1e-6)
        merged = model.merge_and_unload()
        torch.testing.assert_close(merged(**batch).logits, expected, rtol=0, atol=1e-5)


def test_several_heads_need_a_fixed_routing_to_merge():
    model = _adapted(router="task", num_tasks=2, load_balance_weight=0.1)
    with pytest.raises(AdapterError, match="set_merge_routing"):
        model.merge_and_unload()
    batch = llama_batch()
    with torch.no_grad():  # the refused merge left the adapter, and its call hooks, working
        loss = model(**batch, task_ids=torch.tensor([0, 1])).loss
    assert model.base_model.last_load_balance_loss is not None and loss > 0


def test_fixed_routing_merge_equals_the_adapter_with_that_routing():
    task_model, batch = _adapted(router="task", num_tasks=2), llama_batch()
    with torch.no_grad(), task_ids_context(task_model, [1, 1]):
        expected = task_model(**batch).logits
    set_merge_routing(task_model, task_id=1)
    with torch.no_grad():
        merged = task_model.merge_and_unload()
        torch.testing.assert_close(merged(**batch).logits, expected, rtol=0, atol=1e-5)

    model = _adapted()
    reference = _adapted(router="task", num_tasks=1)  # the same heads, routed by a fixed (0.2, 0.5, 0.3)
    with torch.no_grad():
        for ours, theirs in zip(ilora_layers(reference), ilora_layers(model)):
            ours.ilora_A["default"].copy_(theirs.ilora_A["default"])
            ours.ilora_B["default"].copy_(theirs.ilora_B["default"])
            ours.ilora_router["default"].copy_(torch.log(torch.tensor([[0.2, 0.5, 0.3]])))
    set_merge_routing(model, weights=[0.2, 0.5, 0.3])
    with torch.no_grad():
        merged = model.merge_and_unload()  # = W + (alpha/r) (0.2 B0 + 0.5 B1 + 0.3 B2) A in every layer
        with task_ids_context(reference, [0, 0]):
            torch.testing.assert_close(merged(**batch).logits, reference(**batch).logits, rtol=0, atol=1e-5)
    with pytest.raises(AdapterError, match="exactly one"):
        set_merge_routing(_adapted())
    with pytest.raises(AdapterError, match="2 merge weights for 3 heads"):
        set_merge_routing(_adapted(), weights=[0.5, 0.5])


def test_record_routing_per_layer_sample_and_task():
    model, batch = _adapted(), llama_batch(batch=2)
    batch["attention_mask"][1, :2] = 0  # left padding in sample 1
    with torch.no_grad(), record_routing(model) as recorder:
        model(**batch)
        model(**llama_batch(seed=3, batch=1))
    per_sample = recorder.per_sample_head_weights()
    assert per_sample.shape == (1, 3)  # the last call had one sample
    torch.testing.assert_close(per_sample.sum(-1), torch.ones(1))
    table = recorder.by_task(["ave", "ks", "ave"])
    assert set(table) == {"ave", "ks"} and table["ave"].shape == (len(recorder.batched_layer_names), 3)
    assert len(recorder.batched_layer_names) == 2 * 7  # 2 layers x 7 projections
    assert all(layer.recorder is None for layer in ilora_layers(model))
    with pytest.raises(AdapterError, match="2 task labels for 3"):
        recorder.by_task(["ave", "ks"])


def test_recording_on_the_crab_plus_model_pools_encoder_layers():
    model, inputs = tiny_crab()
    model = get_peft_model(model, ILoraConfig(r=4, target_modules=TARGETS))
    with torch.no_grad(), record_routing(model) as recorder:
        model(**inputs)
    encoder = [n for n in recorder.layer_names if "visual" in n or "audio_tower" in n]
    assert encoder and not set(encoder) & set(recorder.batched_layer_names)
    assert all(n.startswith("model.language_model") for n in recorder.batched_layer_names)
    assert all(v.shape == (3,) for v in recorder.layer_means().values())
