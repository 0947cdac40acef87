"""Our numpy patchifier against transformers' Qwen2-VL PIL image processor (the layout the vision encoder reads)."""

import numpy as np
import pytest
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

from crab_plus.processing.patches import token_count, video_patches


@pytest.mark.parametrize("size", [56, 224])
def test_one_frame_matches_the_image_processor(size):
    ip = Qwen2VLImageProcessorPil()
    image = np.random.RandomState(size).randint(0, 256, (size, size, 3), dtype=np.uint8)
    reference = ip(images=[image], return_tensors="np")
    rows, grid = video_patches(image[None], mean=ip.image_mean, std=ip.image_std)
    assert rows.shape == reference["pixel_values"].shape
    np.testing.assert_allclose(rows, reference["pixel_values"], atol=1e-5)
    assert grid.tolist() == reference["image_grid_thw"][0].tolist()
    assert token_count(grid) == (size // 28) ** 2


def test_frame_pairs_are_temporal_patches_and_an_odd_count_repeats_the_last_frame():
    ip = Qwen2VLImageProcessorPil()
    frames = np.random.RandomState(1).randint(0, 256, (3, 56, 56, 3), dtype=np.uint8)
    rows, grid = video_patches(frames, mean=ip.image_mean, std=ip.image_std)
    assert grid.tolist() == [2, 4, 4] and rows.shape == (32, 3 * 2 * 14 * 14)
    # The second temporal patch is frame 2 twice: exactly the single-image rows of frame 2.
    single = ip(images=[frames[2]], return_tensors="np")["pixel_values"]
    np.testing.assert_allclose(rows[16:], single, atol=1e-5)
    # In the first, each row holds frame 0 then frame 1 for every channel: (3, 2, 14, 14).
    first = rows[:16].reshape(16, 3, 2, 14, 14)
    assert not np.allclose(first[:, :, 0], first[:, :, 1])


def test_sizes_that_do_not_tile_are_refused():
    with pytest.raises(ValueError, match="multiple of 28"):
        video_patches(np.zeros((2, 50, 56, 3), np.uint8), mean=(0, 0, 0), std=(1, 1, 1))
