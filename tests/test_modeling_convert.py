"""`crab-plus convert omni`: released Qwen2.5-Omni folders -> crab-plus folders."""

import json

import pytest
import torch
from transformers import AutoModelForMultimodalLM, AutoTokenizer

from crab_plus.cli import main
from crab_plus.errors import CheckpointError
from crab_plus.modeling.convert_omni import convert_omni_checkpoint, crab_key
from crab_plus.testing import (
    release_key,
    tiny_crab_plus_config,
    tiny_crab_plus_model,
    tiny_model_inputs,
    tiny_tokenizer,
    write_omni_release_checkpoint,
)


@pytest.fixture(scope="module")
def reference():
    """A seeded tiny model: its weights go into released-layout checkpoints, its logits are the truth."""
    tokenizer = tiny_tokenizer()
    model = tiny_crab_plus_model(seed=7, config=tiny_crab_plus_config(tokenizer))
    inputs = tiny_model_inputs(model.config, seed=1)
    with torch.no_grad():
        logits = model(**inputs).logits
    return model, tokenizer, inputs, logits


def released_tensors(model, with_talker=True):
    for key, tensor in model.state_dict().items():
        yield release_key(key), tensor
    if with_talker:
        generator = torch.Generator().manual_seed(0)
        yield "talker.model.layers.0.mlp.up_proj.weight", torch.randn(64, 32, generator=generator)
        yield "talker.codec_head.weight", torch.randn(16, 64, generator=generator)
        yield "token2wav.code2wav_dit_model.time_embed.weight", torch.randn(8, 8, generator=generator)


@pytest.fixture()
def full_release(tmp_path, reference):
    model, tokenizer, _, _ = reference
    src = tmp_path / "Qwen2.5-Omni"
    write_omni_release_checkpoint(src, model.config, released_tensors(model), max_shard_bytes=300_000)
    tokenizer.save_pretrained(src)
    return src


def test_full_release_converts_and_gives_the_same_logits(tmp_path, full_release, reference):
    model, _, inputs, logits = reference
    index = json.loads((full_release / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) >= 3  # really sharded
    dst = tmp_path / "crab"
    report = convert_omni_checkpoint(full_release, dst, max_shard_size="400KB")
    assert report.tensors_dropped == 3
    assert report.tensors_written == len(model.state_dict())
    assert len(report.shards) >= 2 and (dst / "model.safetensors.index.json").is_file()
    config = json.loads((dst / "config.json").read_text())
    assert config["model_type"] == "crab_plus" and config["paradigm"] == "omni"
    assert (dst / "generation_config.json").is_file()
    assert "tokenizer_config.json" in report.copied_files
    loaded = AutoModelForMultimodalLM.from_pretrained(dst)
    with torch.no_grad():
        assert torch.equal(loaded(**inputs).logits, logits)
    assert AutoTokenizer.from_pretrained(dst).convert_tokens_to_ids("<|VIDEO|>") == loaded.config.video_token_id
    assert not [p for p in tmp_path.iterdir() if "converting" in p.name]  # the temporary folder is gone


def test_thinker_only_folder_converts(tmp_path, reference):
    model, _, inputs, logits = reference
    src = tmp_path / "thinker"
    write_omni_release_checkpoint(src, model.config, released_tensors(model, with_talker=False), thinker_only=True)
    dst = tmp_path / "crab"
    convert_omni_checkpoint(src, dst)
    assert (dst / "model.safetensors").is_file()
    with torch.no_grad():
        assert torch.equal(AutoModelForMultimodalLM.from_pretrained(dst)(**inputs).logits, logits)


def test_cli_convert_omni(tmp_path, full_release, capsys):
    assert main(["convert", "omni", str(full_release), str(tmp_path / "out")]) == 0
    assert "dropped 3 talker/token2wav tensors" in capsys.readouterr().out
    assert main(["convert", "omni", str(full_release), str(tmp_path / "out")]) == 2  # DST exists
    assert "exists" in capsys.readouterr().err


def test_key_mapping_covers_every_layout():
    assert crab_key("thinker.model.layers.0.mlp.up_proj.weight") == "model.language_model.layers.0.mlp.up_proj.weight"
    assert crab_key("model.embed_tokens.weight") == "model.language_model.embed_tokens.weight"
    assert crab_key("thinker.visual.blocks.0.attn.qkv.weight") == "model.visual.blocks.0.attn.qkv.weight"
    assert crab_key("audio_tower.conv1.weight") == "model.audio_tower.conv1.weight"
    assert crab_key("model.language_model.norm.weight") == "model.language_model.norm.weight"
    assert crab_key("thinker.lm_head.weight") == "lm_head.weight"
    assert crab_key("talker.model.norm.weight") is None and crab_key("token2wav.x") is None
    with pytest.raises(CheckpointError, match="not a Qwen2.5-Omni thinker weight"):
        crab_key("encoder.block.0.weight")


def test_not_an_omni_folder(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    with pytest.raises(CheckpointError, match="model_type 'llama'"):
        convert_omni_checkpoint(tmp_path, tmp_path / "out")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CheckpointError, match="no config.json"):
        convert_omni_checkpoint(empty, tmp_path / "x")
    with pytest.raises(CheckpointError, match="not a folder"):
        convert_omni_checkpoint(tmp_path / "nowhere", tmp_path / "y")


def test_crab_plus_folder_is_refused_with_advice(tmp_path):
    tiny_crab_plus_model().save_pretrained(tmp_path / "crab")
    with pytest.raises(CheckpointError, match="already a crab-plus checkpoint"):
        convert_omni_checkpoint(tmp_path / "crab", tmp_path / "out")


def test_missing_backbone_config(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen2_5_omni", "thinker_config": {}}))
    with pytest.raises(CheckpointError, match="text_config/vision_config/audio_config"):
        convert_omni_checkpoint(tmp_path, tmp_path / "out")


def test_missing_shard(full_release, tmp_path):
    index = json.loads((full_release / "model.safetensors.index.json").read_text())
    victim = sorted(set(index["weight_map"].values()))[1]
    (full_release / victim).unlink()
    with pytest.raises(CheckpointError, match=f"missing: {victim}"):
        convert_omni_checkpoint(full_release, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_truncated_shard_leaves_no_destination(full_release, tmp_path):
    index = json.loads((full_release / "model.safetensors.index.json").read_text())
    victim = full_release / sorted(set(index["weight_map"].values()))[-1]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        convert_omni_checkpoint(full_release, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if "converting" in p.name]


def test_weights_that_do_not_match_the_config(tmp_path, reference):
    model, _, _, _ = reference
    tensors = [(k, v) for k, v in released_tensors(model) if "layers.1." not in k]
    write_omni_release_checkpoint(tmp_path / "src", model.config, tensors)
    with pytest.raises(CheckpointError, match="missing weights"):
        convert_omni_checkpoint(tmp_path / "src", tmp_path / "out")
    assert not (tmp_path / "out").exists()
