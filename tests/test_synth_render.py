"""AV-Synth scenes and renderers: exact masks, boxes and points, sounds exactly where the scene says, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from crab_plus.data.synth.annotate import ANSWER_FRAME, mask_box, mask_points, to_answer_box
from crab_plus.data.synth.render_audio import render_audio
from crab_plus.data.synth.render_video import render_clip, render_frame
from crab_plus.data.synth.scene import (COLOURS, EMOTIONS, MOTIONS, OBJECT_RADIUS, SHAPES, Face, Scene, SceneObject,
                                        Voice, layout_slots, object_state, sample_object, sample_sound, scene_rng)

SIZE = 64


def _scene(seed: int, count: int = 3) -> Scene:
    rng = scene_rng(seed, "test")
    slots = layout_slots(rng, count)
    objects = [sample_object(rng, shape=SHAPES[i], slot=slots[i], sound=sample_sound(rng, SHAPES[i], i, i + 4))
               for i in range(count)]
    return Scene(10, tuple(objects), background=(40, 40, 40), noise_seed=seed)


@pytest.mark.parametrize("seed", range(4))
def test_masks_are_exactly_the_painted_pixels(seed):
    scene = _scene(seed)
    for t in (0.5, 3.5, 7.25):
        frame, masks = render_frame(scene, t, SIZE)
        assert frame.shape == (SIZE, SIZE, 3) and frame.dtype == np.uint8
        covered = np.zeros((SIZE, SIZE), bool)
        for obj, mask in zip(scene.objects, masks):
            assert not (covered & mask).any()  # masks never overlap
            covered |= mask
            assert (frame[mask] == COLOURS[obj.colour]).all()
        background = frame[~covered]
        assert not any((background == c).all(axis=1).any() for c in COLOURS.values())


def test_background_tells_left_from_right_and_top_from_bottom():
    frame = render_frame(Scene(2, (), background=(40, 40, 40)), 0.0, SIZE)[0].astype(int)  # (SIZE, SIZE, 3) grey
    warmth = frame[..., 0] - frame[..., 2]  # red minus blue: grows to the right, the same down a column
    assert (np.diff(warmth.mean(axis=0)) >= 0).all() and warmth[:, -1].mean() - warmth[:, 0].mean() > 40
    assert np.abs(warmth - warmth[:1]).max() <= 1  # uint8 rounding
    brightness = frame[..., 1]  # green carries only the light from above: grows downwards, flat along a row
    assert (np.diff(brightness.mean(axis=1)) >= 0).all() and brightness[-1].mean() > brightness[0].mean() + 10
    assert (brightness == brightness[:, :1]).all()


def test_objects_are_big_enough_to_fill_video_tokens():
    rng = scene_rng(0, "sizes")
    radii = [sample_object(rng).radius for _ in range(200)]
    assert OBJECT_RADIUS[0] <= min(radii) and max(radii) <= OBJECT_RADIUS[1]
    assert OBJECT_RADIUS[0] * 112 * 2 >= 28  # at the shipped 112 px frames: at least one 28 px video token wide


def test_box_and_points_follow_the_mask():
    scene = _scene(1, count=1)
    _, (mask,) = render_frame(scene, 2.5, SIZE)
    x1, y1, x2, y2 = mask_box(mask)
    assert mask[:, x1].any() and mask[:, x2 - 1].any() and mask[y1].any() and mask[y2 - 1].any()
    assert not mask[:, :x1].any() and not mask[:, x2:].any() and not mask[:y1].any() and not mask[y2:].any()
    scale = ANSWER_FRAME / SIZE
    assert to_answer_box((x1, y1, x2, y2), SIZE) == [round(v * scale) for v in (x1, y1, x2, y2)]
    for x, y in mask_points(mask, SIZE):
        assert mask[int(y / scale), int(x / scale)]
    with pytest.raises(ValueError):
        mask_box(np.zeros((4, 4), bool))


@pytest.mark.parametrize("motion", MOTIONS)
def test_objects_stay_on_screen_and_motions_move(motion):
    obj = SceneObject("circle", "red", motion, x=0.1, y=0.5, radius=0.12, phase=0.3)
    states = [object_state(obj, t + 0.5) for t in range(10)]  # the frames the clip policy samples
    for x, y, r in states:
        assert r <= x <= 1 - r and r <= y <= 1 - r
    assert (len(set(states)) == 1) == (motion == "static")


def test_objects_appear_only_while_visible():
    obj = SceneObject("square", "blue", "static", x=0.5, y=0.5, radius=0.1, visible=(2.0, 5.0))
    scene = Scene(10, (obj,))
    assert not render_frame(scene, 1.5, SIZE)[1][0].any()
    assert render_frame(scene, 2.5, SIZE)[1][0].any()
    assert not render_frame(scene, 5.5, SIZE)[1][0].any()
    assert render_clip(scene, SIZE, fps=2).shape == (20, SIZE, SIZE, 3)


@pytest.mark.parametrize("kind_shape", SHAPES)
def test_sounds_play_exactly_between_onset_and_offset(kind_shape):
    rng = scene_rng(0, kind_shape)
    sound = sample_sound(rng, kind_shape, 3, 6)
    obj = SceneObject(kind_shape, "red", "bouncing", 0.5, 0.5, 0.1, sound=sound)
    audio = render_audio(Scene(10, (obj,), noise_seed=1))
    assert audio.shape == (160_000,) and audio.dtype == np.float32 and np.abs(audio).max() <= 1.0
    rms = np.sqrt((audio.reshape(10, 16_000).astype(np.float64) ** 2).mean(axis=1))
    assert rms[3:6].min() > 10 * rms[[0, 1, 2, 6, 7, 8, 9]].max()


def test_voice_prosody_differs_by_emotion_and_faces_differ():
    rates = {}
    for emotion in EMOTIONS:
        audio = render_audio(Scene(4, voice=Voice(emotion, 0.0, 4.0), noise_seed=0))
        spectrum = np.abs(np.fft.rfft(audio))  # 0.25 Hz bins over 4 s
        rates[emotion] = (np.sqrt((audio ** 2).mean()), np.argmax(spectrum) / 4.0)  # (loudness, main pitch in Hz)
    assert rates["angry"][0] > rates["neutral"][0] > rates["sad"][0]      # louder
    assert rates["happy"][1] > rates["neutral"][1] > rates["sad"][1]      # higher
    faces = [render_frame(Scene(4, face=Face(e)), 0.0, SIZE)[0] for e in EMOTIONS]
    for i in range(len(faces)):
        for j in range(i + 1, len(faces)):
            assert (faces[i] != faces[j]).any()


def test_scene_sampling_is_deterministic_and_keyed():
    assert _scene(5) == _scene(5)
    assert _scene(5) != _scene(6)
    a, b = scene_rng(0, "ks", "train", 1).random(), scene_rng(0, "ks", "train", 1).random()
    assert a == b != scene_rng(0, "ks", "train", 2).random()
    np.testing.assert_array_equal(render_audio(_scene(2)), render_audio(_scene(2)))
