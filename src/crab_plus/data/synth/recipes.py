"""One recipe per task: sample a scene (deterministically from ``rng``), say what the answer is and why, and list
the media to render. Record fields follow the AV-UIE v2 release layout (crab_plus.data.release_layout). avqa's
recipe, with its questions and reasoning, lives in crab_plus.data.synth.avqa; what the recipes share in .clips.

Every recipe has a share of *conflict* cases, where audio and vision disagree (a silent visible object, an
off-screen sound, a face whose expression contradicts the voice, a look-alike candidate): there a model that
ignores the audio can only guess. The record's ``conflict`` field marks them.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from . import answers as A  # typed answers; imports the task registry lazily
from .annotate import (location_word, mask_box, mask_points, on_screen_span, overlap, sound_span, sounding_at,
                       to_answer_box)
from .avqa import avqa
from .clips import (CLIP_SECONDS, EMOTION_SECONDS, SEGMENT_SECONDS, Recipe, clip_id, clip_media, new_scene,
                    sound_phrase, sounding_scene, visible_left_to_right)
from .example import Example, Media
from .matching import a2v_reasoning, presence_reasoning, v2a_reasoning
from .render_video import render_frame
from .scene import (COLOUR_OF_SHAPE, EMOTIONS, MOTION_WORDS, MOTIONS, SHAPES, SOUND_OF_SHAPE, Face, Scene, SceneObject,
                    Voice, distinct)


def _is(obj: SceneObject) -> str:
    """Verb agreement for the sound's phrase ("noise bursts are", "a steady tone is")."""
    return "are" if obj.sound.kind in ("noise", "chirp") else "is"


# ------------------------------------------------------------------------------------------------ matching
def _look_alike(rng, scene: Scene, target: SceneObject) -> Scene:
    """The same objects, but the sounding one moves differently (its sound would follow another rhythm)."""
    motion = distinct(rng, MOTIONS, 1, exclude=(target.motion, "static"))[0]
    return scene.with_objects(replace(o, motion=motion, phase=o.phase + 1.0) if o is target else o
                              for o in scene.objects)


def _shapes(scene: Scene) -> set[str]:
    return {o.shape for o in scene.objects}


def _other_scene(rng, exclude_shapes: set[str]) -> Scene:
    """A different scene with none of ``exclude_shapes`` in it (seen or heard), so the kinds alone tell it apart."""
    while True:
        scene = sounding_scene(rng, CLIP_SECONDS, int(rng.integers(1, 3)), 1, full_sound=True)
        if not exclude_shapes & _shapes(scene):
            return scene


def _matching_pair(rng) -> tuple[Scene, Scene, bool]:
    """(scene, distractor, conflict): a look-alike distractor (conflict) or a different scene."""
    scene = sounding_scene(rng, CLIP_SECONDS, int(rng.integers(1, 3)), 1, full_sound=True)
    target = scene.sounding_objects()[0]
    conflict = bool(rng.random() < 0.5)
    distractor = _look_alike(rng, scene, target) if conflict else _other_scene(rng, _shapes(scene))
    return scene, distractor, conflict


def _shapes_left_to_right(scene: Scene) -> list[str]:
    return [o.shape for o in visible_left_to_right(scene)]


def _event_name(scene: Scene) -> str:
    obj = scene.sounding_objects()[0]
    return f"{obj.motion} {obj.shape}"


def a2v(rng, split: str, index: int, size: int) -> Example:
    vid = clip_id(split, index)
    scene, distractor, conflict = _matching_pair(rng)
    correct = int(rng.integers(1, 3))
    videos = (scene, distractor) if correct == 1 else (distractor, scene)
    target = scene.sounding_objects()[0]
    record = {"video1_path": f"{vid}_1.mp4", "video2_path": f"{vid}_2.mp4", "audio_path": f"{vid}.wav",
              "correct_video": correct, "audio_event": f"{target.shape} ({SOUND_OF_SHAPE[target.shape]})",
              "video1_event": _event_name(videos[0]), "video2_event": _event_name(videos[1])}
    why = a2v_reasoning(target.shape, [_shapes_left_to_right(v) for v in videos], correct)
    media = [Media(f"video/{vid}_1.mp4", "video", videos[0]), Media(f"video/{vid}_2.mp4", "video", videos[1]),
             Media(f"audio/{vid}.wav", "audio", scene)]
    return Example(record, A.choice(correct), why, "label", conflict, media)


