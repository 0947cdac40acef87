"""Register I-LoRA with peft 0.21 without touching its closed ``PeftType`` enum.

``peft.utils.register_peft_method`` only accepts names already in ``PeftType``, so the four mappings it would
fill are filled directly with the str-Enum member ``ILoraPeftType.ILORA`` (equal to, and hashing like,
``"ILORA"``, the value stored in ``adapter_config.json``). Check these names on every peft upgrade;
tests/test_ilora_registration.py does.
"""

from __future__ import annotations

from peft import mapping

from .config import ILoraConfig, ILoraPeftType
from .model import ILoraModel


def register_ilora() -> None:
    """Idempotent: map the "ILORA" peft type to its config, tuner and parameter prefix."""
    key = ILoraPeftType.ILORA
    mapping.PEFT_TYPE_TO_CONFIG_MAPPING[key] = ILoraConfig
    mapping.PEFT_TYPE_TO_TUNER_MAPPING[key] = ILoraModel
    mapping.PEFT_TYPE_TO_PREFIX_MAPPING[key] = ILoraModel.prefix
