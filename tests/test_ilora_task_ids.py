"""Task ids and padding through ordinary calls: ``model(**batch, task_ids=ids)``, the Trainer, load_adapter."""

import pytest
import torch
from peft import get_peft_model
from torch.utils.data import Dataset
from transformers import Trainer, TrainingArguments

from crab_plus.errors import AdapterError
from crab_plus.ilora import ILoraConfig, ilora_layers, record_routing, task_ids_context
from _ilora_models import TARGETS, llama_batch, randomise_heads, tiny_llama


def _task_model(**config):
    model = get_peft_model(tiny_llama(), ILoraConfig(r=4, router="task", num_tasks=2, target_modules=TARGETS,
                                                     **config))
    randomise_heads(model)
    return model


def test_task_ids_keyword_equals_the_context_and_is_not_kept_for_the_next_call():
    model, batch = _task_model().eval(), llama_batch(batch=2)
    with torch.no_grad():
        with task_ids_context(model, [1, 0]):
            expected = model(**batch).logits
        assert torch.equal(model(**batch, task_ids=torch.tensor([1, 0])).logits, expected)
        with pytest.raises(AdapterError, match="no task ids"):
            model(**batch)  # the previous call's ids are not reused


def test_task_ids_keyword_through_load_adapter(tmp_path):
    model, batch = _task_model().eval(), llama_batch(batch=1)
    model.save_pretrained(tmp_path)
    with torch.no_grad():
        expected = model(**batch, task_ids=torch.tensor([1])).logits
    plain = tiny_llama()
    plain.load_adapter(str(tmp_path))
    with torch.no_grad():
        assert torch.equal(plain(**batch, task_ids=torch.tensor([1])).logits, expected)


def test_task_ids_keyword_survives_gradient_checkpointing():
    model, batch = _task_model(), llama_batch(batch=2)
    model.base_model.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.base_model.model.enable_input_require_grads()
    model.train()
    model(**batch, task_ids=torch.tensor([0, 1])).loss.backward()  # backward re-runs the layers
    table = next(p for n, p in model.named_parameters() if "ilora_router" in n)
    assert table.grad is not None and table.grad[:2].abs().sum() > 0


class _TaskBatches(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        sample = {k: v[0] for k, v in llama_batch(seed=index, batch=1).items()}
        return {**sample, "task_ids": torch.tensor(index % 2)}


def test_trainer_trains_the_task_router_and_the_balance_loss_from_a_task_ids_batch(tmp_path):
    model = _task_model(load_balance_weight=0.1)
    before = next(p for n, p in model.named_parameters() if "ilora_router" in n).detach().clone()
    args = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=2, learning_rate=1e-2,
                             remove_unused_columns=False, report_to=[], save_strategy="no", use_cpu=True,
                             logging_steps=1)
    result = Trainer(model=model, args=args, train_dataset=_TaskBatches()).train()
    after = next(p for n, p in model.named_parameters() if "ilora_router" in n)
    assert not torch.allclose(before, after)  # both task rows were trained from the batch's ids
    assert (after - before).abs().sum(dim=1).gt(0).all()
    assert result.training_loss > 0 and model.base_model.last_load_balance_loss is not None


def test_sequence_router_ignores_left_padding():
    model = get_peft_model(tiny_llama(), ILoraConfig(r=4, router="sequence", target_modules=["q_proj"])).eval()
    randomise_heads(model)
    alone = llama_batch(seed=1, batch=1, length=4)
    padded = llama_batch(seed=1, batch=1, length=6)
    padded["input_ids"][0, 2:] = alone["input_ids"][0]
    padded["attention_mask"][0, :2] = 0
    first = [layer.module_name for layer in ilora_layers(model)][0]  # layer 0 q_proj: input is position-free
    weights = {}
    for name, batch in (("alone", alone), ("padded", padded)):
        with torch.no_grad(), record_routing(model) as recorder:
            model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        weights[name] = recorder.per_sample[first][-1]
    torch.testing.assert_close(weights["padded"], weights["alone"], rtol=0, atol=1e-6)