def v2a(rng, split: str, index: int, size: int) -> Example:
    vid = clip_id(split, index)
    scene, distractor, conflict = _matching_pair(rng)
    correct = int(rng.integers(1, 3))
    audios = (scene, distractor) if correct == 1 else (distractor, scene)
    target = scene.sounding_objects()[0]
    record = {"video_path": f"{vid}.mp4", "audio1_path": f"{vid}_1.wav", "audio2_path": f"{vid}_2.wav",
              "correct_audio": correct, "audio1_event": _event_name(audios[0]), "video_event": _event_name(scene),
              "audio2_event": _event_name(audios[1])}
    why = v2a_reasoning(_shapes_left_to_right(scene), [a.sounding_objects()[0].shape for a in audios], correct)
    media = [Media(f"video/{vid}.mp4", "video", scene), Media(f"audio/{vid}_1.wav", "audio", audios[0]),
             Media(f"audio/{vid}_2.wav", "audio", audios[1])]
    return Example(record, A.choice(correct), why, "label", conflict, media)


# ------------------------------------------------------------------------------------------------ action
def ks(rng, split: str, index: int, size: int) -> Example:
    """The action is the motion of the sounding object; in conflict cases a bigger silent object moves
    differently next to it."""
    vid = clip_id(split, index)
    conflict = bool(rng.random() < 0.5)
    motions = distinct(rng, MOTIONS, 2)
    scene = sounding_scene(rng, CLIP_SECONDS, 2 if conflict else 1, 1, full_sound=True)
    objects = list(scene.objects)
    sounding = next(i for i, o in enumerate(objects) if o.sound is not None)
    objects[sounding] = replace(objects[sounding], motion=motions[0])
    if conflict:
        silent = 1 - sounding
        objects[silent] = replace(objects[silent], motion=motions[1], radius=objects[sounding].radius * 1.3)
    scene = scene.with_objects(objects)
    target = objects[sounding]
    action = target.motion
    why = (f"The sound is {sound_phrase(target)}, made by the {target.described}, which {MOTION_WORDS[action]}"
           + (f"; the silent {objects[1 - sounding].described} does not count." if conflict else "."))
    record = {"video_path": f"{vid}.mp4", "audio_path": f"{vid}.wav", "action": action}
    return Example(record, A.label(action), why, "label", conflict, clip_media(scene, vid))


# ------------------------------------------------------------------------------------------------ emotion
_PROSODY_WORDS = {"happy": "bright and rising", "sad": "low, slow and falling", "angry": "loud, fast and harsh",
                  "neutral": "flat and even"}
_FACE_WORDS = {"happy": "smiles", "sad": "frowns with raised inner brows", "angry": "scowls",
               "neutral": "looks calm"}


def _skin(rng) -> tuple[int, int, int]:
    tone = rng.uniform(0.7, 1.05)  # one factor for all channels: lighter or darker, never tinted
    return tuple(int(min(v * tone, 255)) for v in (240, 195, 155))


def cremad(rng, split: str, index: int, size: int) -> Example:
    """A face and a voice; the voice's prosody decides. In conflict cases the face shows another emotion."""
    vid = clip_id(split, index)
    emotion = str(rng.choice(EMOTIONS))
    conflict = bool(rng.random() < 0.4)
    shown = distinct(rng, EMOTIONS, 1, exclude=(emotion,))[0] if conflict else emotion
    face = Face(shown, x=float(rng.uniform(0.42, 0.58)), y=float(rng.uniform(0.42, 0.58)),
                radius=float(rng.uniform(0.28, 0.36)),
                skin=_skin(rng))
    voice = Voice(emotion, onset=0.0, offset=float(EMOTION_SECONDS), base_pitch=float(rng.uniform(140, 230)))
    scene = new_scene(rng, EMOTION_SECONDS, [], face=face, voice=voice)
    why = f"The voice is {_PROSODY_WORDS[emotion]} and the face {_FACE_WORDS[shown]}" + (
        "; the voice tells the feeling." if conflict else ".")
    record = {"video_path": f"{vid}.mp4", "audio_path": f"{vid}.wav", "emotion": emotion}
    return Example(record, A.label(emotion), why, "label", conflict, clip_media(scene, vid))


