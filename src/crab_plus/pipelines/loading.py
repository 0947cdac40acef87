"""Loading a Crab+ for inference, with its adapter: a model folder, an adapter folder, or a *packaged* model.

A packaged model is a crab-plus model folder (config, weights, processor) that carries its trained adapter in the
``adapter/`` subfolder, so one folder is the whole model (the model shipped with the package is one). The plain
``AutoModelForMultimodalLM.from_pretrained(folder)`` gives its backbone; the pipeline, ``crab-plus evaluate`` and
``crab-plus ask`` add the adapter. ``crab-plus package BASE ADAPTER OUT`` writes one from a training run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..errors import CheckpointError, ConfigError

ADAPTER_SUBFOLDER = "adapter"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")
MODEL_FILES = ("config.json", "generation_config.json", "model.safetensors")


def packaged_adapter(folder: str | Path) -> Path | None:
    """The ``adapter/`` subfolder of a packaged model folder, or None when it has none."""
    adapter = Path(folder) / ADAPTER_SUBFOLDER
    return adapter if (adapter / "adapter_config.json").is_file() else None


def attach_packaged_adapter(model):
    """``model`` wrapped with the adapter its folder (``model.name_or_path``) carries; unchanged otherwise."""
    from peft import PeftModel

    folder = getattr(model, "name_or_path", "")
    adapter = packaged_adapter(folder) if folder and not isinstance(model, PeftModel) else None
    if adapter is None:
        return model
    return PeftModel.from_pretrained(model, str(adapter)).eval()


def load_model_for_inference(path: str):
    """-> (model, processor). ``path``: a model folder (with its ``adapter/`` when packaged), an adapter folder
    whose adapter_config.json names its base model, or "tiny" (the tiny random model)."""
    if path == "tiny":
        from ..testing import tiny_crab_plus

        model, processor = tiny_crab_plus(seed=0)
        return model.eval(), processor
    folder = Path(path)
    if not folder.is_dir():
        raise ConfigError(f"model {path!r} is not a folder; give a crab-plus model or adapter folder.")
    from transformers import AutoModelForMultimodalLM, AutoProcessor

    adapter_config = folder / "adapter_config.json"
    if adapter_config.is_file():
        from peft import PeftModel

        base = json.loads(adapter_config.read_text()).get("base_model_name_or_path")
        if not base:
            raise ConfigError(f"{adapter_config} does not name its base model (base_model_name_or_path).")
        model = PeftModel.from_pretrained(AutoModelForMultimodalLM.from_pretrained(base), str(folder))
        processor_folder = folder if (folder / "processor_config.json").is_file() else Path(base)
        return model.eval(), AutoProcessor.from_pretrained(processor_folder)
    model = attach_packaged_adapter(AutoModelForMultimodalLM.from_pretrained(str(folder)))
    return model.eval(), AutoProcessor.from_pretrained(str(folder))


def package_model(base: str | Path, adapter: str | Path, out: str | Path) -> Path:
    """Write a packaged model: ``base``'s model and processor files, and ``adapter``'s files in ``out/adapter``.

    The copied adapter_config.json names no absolute base path (the folder itself is the base).
    """
    base, adapter, out = Path(base), Path(adapter), Path(out)
    missing = [str(base / f) for f in ("config.json", "model.safetensors", "processor_config.json")
               if not (base / f).is_file()]
    missing += [str(adapter / f) for f in ADAPTER_FILES if not (adapter / f).is_file()]
    if missing:
        raise CheckpointError(f"cannot package: missing {', '.join(missing)}; BASE must be a crab-plus model folder "
                              "with its processor and ADAPTER a `crab-plus train` output folder.")
    from transformers import AutoProcessor

    (out / ADAPTER_SUBFOLDER).mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        if (base / name).is_file():
            shutil.copyfile(base / name, out / name)
    AutoProcessor.from_pretrained(base).save_pretrained(out)  # tokenizer, processor config, chat template
    shutil.copyfile(adapter / "adapter_model.safetensors", out / ADAPTER_SUBFOLDER / "adapter_model.safetensors")
    if (adapter / "crab_plus_training.json").is_file():  # task keys in task-id order (the "task" router's ids)
        shutil.copyfile(adapter / "crab_plus_training.json", out / "crab_plus_training.json")
    config = json.loads((adapter / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = None  # the packaged folder is the base
    (out / ADAPTER_SUBFOLDER / "adapter_config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    return out
