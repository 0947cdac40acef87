"""Modality ablation, two kinds.

Blanking (``no_audio``, ``no_video``; ``--ablate audio|video``) changes a prepared batch: the prompt keeps exactly
the same tokens and only the encoder inputs change, so the model sees the same number of audio / video tokens,
computed from silent audio or blank frames. Silence is the log-mel of an all-zero waveform as the processor's own
feature extractor computes it; a blank frame is the processor's own image processor applied to a black image
(every patch row of a black frame is the same row). Both are constant inputs a model may never have met.

Swapping (``other_audio``, ``other_video``; ``--ablate other-audio|other-video``) changes the samples before they
are prepared: each sample keeps its question and one modality, and takes the other from the next sample of the
same task (the last takes the first's). The input stays in the training distribution; only the pairing is
wrong, so a model that ignores the swapped modality keeps its score and one that uses it falls toward chance.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
import torch

from ..data.sample import Sample
from ..errors import ConfigError

MODES = ("both", "no_audio", "no_video", "other_audio", "other_video")
ABLATE_TO_MODE = {"audio": "no_audio", "video": "no_video", "other-audio": "other_audio", "other-video": "other_video"}
SWAP_MODES = ("other_audio", "other_video")


def _audio_of(sample: Sample) -> list[str]:
    """The sample's audio inputs; an empty list means the clip's own track, so name the clip itself."""
    return list(sample.audios) if sample.audios else list(sample.videos[:1])


def swap_media(samples: Sequence[Sample], index: int, mode: str) -> Sample:
    """``samples[index]`` with its audio (``other_audio``) or its visual input and frame index (``other_video``)
    taken from the next sample of the same task; other modes return it unchanged."""
    sample = samples[index]
    if mode not in SWAP_MODES:
        return sample
    if len(samples) < 2:
        raise ConfigError(f"--ablate {mode.replace('_', '-')} needs at least 2 samples of task {sample.task!r} "
                          "(each takes the next one's media); evaluate more samples or drop that ablation.")
    other = samples[(index + 1) % len(samples)]
    if mode == "other_audio":
        return replace(sample, audios=_audio_of(other))
    return replace(sample, videos=list(other.videos), frame_idx=other.frame_idx, audios=_audio_of(sample))


def _silence_value(feature_extractor) -> float:
    rate = getattr(feature_extractor, "sampling_rate", 16000)
    features = feature_extractor(np.zeros(rate // 10, dtype=np.float32), sampling_rate=rate,
                                 return_tensors="np")["input_features"]
    return float(features.reshape(-1)[0])  # all-zero audio gives one constant log-mel value


def _blank_patch_row(image_processor) -> torch.Tensor:
    from PIL import Image

    patch = getattr(image_processor, "patch_size", 14) * getattr(image_processor, "merge_size", 2)
    black = Image.new("RGB", (patch * 2, patch * 2))
    pixels = image_processor(images=[black], return_tensors="pt")["pixel_values"]  # (patches, C*T*P*P)
    return pixels[0]


def ablate_batch(batch: dict, mode: str, processor) -> dict:
    """A copy of ``batch`` with the audio (``no_audio``) or the visual input (``no_video``) blanked; the swap
    modes leave the batch as it is (see :func:`swap_media`)."""
    if mode not in MODES:
        raise ValueError(f"unknown ablation mode {mode!r}; use one of {', '.join(MODES)}.")
    batch = dict(batch)
    if mode == "no_audio" and "input_features" in batch:
        batch["input_features"] = torch.full_like(batch["input_features"], _silence_value(processor.feature_extractor))
    if mode == "no_video":
        row = _blank_patch_row(processor.image_processor)
        for key in ("pixel_values_videos", "pixel_values"):
            if key in batch:
                values = batch[key]  # (patches, C*T*P*P)
                batch[key] = row.to(values.dtype).expand_as(values).clone()
    return batch
