"""Scene -> RGB frames with numpy, plus the exact mask of every object in every frame.

Shapes are filled without anti-aliasing, so an object's mask is exactly the set of pixels painted with its
colour (minus pixels of objects drawn later, which cover it). Masks, boxes and points therefore match the frames.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .scene import COLOURS, Face, Scene, object_state

WARMTH = 60.0  # red minus blue of the background, from the left edge to the right edge (0-255 scale)


class Grid:
    """Pixel-centre coordinates of a ``size`` x ``size`` frame in frame fractions, cached per size."""

    _cache: dict[int, "Grid"] = {}

    def __init__(self, size: int):
        centres = (np.arange(size, dtype=np.float32) + 0.5) / size
        self.size = size
        self.y, self.x = np.meshgrid(centres, centres, indexing="ij")  # (size, size) each

    @classmethod
    def of(cls, size: int) -> "Grid":
        if size not in cls._cache:
            cls._cache[size] = cls(size)
        return cls._cache[size]


def shape_mask(shape: str, cx: float, cy: float, r: float, grid: Grid) -> np.ndarray:
    """Boolean (size, size) mask of ``shape`` centred at (cx, cy) with half-size ``r`` (frame fractions)."""
    dx, dy = grid.x - cx, grid.y - cy
    if shape == "circle":
        return dx * dx + dy * dy <= r * r
    if shape == "square":
        return (np.abs(dx) <= 0.85 * r) & (np.abs(dy) <= 0.85 * r)
    if shape == "diamond":
        return np.abs(dx) + np.abs(dy) <= 1.1 * r
    if shape == "triangle":  # apex up, base at cy + r
        return (dy <= r) & (dy >= -r) & (np.abs(dx) <= (dy + r) * 0.6)
    if shape == "cross":
        arm = 0.35 * r
        return ((np.abs(dx) <= arm) & (np.abs(dy) <= r)) | ((np.abs(dx) <= r) & (np.abs(dy) <= arm))
    raise ValueError(f"unknown shape {shape!r}")


@lru_cache(maxsize=64)
def _background_of(colour: tuple[int, int, int], size: int, warmth: float) -> np.ndarray:
    """(size, size, 3) float32 background: the colour lit from above (brighter downwards) and warmer to the right
    (red up, blue down), read-only and cached. The two gradients are the scene's landmarks: every patch of
    background says where in the frame it is, which a small vision encoder without absolute position
    embeddings (Qwen2.5-Omni's ViT has only relative rotary positions) can use to tell left from right."""
    grid = Grid.of(size)
    shade = 0.8 + 0.4 * grid.y[..., None]  # (size, size, 1)
    tint = (grid.x[..., None] - 0.5) * np.array([warmth, 0.0, -warmth], np.float32)  # (size, size, 3)
    image = np.asarray(colour, np.float32)[None, None, :] * shade + tint
    image.setflags(write=False)
    return image


def render_frame(scene: Scene, t: float, size: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The frame at ``t`` seconds, (size, size, 3) uint8, and one boolean (size, size) mask per scene object
    (in ``scene.objects`` order; all False when the object is not on screen or fully covered)."""
    grid = Grid.of(size)
    image = _background_of(tuple(scene.background), size, WARMTH).copy()
    if scene.face is not None:
        _draw_face(image, scene.face, grid)
    masks: list[np.ndarray] = []
    for obj in scene.objects:
        state = object_state(obj, t)
        if state is None:
            masks.append(np.zeros((size, size), bool))
            continue
        mask = shape_mask(obj.shape, *state, grid)
        for earlier in masks:  # later objects cover earlier ones
            earlier &= ~mask
        image[mask] = COLOURS[obj.colour]
        masks.append(mask)
    return np.clip(image, 0, 255).astype(np.uint8), masks


def render_clip(scene: Scene, size: int, fps: float) -> np.ndarray:
    """All frames of the scene at ``fps``: (round(duration * fps), size, size, 3) uint8; frame i shows t = i / fps."""
    count = max(int(round(scene.duration * fps)), 1)
    return np.stack([render_frame(scene, i / fps, size)[0] for i in range(count)])


# ------------------------------------------------------------------------------------------------ the face
_BROW_SLOPE = {"happy": -0.15, "sad": -0.5, "angry": 0.6, "neutral": 0.0}  # inner end up (<0) or down (>0)
_MOUTH_CURVE = {"happy": 1.0, "sad": -0.8, "angry": -0.3, "neutral": 0.0}  # smile (>0) or frown (<0)
_MOUTH_OPEN = {"happy": 0.05, "sad": 0.02, "angry": 0.09, "neutral": 0.02}


def _draw_face(image: np.ndarray, face: Face, grid: Grid) -> None:
    """Paint a cartoon face into ``image`` (size, size, 3) float: eyebrows and mouth show ``face.emotion``."""
    r = face.radius
    dx, dy = (grid.x - face.x) / r, (grid.y - face.y) / r  # face-relative coordinates, the face is the unit disc
    image[dx * dx + dy * dy <= 1.0] = face.skin
    dark = (40, 30, 30)
    for side in (-1, 1):
        ex, ey = dx - side * 0.38, dy + 0.2
        image[ex * ex + (ey * 1.3) ** 2 <= 0.02] = dark  # eye
        slope = _BROW_SLOPE[face.emotion] * side * -1  # mirror so both inner ends move together
        brow_y = -0.5 + slope * (dx - side * 0.38)
        image[(np.abs(dx - side * 0.38) <= 0.22) & (np.abs(dy - brow_y) <= 0.045)] = dark
    curve, opening = _MOUTH_CURVE[face.emotion], _MOUTH_OPEN[face.emotion]
    mouth_y = 0.38 + curve * 0.2 * (1.0 - (dx / 0.42) ** 2)  # parabola: centre below the corners = smile
    in_mouth = (np.abs(dx) <= 0.42) & (dy >= mouth_y - 0.05) & (dy <= mouth_y + 0.05 + opening)
    image[in_mouth] = (150, 30, 40)