def avqa_thu(rng, split: str, index: int, size: int) -> Example:
    vid = clip_id(split, index)
    count = int(rng.integers(1, 4))
    offscreen = int(rng.random() < 0.25)
    scene = sounding_scene(rng, CLIP_SECONDS, count, 0 if offscreen else 1, offscreen=offscreen, full_sound=True)
    source = scene.sounding_objects()[0]
    silent = [o for o in scene.visible_objects() if o.sound is None]
    kind = int(rng.integers(3)) if not offscreen else 2
    if kind == 0:
        question, relation, qtype = "Which object is making the sound?", "Both", "Which"
        answer = source.shape
        options = [answer] + distinct(rng, SHAPES, 3, exclude=(answer,))
        conflict = bool(silent)
    elif kind == 1:
        question, relation, qtype = "How is the sounding object moving?", "Both", "What"
        answer = source.motion
        options = [answer] + distinct(rng, MOTIONS, 3, exclude=(answer,))
        conflict = any(o.motion != answer for o in silent)
    else:
        question, relation, qtype = "Where does the sound come from?", "Both", "Come From"
        answer = "off screen" if source.visible is None else location_word(source.x)
        options = ["left", "middle", "right", "off screen"]
        conflict = bool(silent) or source.visible is None
    order = rng.permutation(len(options))
    options = [options[i] for i in order]
    why = f"The sound is {sound_phrase(source)}" + (
        ", and no object on screen makes it." if source.visible is None else
        f", made by the {source.described}, which {MOTION_WORDS[source.motion]}.")
    record = {"video_path": f"{vid}.mp4", "audio_path": f"{vid}.wav", "id": vid, "video_name": f"{vid}.mp4",
              "video_id": index, "question_relation": relation, "question_type": qtype, "multi_choice": options,
              "question_text": question, "answer": answer}
    return Example(record, A.choice_text(answer), why, "label", conflict, clip_media(scene, vid))


# ------------------------------------------------------------------------------------------------ localisation
def ave(rng, split: str, index: int, size: int) -> Example:
    """One audio-visual event: an object both on screen and sounding. Plain cases: it is on screen exactly while
    it sounds. Conflict cases: it appears and sounds over different spans (the event is where they overlap), and
    a silent object or an off-screen sound may be added."""
    vid = clip_id(split, index)
    conflict = bool(rng.random() < 0.5)
    while True:
        distractors = int(conflict and rng.random() < 0.6)
        offscreen = int(conflict and not distractors)
        scene = sounding_scene(rng, CLIP_SECONDS, 1 + distractors, 1, offscreen=offscreen, min_len=3,
                                visible_spans=True)
        target = next(o for o in scene.objects if o.sound is not None and o.visible is not None)
        if not conflict:  # on screen exactly while sounding
            target = replace(target, visible=(target.sound.onset, target.sound.offset))
            scene = scene.with_objects(target if o.sound is not None else o for o in scene.objects)
        event = overlap(on_screen_span(target, CLIP_SECONDS), sound_span(target))
        if event is not None and event[1] - event[0] >= 2:
            break
    why = (f"The {target.described} is on screen from {target.visible[0]:.0f} to {min(target.visible[1], 10):.0f} s "
           f"and {sound_phrase(target)} {_is(target)} heard from {target.sound.onset:.0f} to "
           f"{target.sound.offset:.0f} s, so the event is where both hold.")
    record = {"video_path": f"{vid}.mp4", "audio_path": f"{vid}.wav", "vid": vid, "event": target.shape,
              "start_time": event[0], "end_time": event[1]}
    return Example(record, A.events([(target.shape, *event)]), why, "label_content", conflict,
                   clip_media(scene, vid))


