"""Frames -> the Qwen2.5-Omni vision encoder's patch rows, in numpy (no torchvision).

The layout is Qwen2-VL's: a clip of T frames (T padded to a multiple of ``temporal_patch_size`` by repeating the
last frame) becomes ``grid_t * grid_h * grid_w`` rows of ``3 * temporal * patch * patch`` values, ordered so that
each ``merge x merge`` block of patches is contiguous (the encoder merges them into one token).
"""

from __future__ import annotations

import numpy as np


def normalized(frames: np.ndarray, mean, std, rescale: float = 1 / 255) -> np.ndarray:
    """(T, H, W, 3) uint8 -> (T, 3, H, W) float32, rescaled and normalised per channel."""
    scale = (rescale / np.asarray(std, np.float32)).astype(np.float32)
    shift = (np.asarray(mean, np.float32) / np.asarray(std, np.float32)).astype(np.float32)
    out = frames.astype(np.float32) * scale - shift  # (T, H, W, 3)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def video_patches(
    frames: np.ndarray, *, mean, std, patch_size: int = 14, temporal_patch_size: int = 2, merge_size: int = 2,
    rescale: float = 1 / 255,
) -> tuple[np.ndarray, np.ndarray]:
    """(T, H, W, 3) uint8 frames (H, W multiples of patch_size * merge_size) ->
    (pixel rows (grid_t * grid_h * grid_w, 3 * temporal * patch**2) float32, grid_thw (3,) int64)."""
    count, height, width = frames.shape[:3]
    factor = patch_size * merge_size
    if height % factor or width % factor:
        raise ValueError(f"frame size {height}x{width} is not a multiple of {factor}")
    if count % temporal_patch_size:
        repeat = temporal_patch_size - count % temporal_patch_size
        frames = np.concatenate([frames, np.repeat(frames[-1:], repeat, axis=0)])
    pixels = normalized(frames, mean, std, rescale)  # (T, C, H, W)
    grid_t, grid_h, grid_w = len(pixels) // temporal_patch_size, height // patch_size, width // patch_size
    channels = pixels.shape[1]
    patches = pixels.reshape(grid_t, temporal_patch_size, channels, grid_h // merge_size, merge_size, patch_size,
                             grid_w // merge_size, merge_size, patch_size)
    # -> (grid_t, gh/m, gw/m, m, m, C, temporal, patch, patch)
    patches = patches.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    rows = patches.reshape(grid_t * grid_h * grid_w, channels * temporal_patch_size * patch_size * patch_size)
    return np.ascontiguousarray(rows), np.array([grid_t, grid_h, grid_w], dtype=np.int64)


def token_count(grid_thw: np.ndarray, merge_size: int = 2) -> int:
    """Placeholder tokens the vision encoder fills for one grid (merge x merge patches per token)."""
    return int(np.prod(grid_thw)) // merge_size**2
