"""Registration with the auto classes and save/load round trips."""

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForImageTextToText,
    AutoModelForMultimodalLM,
)

import crab_plus
from crab_plus import CrabPlusConfig, CrabPlusForConditionalGeneration, CrabPlusModel
from crab_plus.errors import ConfigError
from crab_plus.testing import tiny_crab_plus_model


@pytest.fixture(scope="module")
def saved_tiny(tmp_path_factory):
    model = tiny_crab_plus_model(seed=0)
    folder = tmp_path_factory.mktemp("tiny")
    model.save_pretrained(folder)
    return model, folder


def test_import_registers_config_and_models():
    config = AutoConfig.for_model("crab_plus")
    assert isinstance(config, CrabPlusConfig) and config.paradigm == "omni"
    assert type(AutoModel.from_config(crab_plus.testing.tiny_crab_plus_config())) is CrabPlusModel
    for auto_class in (AutoModelForMultimodalLM, AutoModelForImageTextToText):
        assert type(auto_class.from_config(crab_plus.testing.tiny_crab_plus_config())) is CrabPlusForConditionalGeneration


def test_saved_folder_is_safetensors_only_with_crab_plus_type(saved_tiny):
    _, folder = saved_tiny
    names = sorted(p.name for p in folder.iterdir())
    assert "model.safetensors" in names
    assert not [n for n in names if n.endswith((".bin", ".pt", ".pth", ".pkl"))]
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "crab_plus"
    assert config["paradigm"] == "omni"
    assert config["architectures"] == ["CrabPlusForConditionalGeneration"]


@pytest.mark.parametrize("auto_class", [AutoModelForMultimodalLM, AutoModelForImageTextToText])
def test_round_trip_is_bit_identical(saved_tiny, auto_class):
    model, folder = saved_tiny
    loaded = auto_class.from_pretrained(folder)
    assert type(loaded) is CrabPlusForConditionalGeneration
    original = model.state_dict()
    reloaded = loaded.state_dict()
    assert original.keys() == reloaded.keys()
    for key, tensor in original.items():
        assert torch.equal(tensor, reloaded[key]), key
    on_disk = load_file(folder / "model.safetensors")
    assert torch.equal(on_disk["lm_head.weight"], original["lm_head.weight"])


def test_auto_model_loads_the_headless_model_with_the_same_weights(saved_tiny):
    model, folder = saved_tiny
    base = AutoModel.from_pretrained(folder)
    assert type(base) is CrabPlusModel
    for key, tensor in base.state_dict().items():
        assert torch.equal(tensor, model.model.state_dict()[key]), key


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_dtype_is_honoured(saved_tiny, dtype):
    _, folder = saved_tiny
    loaded = AutoModelForMultimodalLM.from_pretrained(folder, dtype=dtype)
    assert {p.dtype for p in loaded.parameters()} == {dtype}


def test_unknown_paradigm_is_a_config_error():
    with pytest.raises(ConfigError, match="paradigm"):
        CrabPlusConfig(paradigm="modular-v9")


def test_config_round_trip_keeps_token_ids(saved_tiny, tmp_path):
    model, _ = saved_tiny
    model.config.save_pretrained(tmp_path)
    again = AutoConfig.from_pretrained(tmp_path)
    for name in ("video_token_id", "audio_token_id", "image_token_id", "vision_start_token_id",
                 "vision_end_token_id", "audio_start_token_id"):
        assert getattr(again, name) == getattr(model.config, name)


def test_patch_embedding_as_a_matrix_product_equals_the_thinkers_conv3d():
    from transformers.models.qwen2_5_omni.modeling_qwen2_5_omni import Qwen2_5_VisionPatchEmbed

    model = tiny_crab_plus_model(seed=0)
    ours = model.model.visual.patch_embed
    assert "model.visual.patch_embed.proj.weight" in dict(model.named_parameters())  # checkpoints keep the name
    conv = Qwen2_5_VisionPatchEmbed(ours.patch_size, ours.temporal_patch_size, ours.in_channels, ours.embed_dim)
    conv.proj.weight.data.copy_(ours.proj.weight.data)
    patches = torch.randn(37, ours.in_channels * ours.temporal_patch_size * ours.patch_size**2)
    expected, got = conv(patches), ours(patches)
    assert got.shape == (37, ours.embed_dim) and torch.allclose(got, expected, atol=1e-5)
    expected.square().sum().backward()
    got.square().sum().backward()
    assert torch.allclose(ours.proj.weight.grad, conv.proj.weight.grad, rtol=1e-4, atol=1e-4)