def avvp(rng, split: str, index: int, size: int) -> Example:
    """Visual events (objects on screen) and audio events (sounds) listed separately. Plain cases: every object
    sounds exactly while on screen. Otherwise silent objects are visual-only, off-screen sounds audio-only, and
    sounds need not last as long as their object is on screen."""
    vid = clip_id(split, index)
    count = int(rng.integers(1, 3))
    if rng.random() < 0.4:
        scene = sounding_scene(rng, CLIP_SECONDS, count, count, min_len=2, visible_spans=True)
        scene = scene.with_objects(replace(o, sound=replace(o.sound, onset=o.visible[0], offset=o.visible[1]))
                                   for o in scene.objects)
    else:
        offscreen = int(rng.random() < 0.4)
        sounding = int(rng.integers(0 if offscreen else 1, count + 1))
        scene = sounding_scene(rng, CLIP_SECONDS, count, sounding, offscreen=offscreen, min_len=2,
                                visible_spans=True)
    visual = sorted((o.shape, *on_screen_span(o, CLIP_SECONDS)) for o in scene.visible_objects())
    audio = sorted((o.shape, *sound_span(o)) for o in scene.sounding_objects())
    conflict = [e[0] for e in visual] != [e[0] for e in audio] or any(
        overlap(on_screen_span(o, CLIP_SECONDS), sound_span(o)) != sound_span(o) for o in scene.sounding_objects())
    why = f"On screen: {', '.join(o.described for o in scene.visible_objects())}; heard: " + (
        ", ".join(sound_phrase(o) for o in scene.sounding_objects()) or "nothing") + "."
    answer = A.avvp(visual, audio)
    record = {"video_path": f"{vid}.mp4", "audio_path": f"{vid}.wav", "filename": f"{vid}.mp4", "vid": vid,
              "event": A.answer_text("avvp", answer)}
    return Example(record, answer, why, "label_content", bool(conflict), clip_media(scene, vid))


# ------------------------------------------------------------------------------------------------ single frame
def _centre_x(mask: np.ndarray) -> float:
    """The x of a (size, size) mask's box centre, as a fraction of the frame width."""
    x1, _, x2, _ = mask_box(mask)
    return (x1 + x2) / 2 / mask.shape[1]


def _place_of(mask: np.ndarray) -> str:
    """Where a mask's box centre is: "left", "middle" or "right" (a third of the frame)."""
    return location_word(_centre_x(mask))


def _frame_listing(scene: Scene, masks: list[np.ndarray]) -> str:
    """The objects in a frame from left to right, each name followed by its place: "In view: the red circle left,
    the green square middle." The object the sound comes from is then written the same way, so its place is the
    word that followed its name here: a copy of one word after a distinct one (with "on the left", whose "on the"
    every place shares, the copy confused left and right in a probe: model card, (22))."""
    shown = sorted((i for i, mask in enumerate(masks) if mask.any()), key=lambda i: _centre_x(masks[i]))
    return "In view: " + ", ".join(_placed(scene.objects[i], masks[i]) for i in shown) + "."


def _placed(obj: SceneObject, mask: np.ndarray) -> str:
    """ "the green square middle": the object's name and the third of the frame its box centre is in."""
    return f"the {obj.described} {_place_of(mask)}"


def _frame_scene(rng, duration: int, count: int, sounding: int, *, full_sound: bool) -> tuple[Scene, int]:
    """A scene whose objects stay on screen, and a frame second at which at least one object sounds."""
    while True:
        scene = sounding_scene(rng, duration, count, sounding, full_sound=full_sound, min_len=1)
        frame_idx = int(rng.integers(duration))
        if len(sounding_at(scene, frame_idx + 0.5)) >= min(sounding, 1):
            return scene, frame_idx


