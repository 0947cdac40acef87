"""I-LoRA (Interaction-aware LoRA) as a peft method: one shared A, N routed B heads, a router per layer.

``import crab_plus`` registers it (see :func:`register_ilora`); then ``peft.get_peft_model(model,
ILoraConfig(...))``, ``PeftModel.from_pretrained`` and transformers' ``model.load_adapter`` work as for LoRA.
"""

from .config import ILoraConfig, ILoraPeftType, RELEASE_TARGET_MODULES
from .control import RoutingRecorder, ilora_layers, record_routing, set_merge_routing, task_ids_context
from .io import check_adapter_folder, convert_release_adapter, load_ilora
from .layer import ILoraLayer, Linear
from .model import ILoraModel
from .registration import register_ilora

__all__ = [
    "ILoraConfig",
    "ILoraLayer",
    "ILoraModel",
    "ILoraPeftType",
    "Linear",
    "RELEASE_TARGET_MODULES",
    "RoutingRecorder",
    "check_adapter_folder",
    "convert_release_adapter",
    "ilora_layers",
    "load_ilora",
    "record_routing",
    "register_ilora",
    "set_merge_routing",
    "task_ids_context",
]
