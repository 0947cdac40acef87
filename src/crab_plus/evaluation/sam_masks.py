"""Segmentation second stage: a parsed box and points prompt a SAM-family model for the sounding object's mask.

Crab+ answers S4, MS3 and Ref-AVS with a box and three positive points in the 224x224 frame; the release turns
them into a mask with SAM2.1 (single-mask output). :class:`SamMaskPredictor` does the same with any SAM-family
model of transformers that takes ``pixel_values``, ``input_points``, ``input_labels`` and ``input_boxes``
(``SamModel``, ``Sam2Model``, ``SamHQModel``), loaded with ``AutoModel``.

Pre-processing is done here with PIL (transformers' SAM2 image processor needs torchvision, which this project
never installs): the frame is resized to the model's square input size (SAM2's own pre-processing; for SAM v1,
which pads a longest-side resize instead, the square resize keeps prompts and pixels consistent at the cost of
aspect ratio) and normalised with the ImageNet mean and std. The low-resolution mask logits are upsampled
bilinearly to the frame size and thresholded at ``mask_threshold``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
ANSWER_FRAME_SIZE = (224, 224)  # (width, height) of the frame the model's coordinates refer to


class MaskPredictor:
    """Box/point prompts on one RGB frame -> a boolean mask of the frame's size (``predict``), and the same for a
    parsed segmentation answer (``predict_answer``)."""

    def predict(self, image: np.ndarray, box: Sequence[float] | None = None,
                points: Sequence[Sequence[float]] = ()) -> np.ndarray:
        raise NotImplementedError

    def predict_answer(self, image: np.ndarray, answer, answer_frame_size: tuple[int, int] = ANSWER_FRAME_SIZE) -> np.ndarray:
        """Mask for a parsed segmentation answer whose coordinates refer to ``answer_frame_size`` (224x224).

        An answer saying the object does not exist (Ref-AVS ``false``) or an answer without a box (unparsed text)
        gives an empty mask, which the metrics then score as such.
        """
        height, width = image.shape[:2]
        box = getattr(answer, "box", None)
        if not getattr(answer, "exists", True) or box is None:
            return np.zeros((height, width), dtype=bool)
        sx, sy = width / answer_frame_size[0], height / answer_frame_size[1]
        points = [(x * sx, y * sy) for x, y in (getattr(answer, "points", None) or ())]
        x1, y1, x2, y2 = box
        return self.predict(image, box=(x1 * sx, y1 * sy, x2 * sx, y2 * sy), points=points)


class BoxMaskPredictor(MaskPredictor):
    """The SAM-free second stage: the predicted box, filled (``--sam-model box``). A lower bound on what a SAM
    model makes of the same prompt, for machines without SAM weights (no download); documented as such wherever
    its scores appear."""

    def predict(self, image: np.ndarray, box: Sequence[float] | None = None,
                points: Sequence[Sequence[float]] = ()) -> np.ndarray:
        if box is None:
            raise ValueError("BoxMaskPredictor.predict needs a box.")
        height, width = image.shape[:2]
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        mask = np.zeros((height, width), dtype=bool)
        mask[max(0, min(y1, y2)):max(0, max(y1, y2)), max(0, min(x1, x2)):max(0, max(x1, x2))] = True
        return mask


def load_mask_predictor(spec) -> MaskPredictor:
    """``"box"`` -> BoxMaskPredictor; a path -> SamMaskPredictor of that SAM-family folder; a model -> wrapped;
    a MaskPredictor -> itself."""
    if isinstance(spec, MaskPredictor):
        return spec
    if spec == "box":
        return BoxMaskPredictor()
    return SamMaskPredictor.from_pretrained(spec) if isinstance(spec, str) else SamMaskPredictor(spec)


class SamMaskPredictor(MaskPredictor):
    """Box/point prompts on one RGB frame -> a boolean mask of the frame's size, by a SAM-family model."""

    def __init__(self, model: torch.nn.Module, *, mask_threshold: float = 0.0,
                 mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD):
        self.model = model.eval()
        size = model.config.prompt_encoder_config.image_size
        self.input_size = int(size[0] if isinstance(size, (list, tuple)) else size)
        self.mask_threshold = mask_threshold
        self.mean = torch.tensor(mean).view(3, 1, 1)
        self.std = torch.tensor(std).view(3, 1, 1)

    @classmethod
    def from_pretrained(cls, path: str, **kwargs) -> "SamMaskPredictor":
        from transformers import AutoModel

        return cls(AutoModel.from_pretrained(path), **kwargs)

    def pixel_values(self, image: np.ndarray) -> torch.Tensor:
        """(H, W, 3) uint8 -> (1, 3, S, S) normalised float, S the model's input size."""
        resized = Image.fromarray(image).convert("RGB").resize((self.input_size, self.input_size), Image.BILINEAR)
        pixels = torch.from_numpy(np.asarray(resized, dtype=np.float32) / 255.0).permute(2, 0, 1)  # (3, S, S)
        return ((pixels - self.mean) / self.std).unsqueeze(0)

    def _scaled(self, coordinates: torch.Tensor, width: int, height: int) -> torch.Tensor:
        """(..., 2k) x,y pixel coordinates in the frame -> the same in the model's S x S input."""
        scale = torch.tensor([self.input_size / width, self.input_size / height]).repeat(coordinates.shape[-1] // 2)
        return coordinates * scale

    @torch.no_grad()
    def predict(self, image: np.ndarray, box: Sequence[float] | None = None,
                points: Sequence[Sequence[float]] = ()) -> np.ndarray:
        """Mask of the object prompted by ``box`` [x1, y1, x2, y2] and positive ``points`` [[x, y], ...], both in
        the pixel coordinates of ``image`` (H, W, 3). Returns an (H, W) bool array."""
        if box is None and len(points) == 0:
            raise ValueError("SamMaskPredictor.predict needs a box or at least one point to prompt the mask.")
        height, width = image.shape[:2]
        inputs = {"pixel_values": self.pixel_values(image), "multimask_output": False}
        if len(points):
            xy = torch.tensor(points, dtype=torch.float32).view(1, 1, -1, 2)  # (batch, objects, points, 2)
            inputs["input_points"] = self._scaled(xy, width, height)
            inputs["input_labels"] = torch.ones(xy.shape[:3], dtype=torch.long)  # every point is positive
        if box is not None:
            inputs["input_boxes"] = self._scaled(torch.tensor(box, dtype=torch.float32).view(1, 1, 4), width, height)
        logits = self.model(**inputs).pred_masks[0, 0, :1]  # (1, h, w) low-resolution mask logits
        logits = F.interpolate(logits.unsqueeze(0).float(), size=(height, width), mode="bilinear", align_corners=False)
        return (logits[0, 0] > self.mask_threshold).numpy()