def _segmentation(rng, split: str, index: int, size: int, multi: bool) -> Example:
    vid = clip_id(split, index)
    count = int(rng.integers(1, 4))
    sounding = int(rng.integers(1, count + 1)) if multi else 1
    scene, frame_idx = _frame_scene(rng, SEGMENT_SECONDS, count, sounding, full_sound=not multi)
    t = frame_idx + 0.5
    _, masks = render_frame(scene, t, size)
    sources = sounding_at(scene, t)
    union = np.any([masks[i] for i in sources], axis=0)
    name = " and ".join(sorted(scene.objects[i].shape for i in sources))
    answer = A.box_points(name, to_answer_box(mask_box(union), size), mask_points(union, size))
    silent = [o for i, o in enumerate(scene.objects) if i not in sources]
    why = (f"{_frame_listing(scene, masks)} The sound is "
           + " and ".join(sound_phrase(scene.objects[i]) for i in sources)
           + ", from " + " and ".join(_placed(scene.objects[i], masks[i]) for i in sources) + (
               f"; the {' and '.join(o.described for o in silent)} {'is' if len(silent) == 1 else 'are'} silent."
               if silent else "."))
    frame = f"visual_frames/{vid}/{frame_idx}.png"
    record = {"image_path" if split == "train" else "visual_path": frame, "audio_path": f"audio_wav/{vid}.wav",
              "vid": vid, "uid": f"{vid}_{frame_idx}", "a_obj": name, "frame_idx": frame_idx,
              "mask_path": f"gt_masks/{vid}/{frame_idx}.png"}
    media = [Media(frame, "frame", scene, t), Media(f"audio_wav/{vid}.wav", "audio", scene),
             Media(record["mask_path"], "mask", scene, t, tuple(sources))]
    return Example(record, answer, why, "label_content", bool(silent), media)


def s4(rng, split: str, index: int, size: int) -> Example:
    return _segmentation(rng, split, index, size, multi=False)


def ms3(rng, split: str, index: int, size: int) -> Example:
    return _segmentation(rng, split, index, size, multi=True)


def arig(rng, split: str, index: int, size: int) -> Example:
    vid = clip_id(split, index)
    count = int(rng.integers(1, 4))
    scene, frame_idx = _frame_scene(rng, SEGMENT_SECONDS, count, 1, full_sound=True)
    t = frame_idx + 0.5
    _, masks = render_frame(scene, t, size)
    source = sounding_at(scene, t)[0]
    box = to_answer_box(mask_box(masks[source]), size)
    obj = scene.objects[source]
    frame = f"frames/{vid}/{frame_idx}.png"
    record = {"image_path" if split == "train" else "visual_path": frame, "audio_path": f"audio/{vid}.wav",
              "vid": vid, "uid": vid, "a_obj": obj.shape, "frame_idx": frame_idx, "top_left": box[:2],
              "bottom_right": box[2:]}
    why = (f"{_frame_listing(scene, masks)} The sound is {sound_phrase(obj)}, which comes from "
           f"{_placed(obj, masks[source])}.")
    media = [Media(frame, "frame", scene, t), Media(f"audio/{vid}.wav", "audio", scene)]
    return Example(record, A.box(obj.shape, box), why, "label_content", count > 1, media)


def kind_description(shape: str) -> str:
    """A colour-and-shape Ref-AVS description of a kind in its own colour: "the red circle"."""
    return f"the {COLOUR_OF_SHAPE[shape]} {shape}"


def nothing_fits(description: str) -> str:
    """The Ref-AVS reasoning's sentence when nothing in the frame fits ``description``."""
    return f"Nothing in the frame is {description}."


