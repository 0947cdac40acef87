"""Checked loading of I-LoRA adapter folders and conversion of the released ``finetune_weights.bin``.

``load_ilora`` is ``PeftModel.from_pretrained`` plus a check that the folder holds an "ILORA" adapter (a LoRA
folder would otherwise load as LoRA); missing adapter weights are refused by ``ILoraModel`` on every peft path.

Release conversion: the Crab+ release stores, per adapted module of the Qwen2.5-Omni thinker,
``<module>.lora_A.weight`` (r, in), ``<module>.lora_B{i}.weight`` (out, r) for i = 0..N-1 and
``<module>.lora_route.weight`` (N, in), and computes ``y += (alpha/r) * sum_i softmax(route(x))_i B_i(A(x))``,
exactly our layer with ``ilora_B = cat_i(B_i)`` along the input dim.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from ..errors import AdapterError, CheckpointError
from .config import ILoraConfig

CONFIG_FILE, WEIGHTS_FILE = "adapter_config.json", "adapter_model.safetensors"
RELEASE_KEY = re.compile(r"^(?P<module>.+)\.(?P<kind>lora_A|lora_B(?P<head>\d+)|lora_route)\.weight$")
WRAPPER_PREFIXES = ("base_model.model.", "module.")


def check_adapter_folder(folder: str | Path) -> dict:
    """The folder's adapter config, after checking it is a complete I-LoRA adapter folder."""
    folder = Path(folder)
    config_file = folder / CONFIG_FILE
    if not config_file.is_file():
        raise AdapterError(f"{folder} has no {CONFIG_FILE}; is it an adapter folder written by save_pretrained?")
    config = json.loads(config_file.read_text())
    peft_type = str(config.get("peft_type"))
    if peft_type != "ILORA":
        raise AdapterError(f"{folder} holds a {peft_type} adapter, not I-LoRA; load it with "
                           "peft.PeftModel.from_pretrained (crab_plus.ilora.load_ilora is for I-LoRA folders).")
    if not (folder / WEIGHTS_FILE).is_file():
        raise AdapterError(f"{folder} has no {WEIGHTS_FILE} (I-LoRA adapters are saved as safetensors).")
    return config


def load_ilora(model: nn.Module, folder: str | Path, adapter_name: str = "default", is_trainable: bool = False):
    """``PeftModel.from_pretrained`` for an I-LoRA folder, after checking the folder holds an I-LoRA adapter.

    Missing adapter weights raise AdapterError inside from_pretrained (``ILoraModel._remap_adapter_state_dict_for_load``).
    """
    from peft import PeftModel

    check_adapter_folder(folder)
    return PeftModel.from_pretrained(model, str(folder), adapter_name=adapter_name, is_trainable=is_trainable)


@dataclass
class AdapterConversionReport:
    modules: int
    num_heads: int
    r: int
    lora_alpha: float
    destination: Path

    def summary(self) -> str:
        return (f"converted {self.modules} adapted modules (N={self.num_heads} heads, r={self.r}, "
                f"alpha={self.lora_alpha:g}) to {self.destination}")


def crab_module_name(release_module: str) -> str:
    """A release module path (thinker naming, possibly under peft/DeepSpeed wrappers) -> the crab-plus name."""
    from ..modeling.convert_omni import crab_key

    name = release_module
    while name.startswith(WRAPPER_PREFIXES):
        for prefix in WRAPPER_PREFIXES:
            name = name.removeprefix(prefix)
    if not name.startswith(("thinker.", "model.", "visual.", "audio_tower.")):
        raise CheckpointError(f"adapter module {release_module!r} is not under the Qwen2.5-Omni thinker.")
    try:
        return crab_key(name + ".weight").removesuffix(".weight")
    except CheckpointError as error:
        raise CheckpointError(f"adapter module {release_module!r}: {error}") from None


def convert_release_adapter(
    src: str | Path, dst: str | Path, *, lora_alpha: float | None = None, lora_dropout: float = 0.1,
    base_model_name_or_path: str | None = None, overwrite: bool = False,
) -> AdapterConversionReport:
    """``finetune_weights.bin`` (release I-LoRA weights, read with weights_only=True) -> an I-LoRA folder.

    ``lora_alpha`` defaults to 2 r, the release's ratio (alpha 256 at r 128).
    """
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise CheckpointError(f"{src} does not exist; pass the released finetune_weights.bin.")
    if dst.exists() and any(dst.iterdir()) and not overwrite:
        raise CheckpointError(f"{dst} exists and is not empty; pass --overwrite to replace its adapter files.")
    try:
        state = torch.load(src, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle errors come in many types
        raise CheckpointError(f"{src} could not be read as a weights-only torch file ({error}).") from None
    modules = _group_release_tensors(state, src)
    heads = {len(parts["B"]) for parts in modules.values()}
    ranks = {parts["A"].shape[0] for parts in modules.values()}
    if len(heads) != 1 or len(ranks) != 1:
        raise CheckpointError(f"{src}: modules differ in head count {sorted(heads)} or rank {sorted(ranks)}.")
    num_heads, r = heads.pop(), ranks.pop()
    tensors = {}
    for module, parts in modules.items():
        prefix = f"base_model.model.{crab_module_name(module)}"
        tensors[f"{prefix}.ilora_A"] = parts["A"].contiguous()
        tensors[f"{prefix}.ilora_B"] = torch.cat([parts["B"][i] for i in range(num_heads)], dim=1).contiguous()
        tensors[f"{prefix}.ilora_router"] = parts["route"].contiguous()
    targets = sorted(crab_module_name(name) for name in modules)  # exact names: only what the release adapted
    config = ILoraConfig(r=r, lora_alpha=lora_alpha if lora_alpha is not None else 2 * r, lora_dropout=lora_dropout,
                         num_heads=num_heads, target_modules=targets, base_model_name_or_path=base_model_name_or_path)
    dst.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(str(dst))
    save_file(tensors, str(dst / WEIGHTS_FILE), metadata={"format": "pt"})
    return AdapterConversionReport(len(modules), num_heads, r, config.lora_alpha, dst)


def _group_release_tensors(state: dict, src: Path) -> dict[str, dict]:
    if not isinstance(state, dict) or not state:
        raise CheckpointError(f"{src} holds no state dict of tensors.")
    modules: dict[str, dict] = {}
    for key, tensor in state.items():
        match = RELEASE_KEY.match(key)
        if match is None or not isinstance(tensor, torch.Tensor):
            raise CheckpointError(f"{src}: key {key!r} is not a release I-LoRA weight "
                                  "(<module>.lora_A.weight, .lora_B<i>.weight or .lora_route.weight).")
        parts = modules.setdefault(match["module"], {"B": {}})
        if match["head"] is not None:
            parts["B"][int(match["head"])] = tensor.float()
        else:
            parts["A" if match["kind"] == "lora_A" else "route"] = tensor.float()
    for module, parts in modules.items():
        heads = sorted(parts["B"])
        if "A" not in parts or "route" not in parts or heads != list(range(len(heads))) or not heads:
            raise CheckpointError(f"{src}: module {module!r} lacks lora_A, lora_route or a contiguous set of "
                                  f"lora_B<i> heads (found B heads {heads}).")
        if parts["route"].shape[0] != len(heads):
            raise CheckpointError(f"{src}: module {module!r} routes {parts['route'].shape[0]} heads but has {len(heads)}.")
    return modules
