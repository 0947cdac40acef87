"""What the AV-Synth recipes share: clip lengths, clip ids and question ids, the sampled scene of visible and
sounding objects, the release's clip media layout, and how a sound and a row of objects are phrased."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .example import Example, Media
from .scene import (SHAPES, SOUND_WORDS, Scene, SceneObject, distinct, layout_slots, sample_background, sample_object,
                    sample_sound, sample_span)

CLIP_SECONDS = 10          # a2v, v2a, ks, avqa_thu, ave, avvp, avcap, ref_avs audio
EMOTION_SECONDS = 4        # cremad (the emotion policy reads the first 4 s)
SEGMENT_SECONDS = 5        # s4, ms3, arig (AVSBench clips are 5 s)

SPLIT_ID_BASE = {"train": 0, "test": 1_000_000}  # numeric question ids, unique over both splits
Recipe = Callable[[np.random.Generator, str, int, int], Example]  # (rng, split, index, frame size)


def clip_id(split: str, index: int) -> str:
    """The clip's file stem: "train_00042"."""
    return f"{split}_{index:05d}"


def new_scene(rng: np.random.Generator, duration: float, objects, **kw) -> Scene:
    """A scene of ``objects`` on a sampled background (``kw``: the face and voice of an emotion scene)."""
    return Scene(duration=duration, objects=tuple(objects), background=sample_background(rng),
                 noise_seed=int(rng.integers(2**31)), **kw)


def sounding_scene(rng, duration: int, count: int, sounding: int, *, offscreen: int = 0, min_len: int = 3,
                   full_sound: bool = False, visible_spans: bool = False) -> Scene:
    """``count`` visible objects of different shapes, the first ``sounding`` of them making sounds (over whole
    seconds), plus ``offscreen`` sound sources that are never on screen."""
    shapes = distinct(rng, SHAPES, count + offscreen)
    slots = layout_slots(rng, count)
    objects = []
    for i, shape in enumerate(shapes):
        span = (0, duration) if full_sound else sample_span(rng, duration, min_len)
        sound = sample_sound(rng, shape, *span) if (i < sounding or i >= count) else None
        visible = (0.0, 1e9) if not visible_spans else tuple(float(v) for v in sample_span(rng, duration, min_len))
        if i >= count:
            objects.append(sample_object(rng, shape=shape, visible=None, sound=sound))
        else:
            objects.append(sample_object(rng, shape=shape, slot=slots[i], visible=visible, sound=sound))
    order = rng.permutation(count)  # drawing order does not tell which object sounds
    return new_scene(rng, duration, [objects[i] for i in order] + objects[count:])


def clip_media(scene: Scene, vid: str, with_audio_track: bool = True, fps: float | None = None) -> list[Media]:
    """The release's clip layout: video/{vid}.mp4 and audio/{vid}.wav (relative to the task folder)."""
    return [Media(f"video/{vid}.mp4", "video+audio" if with_audio_track else "video", scene, fps=fps),
            Media(f"audio/{vid}.wav", "audio", scene)]


def sound_phrase(obj: SceneObject) -> str:
    """How the reasoning names the object's sound ("a clicking rhythm")."""
    return SOUND_WORDS[obj.sound.kind]


def visible_left_to_right(scene: Scene) -> list[SceneObject]:
    """The order captions and the matching reasoning list a scene's visible objects in."""
    return sorted(scene.visible_objects(), key=lambda o: o.x)
