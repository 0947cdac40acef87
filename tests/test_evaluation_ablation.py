"""Modality ablation on prepared batches: silence and blank frames, same shapes (so the same token counts)."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import Qwen2VLImageProcessorPil, WhisperFeatureExtractor

from crab_plus.evaluation.ablation import ablate_batch
from crab_plus.testing import tiny_crab_plus_model, tiny_model_inputs


@pytest.fixture(scope="module")
def components():
    # the processor's own sub-processors: Whisper log-mel (128 bins) and the Qwen2-VL image processor
    return SimpleNamespace(feature_extractor=WhisperFeatureExtractor(feature_size=128),
                           image_processor=Qwen2VLImageProcessorPil())


def test_no_audio_is_the_log_mel_of_silence(components):
    batch = tiny_model_inputs(tiny_crab_plus_model().config, seed=1)
    ablated = ablate_batch(batch, "no_audio", components)
    silent = components.feature_extractor(np.zeros(8000), sampling_rate=16000, return_tensors="pt")["input_features"]
    assert ablated["input_features"].shape == batch["input_features"].shape
    assert torch.allclose(ablated["input_features"], silent[..., : batch["input_features"].shape[-1]])
    assert torch.equal(ablated["pixel_values_videos"], batch["pixel_values_videos"])
    assert torch.equal(ablated["input_ids"], batch["input_ids"])  # same prompt, same token counts


def test_no_video_is_a_black_frame(components):
    model = tiny_crab_plus_model()
    batch = tiny_model_inputs(model.config, seed=1)
    ablated = ablate_batch(batch, "no_video", components)
    black = components.image_processor(images=[Image.new("RGB", (56, 56))], return_tensors="pt")["pixel_values"]
    assert ablated["pixel_values_videos"].shape == batch["pixel_values_videos"].shape
    assert torch.allclose(ablated["pixel_values_videos"], black[0].expand_as(batch["pixel_values_videos"]))
    assert torch.equal(ablated["input_features"], batch["input_features"])
    with torch.no_grad():  # the ablated batch still runs through the model and changes its output
        assert not torch.allclose(model(**batch).logits, model(**ablated).logits)
    with pytest.raises(ValueError, match="unknown ablation mode"):
        ablate_batch(batch, "no_text", components)
