"""I-LoRA adapters through peft's and transformers' save/load paths."""

import json
import subprocess
import sys

import pytest
import torch
from peft import PeftModel, get_peft_model
from safetensors.torch import load_file

from crab_plus.errors import AdapterError
from crab_plus.ilora import ILoraConfig, load_ilora
from _ilora_models import TARGETS, llama_batch, randomise_heads, tiny_crab, tiny_llama


@pytest.fixture
def saved_crab_adapter(tmp_path):
    model, inputs = tiny_crab()
    peft_model = get_peft_model(model, ILoraConfig(r=4, lora_alpha=8, target_modules=TARGETS,
                                                   modules_to_save=["lm_head"]))
    randomise_heads(peft_model)
    with torch.no_grad():
        peft_model.base_model.model.lm_head.modules_to_save["default"].weight.mul_(1.5)
        logits = peft_model(**inputs).logits
    peft_model.save_pretrained(tmp_path / "adapter")
    return tmp_path / "adapter", inputs, logits


def test_folder_holds_only_ilora_weights_and_the_ilora_type(saved_crab_adapter):
    folder, _, _ = saved_crab_adapter
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["peft_type"] == "ILORA" and config["num_heads"] == 3
    keys = load_file(folder / "adapter_model.safetensors")
    adapter_keys = [k for k in keys if "lm_head" not in k]
    assert adapter_keys and all(".ilora_" in k for k in adapter_keys)
    assert any("lm_head" in k for k in keys)  # modules_to_save is saved too
    assert not (folder / "adapter_model.bin").exists()


def test_reload_gives_bit_identical_outputs(saved_crab_adapter):
    folder, inputs, logits = saved_crab_adapter
    model, _ = tiny_crab()
    reloaded = PeftModel.from_pretrained(model, folder)
    with torch.no_grad():
        assert torch.equal(reloaded(**inputs).logits, logits)
    model, _ = tiny_crab()
    with torch.no_grad():
        assert torch.equal(load_ilora(model, folder)(**inputs).logits, logits)


def test_reload_in_a_new_process_after_import_crab_plus(saved_crab_adapter, tmp_path):
    folder, inputs, logits = saved_crab_adapter
    torch.save({k: v for k, v in inputs.items()}, tmp_path / "inputs.pt")
    torch.save(logits, tmp_path / "logits.pt")
    script = f"""
import torch, crab_plus
from peft import PeftModel
from crab_plus.testing import tiny_crab_plus_model
inputs = torch.load({str(tmp_path / 'inputs.pt')!r}, weights_only=True)
model = PeftModel.from_pretrained(tiny_crab_plus_model(seed=0).eval(), {str(folder)!r})
with torch.no_grad():
    assert torch.equal(model(**inputs).logits, torch.load({str(tmp_path / 'logits.pt')!r}, weights_only=True))
print("same")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "same"


def test_transformers_load_adapter_and_named_adapters(tmp_path):
    batch = llama_batch()
    first = get_peft_model(tiny_llama(), ILoraConfig(r=4, target_modules=TARGETS))
    randomise_heads(first, seed=1)
    first.save_pretrained(tmp_path / "one")
    second = get_peft_model(tiny_llama(), ILoraConfig(r=4, num_heads=2, target_modules=["q_proj", "v_proj"]))
    randomise_heads(second, seed=2)
    second.save_pretrained(tmp_path / "two")
    with torch.no_grad():
        expected_one, expected_two = first(**batch).logits, second(**batch).logits

    model = tiny_llama()
    model.load_adapter(str(tmp_path / "one"), adapter_name="one")
    model.load_adapter(str(tmp_path / "two"), adapter_name="two")
    with torch.no_grad():
        model.set_adapter("one")
        torch.testing.assert_close(model(**batch).logits, expected_one, rtol=0, atol=0)
        model.set_adapter("two")
        torch.testing.assert_close(model(**batch).logits, expected_two, rtol=0, atol=0)

    peft_model = PeftModel.from_pretrained(tiny_llama(), tmp_path / "one", adapter_name="one")
    peft_model.load_adapter(tmp_path / "two", adapter_name="two")
    with torch.no_grad():
        peft_model.set_adapter("two")
        torch.testing.assert_close(peft_model(**batch).logits, expected_two, rtol=0, atol=0)
        with peft_model.disable_adapter():
            torch.testing.assert_close(peft_model(**batch).logits, tiny_llama()(**batch).logits, rtol=0, atol=0)


def test_folders_from_another_method_or_with_missing_keys_are_refused(tmp_path):
    from peft import LoraConfig
    from safetensors.torch import save_file

    get_peft_model(tiny_llama(), ILoraConfig(r=2, target_modules=["q_proj"])).save_pretrained(tmp_path / "one")

    get_peft_model(tiny_llama(), LoraConfig(r=2, target_modules=["q_proj"])).save_pretrained(tmp_path / "lora")
    with pytest.raises(AdapterError, match="LORA adapter, not I-LoRA"):
        load_ilora(tiny_llama(), tmp_path / "lora")
    get_peft_model(tiny_llama(), ILoraConfig(r=2, target_modules=["q_proj"])).save_pretrained(tmp_path / "cut")
    weights = load_file(tmp_path / "cut" / "adapter_model.safetensors")
    save_file({k: v for k, v in weights.items() if "layers.1." not in k}, tmp_path / "cut" / "adapter_model.safetensors")
    with pytest.raises(AdapterError, match="lacks .* adapter weights"):
        load_ilora(tiny_llama(), tmp_path / "cut")
    with pytest.raises(AdapterError, match="lacks 3 of the 6 adapter weights"):
        PeftModel.from_pretrained(tiny_llama(), tmp_path / "cut")  # peft's own path is strict too
    complete = PeftModel.from_pretrained(tiny_llama(), tmp_path / "one", adapter_name="one")
    with pytest.raises(AdapterError, match="lacks"):
        complete.load_adapter(tmp_path / "cut", adapter_name="cut")
    with pytest.raises(AdapterError, match="no adapter_config.json"):
        load_ilora(tiny_llama(), tmp_path)
