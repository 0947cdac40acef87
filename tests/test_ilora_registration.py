"""The peft registration of "ILORA" (crab_plus.ilora.registration): re-check these facts on every peft upgrade."""

import json

import pytest
from peft import PeftConfig, get_peft_model, mapping
from peft.utils.peft_types import PeftType, register_peft_method

import crab_plus
from crab_plus.ilora import ILoraConfig, ILoraModel, ILoraPeftType, register_ilora
from _ilora_models import tiny_llama


def test_peft_mappings_point_at_ilora_under_the_plain_string_too():
    register_ilora()  # idempotent: a second call changes nothing
    for table, value in ((mapping.PEFT_TYPE_TO_CONFIG_MAPPING, ILoraConfig),
                         (mapping.PEFT_TYPE_TO_TUNER_MAPPING, ILoraModel),
                         (mapping.PEFT_TYPE_TO_PREFIX_MAPPING, "ilora_")):
        assert table[ILoraPeftType.ILORA] is value or table[ILoraPeftType.ILORA] == value
        assert table["ILORA"] == table[ILoraPeftType.ILORA]  # adapter_config.json stores the plain string
    assert ILoraPeftType.ILORA.value.lower() + "_" == ILoraModel.prefix  # what transformers' integration builds


def test_peft_still_refuses_methods_outside_its_enum():
    # The reason for filling the mappings directly; if peft opens PeftType, switch to register_peft_method.
    assert "ILORA" not in list(PeftType)
    with pytest.raises(ValueError, match="Unknown PEFT type ILORA"):
        register_peft_method(name="ilora", config_cls=ILoraConfig, model_cls=ILoraModel)


def test_saved_config_reloads_as_ilora_config(tmp_path):
    model = get_peft_model(tiny_llama(), ILoraConfig(r=2, num_heads=2, router="task", num_tasks=3,
                                                     target_modules=["q_proj"]))
    model.save_pretrained(tmp_path)
    stored = json.loads((tmp_path / "adapter_config.json").read_text())
    assert stored["peft_type"] == "ILORA" and stored["router"] == "task" and stored["num_tasks"] == 3
    config = PeftConfig.from_pretrained(tmp_path)
    assert type(config) is ILoraConfig and config.peft_type == ILoraPeftType.ILORA
    assert crab_plus.ILoraConfig is ILoraConfig