def ref_avs(rng, split: str, index: int, size: int) -> Example:
    """Referring expressions that need the audio ("the sounding ...", "the silent ...") or only the picture
    ("the red circle"); false cases refer to nothing in the frame (null split). A colour-and-shape description is
    reasoned as the matching tasks are: the frame's kinds, then whether the asked one is among them."""
    vid = clip_id(split, index)
    count = int(rng.integers(2, 4))
    scene, frame_idx = _frame_scene(rng, CLIP_SECONDS, count, int(rng.integers(1, count)), full_sound=False)
    t = frame_idx + 0.5
    _, masks = render_frame(scene, t, size)
    sources = sounding_at(scene, t)
    silent = [i for i in range(count) if i not in sources]
    absent_shape = distinct(rng, SHAPES, 1, exclude=[o.shape for o in scene.objects])[0]
    kind = int(rng.integers(5))
    referent, conflict, asked = None, False, None  # asked: the kind a colour-and-shape description names
    if kind == 0 and sources:
        referent = sources[0]
        description = f"the object making {sound_phrase(scene.objects[referent])}"
        conflict = True
    elif kind == 1 and silent:
        referent = silent[0]
        description, conflict = f"the silent {scene.objects[referent].shape}", True
    elif kind == 2 and silent:  # names a visible object, but it is not the one making a sound: false
        description, conflict = f"the sounding {scene.objects[silent[0]].shape}", True
    elif kind == 3:  # an object of a kind that is not in the frame, with its kind's colour
        description, asked = kind_description(absent_shape), absent_shape
    else:
        referent = int(rng.integers(count))
        description, asked = f"the {scene.objects[referent].described}", scene.objects[referent].shape
    if referent is not None:
        obj = scene.objects[referent]
        answer = A.referred(True, obj.shape, to_answer_box(mask_box(masks[referent]), size),
                            mask_points(masks[referent], size))
        why = f"{description[0].upper()}{description[1:]} is {_placed(obj, masks[referent])}."
    else:
        answer = A.referred(False)
        why = nothing_fits(description)
    if asked is not None:  # whether the named kind is in the frame, decided as the matching verdicts are
        why = f"{presence_reasoning(asked, _shapes_left_to_right(scene))} {why}"
    frame = f"media/{vid}/frames/{frame_idx}.png"
    record = {"image_path" if split == "train" else "visual_path": frame, "audio_path": f"media/{vid}/audio.wav",
              "vid": vid, "fid": frame_idx, "uid": f"{vid}_{frame_idx}", "idx": frame_idx,
              "description": description, "mask_path": f"media/{vid}/gt_mask/{frame_idx}.png"}
    if split == "test":
        record.update({"object": description, "split": "test_s" if referent is not None else "test_n",
                       "frame_idx": frame_idx})
    media = [Media(frame, "frame", scene, t), Media(f"media/{vid}/audio.wav", "audio", scene),
             Media(record["mask_path"], "mask", scene, t, () if referent is None else (referent,))]
    return Example(record, answer, why, "output", conflict, media)


# ------------------------------------------------------------------------------------------------ captioning
PLACE_PHRASES = {"left": "On the left", "middle": "In the middle", "right": "On the right"}


def caption_of(scene: Scene) -> str:
    """A deterministic description of every object and sound in the scene: the visible objects from left to
    right, each with where it is, then the off-screen sounds. A fixed order means every word of the caption
    follows from the clip (a caption in scene order would make the model guess which object comes first)."""
    visible = visible_left_to_right(scene)
    parts = []
    for obj in visible:
        article = "an" if obj.colour[0] in "aeiou" else "a"
        what = f"{PLACE_PHRASES[location_word(obj.x)]}, {article} {obj.described} {MOTION_WORDS[obj.motion]}"
        parts.append(f"{what} in silence." if obj.sound is None else f"{what} and makes {sound_phrase(obj)}.")
    for obj in scene.objects:
        if obj.visible is None:
            verb = "come" if _is(obj) == "are" else "comes"
            parts.append(f"{sound_phrase(obj).capitalize()} {verb} from off screen.")
    return " ".join(parts)


def avcap(rng, split: str, index: int, size: int) -> Example:
    vid = clip_id(split, index)
    count = int(rng.integers(1, 3))
    offscreen = int(rng.random() < 0.3)
    scene = sounding_scene(rng, CLIP_SECONDS, count, int(rng.integers(0 if offscreen else 1, count + 1)),
                            offscreen=offscreen, full_sound=True)
    text = caption_of(scene)
    conflict = bool(offscreen) or any(o.sound is None for o in scene.visible_objects())
    record = {"video_path": f"{vid}.mp4", "audio_path": f"{vid}.wav", "video_id": vid}
    return Example(record, A.caption(text), "", "label_content", conflict, clip_media(scene, vid))


RECIPES: dict[str, Recipe] = {
    "a2v": a2v, "v2a": v2a, "ks": ks, "cremad": cremad, "avqa": avqa, "avqa_thu": avqa_thu, "ave": ave,
    "avvp": avvp, "s4": s4, "ms3": ms3, "arig": arig, "ref_avs": ref_avs, "avcap": avcap,
}
