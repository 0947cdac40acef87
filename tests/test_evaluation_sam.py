"""The segmentation second stage with tiny random SAM and SAM2 models."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from transformers import Sam2Model

from crab_plus.evaluation.sam_masks import SamMaskPredictor
from crab_plus.testing import tiny_sam, tiny_sam2


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 60, size=(90, 160, 3), dtype=np.uint8)
    image[20:60, 40:100] = (220, 40, 40)  # a red object
    return image


@pytest.mark.parametrize("build", [tiny_sam, tiny_sam2])
def test_mask_has_the_frame_size_and_depends_on_the_prompt(build, frame):
    predictor = SamMaskPredictor(build())
    mask = predictor.predict(frame, box=[40, 20, 100, 60], points=[[60, 30], [70, 40], [80, 50]])
    assert mask.shape == frame.shape[:2] and mask.dtype == bool
    again = predictor.predict(frame, box=[40, 20, 100, 60], points=[[60, 30], [70, 40], [80, 50]])
    assert np.array_equal(mask, again)
    logits = []
    hook = predictor.model.register_forward_hook(lambda m, a, out: logits.append(out.pred_masks.clone()))
    predictor.predict(frame, box=[40, 20, 100, 60])
    predictor.predict(frame, box=[0, 0, 30, 20])
    hook.remove()
    assert not torch.equal(logits[0], logits[1])


def test_prompts_are_scaled_from_frame_pixels_to_the_model_input(frame):
    predictor = SamMaskPredictor(tiny_sam())
    seen = {}
    predictor.model.register_forward_pre_hook(lambda m, a, kw: seen.update(kw), with_kwargs=True)
    predictor.predict(frame, box=[40, 20, 100, 60], points=[[80, 45]])
    # frame is 160 wide and 90 high, the model input is 128 x 128
    assert torch.allclose(seen["input_boxes"], torch.tensor([[[40 * 0.8, 20 * 128 / 90, 100 * 0.8, 60 * 128 / 90]]]))
    assert torch.allclose(seen["input_points"], torch.tensor([[[[64.0, 64.0]]]]))
    assert seen["input_labels"].tolist() == [[[1]]]
    assert seen["pixel_values"].shape == (1, 3, 128, 128)


def test_answers_in_224_space_are_rescaled_and_false_gives_an_empty_mask(frame):
    predictor = SamMaskPredictor(tiny_sam())
    seen = {}
    predictor.model.register_forward_pre_hook(lambda m, a, kw: seen.update(kw), with_kwargs=True)
    answer = SimpleNamespace(exists=True, box=(56, 56, 168, 168), points=[(112, 112)] * 3)
    mask = predictor.predict_answer(frame, answer)
    assert mask.shape == (90, 160)
    # 224 -> 160 x 90 frame -> 128 x 128 input: x * 160/224 * 128/160 = x * 128/224
    assert torch.allclose(seen["input_boxes"], torch.tensor([[[32.0, 32.0, 96.0, 96.0]]]))
    seen.clear()
    absent = predictor.predict_answer(frame, SimpleNamespace(exists=False, box=None, points=None))
    assert not absent.any() and absent.shape == (90, 160) and not seen
    unparsed = predictor.predict_answer(frame, SimpleNamespace(reason="no box in text"))
    assert not unparsed.any()


def test_a_prompt_is_required(frame):
    with pytest.raises(ValueError, match="needs a box or at least one point"):
        SamMaskPredictor(tiny_sam()).predict(frame)


def test_from_pretrained_loads_through_auto_model(tmp_path, frame):
    model = tiny_sam2()
    model.save_pretrained(tmp_path)
    predictor = SamMaskPredictor.from_pretrained(str(tmp_path))
    assert isinstance(predictor.model, Sam2Model)
    expected = SamMaskPredictor(model).predict(frame, box=[40, 20, 100, 60])
    assert np.array_equal(predictor.predict(frame, box=[40, 20, 100, 60]), expected)


def test_box_predictor_fills_the_rescaled_box_and_false_is_empty():
    from crab_plus.evaluation.sam_masks import BoxMaskPredictor, load_mask_predictor

    predictor = load_mask_predictor("box")
    assert isinstance(predictor, BoxMaskPredictor)
    frame = np.zeros((112, 112, 3), dtype=np.uint8)  # half the 224 answer frame
    mask = predictor.predict_answer(frame, SimpleNamespace(box=(20, 40, 60, 100), points=[(30, 50)], exists=True))
    assert mask.shape == (112, 112) and mask.sum() == 20 * 30
    assert mask[20:50, 10:30].all() and not mask[:20].any() and not mask[:, 30:].any()
    assert not predictor.predict_answer(frame, SimpleNamespace(box=(20, 40, 60, 100), points=[], exists=False)).any()
