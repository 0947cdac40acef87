"""Modality ablation: silence and blank frames on prepared batches (same shapes, so the same token counts), and
the audio or video of another clip of the same task (real AV-Synth clips)."""

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import Qwen2VLImageProcessorPil, WhisperFeatureExtractor

from crab_plus.data import CrabPlusCollator, load_avuie
from crab_plus.data.synth import make_synth
from crab_plus.errors import ConfigError
from crab_plus.evaluation.ablation import ablate_batch, swap_media
from crab_plus.testing import tiny_crab_plus_model, tiny_crab_plus_processor, tiny_model_inputs


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


@pytest.fixture(scope="module")
def ks_samples(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    make_synth(out, n=6, tasks=["ks"], test_fraction=0.5, progress=False)
    return load_avuie(out / "AVUIE_2", "test").by_task()["ks"]


def test_each_sample_takes_the_next_clips_audio_or_video(ks_samples):
    first, second, last = ks_samples[0], ks_samples[1], ks_samples[-1]
    heard = swap_media(ks_samples, 0, "other_audio")
    assert heard.audios == second.audios != first.audios
    assert (heard.videos, heard.ground_truth) == (first.videos, first.ground_truth)  # question and truth stay
    seen = swap_media(ks_samples, 0, "other_video")
    assert (seen.videos, seen.audios) == (second.videos, first.audios)
    assert swap_media(ks_samples, len(ks_samples) - 1, "other_audio").audios == first.audios  # the last takes the first's
    assert swap_media(ks_samples, len(ks_samples) - 1, "other_audio").videos == last.videos
    own_track = [replace(s, audios=[]) for s in ks_samples]  # audio from each clip's own track
    assert swap_media(own_track, 0, "other_video").audios == [first.videos[0]]
    assert swap_media(own_track, 0, "other_audio").audios == [second.videos[0]]
    assert swap_media(ks_samples, 0, "no_audio") is first
    with pytest.raises(ConfigError, match="at least 2 samples of task 'ks'"):
        swap_media(ks_samples[:1], 0, "other_audio")


def test_the_swapped_audio_is_what_the_model_gets(ks_samples):
    collator = CrabPlusCollator(tiny_crab_plus_processor(), padding_side="left")

    def prompt(sample):
        return collator([replace(sample, target=None)])

    swapped, own, other = prompt(swap_media(ks_samples, 0, "other_audio")), prompt(ks_samples[0]), prompt(ks_samples[1])
    assert torch.equal(swapped["input_features"], other["input_features"])
    assert not torch.equal(swapped["input_features"], own["input_features"])
    assert torch.equal(swapped["pixel_values_videos"], own["pixel_values_videos"])
    assert torch.equal(swapped["input_ids"], own["input_ids"])  # clips of one task: same token counts
