"""Modality ablation: remove the audio (silence) or the vision (black frames) of a prepared batch.

The prompt keeps exactly the same tokens: only the encoder inputs change, so the model sees the same number
of audio / video tokens, computed from silent audio or blank frames. Silence is the log-mel of an all-zero
waveform as the processor's own feature extractor computes it; a blank frame is the processor's own image
processor applied to a black image (every patch row of a black frame is the same row).
"""

from __future__ import annotations


import numpy as np
import torch

MODES = ("both", "no_audio", "no_video")
ABLATE_TO_MODE = {"audio": "no_audio", "video": "no_video"}


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
    """A copy of ``batch`` with the audio (``no_audio``) or the visual input (``no_video``) blanked."""
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
