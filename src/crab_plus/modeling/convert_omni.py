"""Convert a released Qwen2.5-Omni checkpoint (full model or thinker only) to a crab-plus folder.

The conversion streams: it reads one tensor at a time from the source shards, renames it, and writes output
shards of at most ``max_shard_size`` bytes, so the peak memory is about one output shard, not the checkpoint.
Talker and token2wav weights are dropped. Everything is written to a temporary folder beside DST that is
renamed to DST only after the key set has been checked against a CrabPlusForConditionalGeneration built on
the meta device: an interrupted or failed conversion never leaves a DST that loads.

Key layouts understood (thinker weights):
  Hub release / transformers<5 save    thinker.model.layers.*  thinker.visual.*  thinker.audio_tower.*  thinker.lm_head.*
  thinker-only folder                  the same without the ``thinker.`` prefix
  transformers 5 module tree           model.language_model.*  model.visual.*  model.audio_tower.*  lm_head.*
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ..errors import CheckpointError
from .configuration_crab_plus import CrabPlusConfig

DROPPED_PREFIXES = ("talker.", "token2wav.")
OMNI_MODEL_TYPES = ("qwen2_5_omni", "qwen2_5_omni_thinker")
# Files copied as they are when present: tokenizer and feature/image processor settings.
PROCESSING_FILES = (
    "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "special_tokens_map.json",
    "added_tokens.json", "chat_template.json", "chat_template.jinja", "preprocessor_config.json",
)


@dataclass
class ConversionReport:
    dst: Path
    tensors_written: int = 0
    tensors_dropped: int = 0
    bytes_written: int = 0
    shards: list[str] = field(default_factory=list)
    copied_files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"wrote {self.tensors_written} tensors ({self.bytes_written / 1e9:.2f} GB) in {len(self.shards)} "
            f"shard(s) to {self.dst}; dropped {self.tensors_dropped} talker/token2wav tensors; "
            f"copied {', '.join(self.copied_files) or 'no processing files'}"
        )


def parse_size(size: int | str) -> int:
    """'2GB' / '500MB' / '10KB' / 1234 -> bytes."""
    if isinstance(size, int):
        return size
    text = size.strip().upper()
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3), ("B", 1)):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def crab_key(key: str) -> str | None:
    """Source key -> crab-plus key, or None for weights that Crab+ does not use (talker, token2wav)."""
    if key.startswith(DROPPED_PREFIXES):
        return None
    key = key.removeprefix("thinker.")
    if key.startswith(("lm_head.", "model.language_model.", "model.visual.", "model.audio_tower.")):
        return key
    if key.startswith(("visual.", "audio_tower.")):
        return "model." + key
    if key.startswith("model."):
        return "model.language_model." + key.removeprefix("model.")
    raise CheckpointError(
        f"tensor {key!r} is not a Qwen2.5-Omni thinker weight (expected thinker.*, model.*, visual.*, "
        "audio_tower.*, lm_head.*, talker.* or token2wav.*). Is SRC a Qwen2.5-Omni checkpoint?"
    )


def read_thinker_config(src: Path) -> CrabPlusConfig:
    """config.json of a full Omni model (thinker_config inside) or of a thinker -> CrabPlusConfig."""
    config_file = src / "config.json"
    if not config_file.is_file():
        raise CheckpointError(f"{src} has no config.json; SRC must be a Qwen2.5-Omni checkpoint folder.")
    config = json.loads(config_file.read_text())
    model_type = config.get("model_type")
    if model_type == CrabPlusConfig.model_type:
        raise CheckpointError(f"{src} is already a crab-plus checkpoint; load it with AutoModelForMultimodalLM.")
    if model_type not in OMNI_MODEL_TYPES:
        raise CheckpointError(
            f"{src}/config.json has model_type {model_type!r}; expected one of {OMNI_MODEL_TYPES} "
            "(a Qwen2.5-Omni model or its thinker)."
        )
    thinker = config.get("thinker_config", {}) if model_type == "qwen2_5_omni" else config
    if not thinker.get("text_config") or not thinker.get("vision_config") or not thinker.get("audio_config"):
        raise CheckpointError(
            f"{config_file} lacks the thinker's text_config/vision_config/audio_config; the backbone config is "
            "missing or truncated."
        )
    thinker = {k: v for k, v in thinker.items() if k not in ("model_type", "architectures", "transformers_version")}
    thinker["paradigm"] = "omni"
    crab_config = CrabPlusConfig.from_dict(thinker)
    crab_config.architectures = ["CrabPlusForConditionalGeneration"]
    return crab_config


def source_shards(src: Path) -> list[Path]:
    """The safetensors files of SRC, from its index when it has one; missing shards are an error."""
    index_file = src / "model.safetensors.index.json"
    if index_file.is_file():
        weight_map = json.loads(index_file.read_text()).get("weight_map", {})
        names = sorted(set(weight_map.values()))
        missing = [name for name in names if not (src / name).is_file()]
        if missing:
            raise CheckpointError(
                f"{index_file.name} in {src} lists {len(names)} shards but {len(missing)} are missing: "
                f"{', '.join(missing[:5])}. Download the complete checkpoint."
            )
        return [src / name for name in names]
    single = src / "model.safetensors"
    if single.is_file():
        return [single]
    if list(src.glob("*.bin")) or list(src.glob("*.pt")):
        raise CheckpointError(f"{src} holds only pickle weights; crab-plus converts safetensors checkpoints only.")
    raise CheckpointError(f"{src} has no model.safetensors or model.safetensors.index.json.")


def expected_keys(config: CrabPlusConfig) -> set[str]:
    """State-dict keys of a CrabPlusForConditionalGeneration for ``config``, built without memory (meta)."""
    from .modeling_crab_plus import CrabPlusForConditionalGeneration

    with torch.device("meta"):
        model = CrabPlusForConditionalGeneration(config)
    return set(model.state_dict().keys())


class ShardWriter:
    """Collect tensors and flush them to numbered safetensors files of at most ``max_bytes`` each."""

    def __init__(self, folder: Path, max_bytes: int):
        self.folder, self.max_bytes = folder, max_bytes
        self.pending: dict[str, torch.Tensor] = {}
        self.pending_bytes = 0
        self.files: list[tuple[str, list[str]]] = []  # (temporary file name, keys)

    def add(self, key: str, tensor: torch.Tensor) -> None:
        size = tensor.numel() * tensor.element_size()
        if self.pending and self.pending_bytes + size > self.max_bytes:
            self.flush()
        self.pending[key] = tensor.contiguous()
        self.pending_bytes += size

    def flush(self) -> None:
        if not self.pending:
            return
        name = f"part-{len(self.files):05d}.safetensors"
        save_file(self.pending, str(self.folder / name), metadata={"format": "pt"})
        self.files.append((name, list(self.pending)))
        self.pending, self.pending_bytes = {}, 0

    def finish(self) -> list[str]:
        """Rename parts to model-0000i-of-0000n.safetensors (or model.safetensors) and write the index."""
        self.flush()
        total = len(self.files)
        if total == 1:
            os.replace(self.folder / self.files[0][0], self.folder / "model.safetensors")
            return ["model.safetensors"]
        weight_map, names = {}, []
        for i, (part, keys) in enumerate(self.files, start=1):
            name = f"model-{i:05d}-of-{total:05d}.safetensors"
            os.replace(self.folder / part, self.folder / name)
            names.append(name)
            weight_map.update(dict.fromkeys(keys, name))
        size = sum((self.folder / n).stat().st_size for n in names)
        index = {"metadata": {"total_size": size}, "weight_map": dict(sorted(weight_map.items()))}
        (self.folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
        return names


def convert_omni_checkpoint(
    src: str | os.PathLike, dst: str | os.PathLike, *, max_shard_size: int | str = "2GB", overwrite: bool = False
) -> ConversionReport:
    """Convert SRC (Qwen2.5-Omni full or thinker-only folder) into a crab-plus folder DST."""
    from transformers import GenerationConfig

    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise CheckpointError(f"SRC {src} is not a folder.")
    if dst.exists() and not overwrite:
        raise CheckpointError(f"DST {dst} exists; choose a new folder or pass overwrite=True (--overwrite).")
    config = read_thinker_config(src)
    shards = source_shards(src)
    wanted = expected_keys(config)

    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.converting-", dir=dst.parent))
    report = ConversionReport(dst=dst)
    try:
        writer = ShardWriter(tmp, parse_size(max_shard_size))
        seen: set[str] = set()
        for shard in shards:
            try:
                handle = safe_open(str(shard), framework="pt")
            except Exception as error:  # safetensors raises its own error types for truncated headers
                raise CheckpointError(f"shard {shard} cannot be read ({error}); it is truncated or corrupt.") from error
            with handle:
                for key in handle.keys():
                    new_key = crab_key(key)
                    if new_key is None:
                        report.tensors_dropped += 1
                        continue
                    try:
                        tensor = handle.get_tensor(key)
                    except Exception as error:
                        raise CheckpointError(
                            f"tensor {key!r} in shard {shard} cannot be read ({error}); the shard is truncated."
                        ) from error
                    writer.add(new_key, tensor)
                    seen.add(new_key)
                    report.tensors_written += 1
                    report.bytes_written += tensor.numel() * tensor.element_size()
        missing, unexpected = sorted(wanted - seen), sorted(seen - wanted)
        if missing or unexpected:
            raise CheckpointError(
                f"SRC {src} does not match its config: {len(missing)} missing weights "
                f"(e.g. {missing[:3]}) and {len(unexpected)} unexpected weights (e.g. {unexpected[:3]})."
            )
        report.shards = writer.finish()
        config.save_pretrained(tmp)
        if (src / "generation_config.json").is_file():
            generation_config = GenerationConfig.from_pretrained(src)
        else:
            generation_config = GenerationConfig.from_model_config(config)
        generation_config.save_pretrained(tmp)
        for name in PROCESSING_FILES:
            if (src / name).is_file():
                shutil.copy2(src / name, tmp / name)
                report.copied_files.append(name)
        if dst.exists():
            shutil.rmtree(dst)
        os.replace(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report
