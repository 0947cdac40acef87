"""The MUSIC-AVQA-style task: a 60 s scene, one of seven questions about it, the reasoning that lists what is seen and
heard and ends with the question's focus, and readers that take an answer back off such a reasoning."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from . import answers as A
from .annotate import location_word, number_word
from .clips import SPLIT_ID_BASE, clip_id, clip_media, sound_phrase, sounding_scene, visible_left_to_right
from .example import Example
from .scene import Scene, SceneObject

AVQA_SECONDS = 60          # MUSIC-AVQA: the policy reads 2 s windows centred at 0, 6, ..., 54 s
AVQA_FPS = 1.0             # 60 frames are plenty for 10 uniformly sampled ones, and cheap to encode
AVQA_BLOCK = 6             # avqa sounds start and stop on multiples of 6 s, so each spans whole policy windows


def avqa_scene(rng) -> Scene:
    """60 s, 2-3 visible objects of which 1-2 sound, maybe an off-screen sound; sounds start on distinct
    6 s blocks (so 'which sounds first' has one answer) and last at least two blocks."""
    count = int(rng.integers(2, 4))
    sounding = int(rng.integers(1, count))
    offscreen = int(rng.random() < 0.3)
    scene = sounding_scene(rng, AVQA_SECONDS, count, sounding, offscreen=offscreen)
    blocks = AVQA_SECONDS // AVQA_BLOCK
    starts = rng.permutation(blocks - 2)[: sounding + offscreen]
    objects, k = list(scene.objects), 0
    for i, obj in enumerate(objects):
        if obj.sound is not None:
            start = int(starts[k]); k += 1
            end = int(rng.integers(start + 2, blocks + 1))
            objects[i] = replace(obj, sound=replace(obj.sound, onset=float(start * AVQA_BLOCK),
                                                    offset=float(end * AVQA_BLOCK)))
    return scene.with_objects(objects)


_FOCUS_WORD = {"yes": "sounding", "no": "silent"}  # "Is the X making a sound?": the answer -> the focus's word


class AvqaQuestion(NamedTuple):
    """One MUSIC-AVQA-style question about a scene, its answer and the *focus*: the reasoning's last sentence, which
    restates what the question asks in few words so that the answer is its last word ("The square: silent." ->
    no; "Sounds heard: two." -> two)."""
    question: str
    answer: str
    type: str
    conflict: bool
    focus: str


def avqa_question(rng, scene: Scene) -> AvqaQuestion:
    """One MUSIC-AVQA-style question about ``scene`` (one of seven kinds)."""
    visible = [o for o in scene.objects if o.visible is not None]
    sounding = [o for o in scene.objects if o.sound is not None]
    vis_sounding = [o for o in visible if o.sound is not None]
    silent = [o for o in visible if o.sound is None]
    hidden = [o for o in sounding if o.visible is None]
    first = min(vis_sounding, key=lambda o: o.sound.onset)
    first_focus = f"First visible source: the {first.described} {location_word(first.x)}."
    kind = int(rng.integers(7))
    if kind == 0:
        count = number_word(len(sounding))
        return AvqaQuestion("How many sounds are heard in the video?", count, '["Audio", "Counting"]',
                            len(sounding) != len(visible), f"Sounds heard: {count}.")
    if kind == 1:
        count = number_word(len(visible))
        return AvqaQuestion("How many objects are in the video?", count, '["Visual", "Counting"]', False,
                            f"Objects in view: {count}.")
    if kind == 2:
        obj = visible[int(rng.integers(len(visible)))]
        answer = "yes" if obj.sound else "no"
        return AvqaQuestion(f"Is the {obj.shape} making a sound?", answer, '["Audio-Visual", "Existential"]',
                            obj.sound is None, f"The {obj.shape}: {_FOCUS_WORD[answer]}.")
    if kind == 3:
        earlier_hidden = any(o.sound.onset < first.sound.onset for o in hidden)
        return AvqaQuestion("Which visible object makes a sound first?", first.shape, '["Audio-Visual", "Temporal"]',
                            bool(silent) or earlier_hidden, f"First visible source: the {first.described}.")
    if kind == 4:
        count = number_word(len(vis_sounding))
        return AvqaQuestion("How many visible objects are making sounds?", count, '["Audio-Visual", "Counting"]',
                            bool(silent), f"Visible sources: {count}.")
    if kind == 5:
        obj = visible[int(rng.integers(len(visible)))]
        return AvqaQuestion(f"Where is the {obj.shape}?", location_word(obj.x), '["Visual", "Location"]', False,
                            f"The {obj.shape}: {location_word(obj.x)}.")
    obj = vis_sounding[int(rng.integers(len(vis_sounding)))]  # drawn whether or not it is asked about (same rng)
    if len(vis_sounding) > 1:
        return AvqaQuestion("Where is the object that sounds first?", location_word(first.x),
                            '["Audio-Visual", "Location"]', True, first_focus)
    return AvqaQuestion("Where is the sounding object?", location_word(obj.x), '["Audio-Visual", "Location"]',
                        bool(silent), first_focus)


def avqa_reasoning(scene: Scene, focus: str = "") -> str:
    """Each visible object with its place, left to right, then each sound in the order it starts with where it comes
    from, written as the object was listed: "In view: the red circle left, the green square right. Heard: noise
    bursts from 12 s, the green square right; a steady tone from 24 s, off screen." Every question's answer is then
    read off the reasoning (counted, looked up or copied), as the box tasks' place is (model card, (28)); the
    question's ``focus`` (:class:`AvqaQuestion`), when given, ends it with that answer as its last word."""
    def placed(obj: SceneObject) -> str:
        return f"the {obj.described} {location_word(obj.x)}"

    in_view = ", ".join(placed(obj) for obj in visible_left_to_right(scene))
    heard = "; ".join(f"{sound_phrase(obj)} from {obj.sound.onset:.0f} s, "
                      + ("off screen" if obj.visible is None else placed(obj))
                      for obj in sorted(scene.sounding_objects(), key=lambda obj: obj.sound.onset))
    return f"In view: {in_view}. Heard: {heard}." + (f" {focus}" if focus else "")


_AVQA_REASONING = re.compile(r"In view: (.*)\. Heard: (.*?)\.(?: ([^.]*)\.)?")  # listing, sounds, focus
_IN_VIEW_ITEM = re.compile(r"the \w+ (\w+) (left|middle|right)")
_HEARD_ITEM = re.compile(r"[\w ]+ from \d+ s, (?:off screen|the \w+ (\w+) (left|middle|right))")


def avqa_answer_from_reasoning(question: str, reasoning: str) -> str | None:
    """The answer to an AV-Synth avqa ``question`` read off an :func:`avqa_reasoning` text alone (counted, looked up
    or copied); None when the text is not in that form or lacks what the question asks about. What a model's own
    reasoning implies, to set beside the answer it gave (benchmarks/avqa_reasoning.py)."""
    match = _AVQA_REASONING.fullmatch(reasoning.strip())
    if match is None:
        return None
    in_view = [_IN_VIEW_ITEM.fullmatch(item) for item in match.group(1).split(", ")]
    heard = [_HEARD_ITEM.fullmatch(item) for item in match.group(2).split("; ")]
    if not all(in_view) or not all(heard):
        return None
    places = {item.group(1): item.group(2) for item in in_view}  # shape -> place
    sources = [item.groups() for item in heard if item.group(1) is not None]  # visible sources: (shape, place)
    asked = re.fullmatch(r"(?:Is|Where is) the (\w+)(?: making a sound)?\?", question)
    answers = {
        "How many sounds are heard in the video?": number_word(len(heard)),
        "How many objects are in the video?": number_word(len(in_view)),
        "How many visible objects are making sounds?": number_word(len(sources)),
        "Which visible object makes a sound first?": sources[0][0] if sources else None,
        "Where is the object that sounds first?": sources[0][1] if sources else None,
        "Where is the sounding object?": sources[0][1] if sources else None,
    }
    if question in answers:
        return answers[question]
    if asked is None or asked.group(1) not in places:
        return None
    if question.startswith("Where"):
        return places[asked.group(1)]
    return "yes" if asked.group(1) in {shape for shape, _ in sources} else "no"


def avqa_answer_from_focus(reasoning: str) -> str | None:
    """The answer an :func:`avqa_reasoning` text's focus sentence ends with ("The square: silent." -> "no"); None when
    the text has no focus sentence after its listing."""
    match = _AVQA_REASONING.fullmatch(reasoning.strip())
    focus = match and match.group(3)
    if not focus or not re.fullmatch(r"[^.]+: [^.]+", focus):
        return None
    last = focus.split()[-1]
    return {word: answer for answer, word in _FOCUS_WORD.items()}.get(last, last)


def avqa(rng, split: str, index: int, size: int) -> Example:
    vid = clip_id(split, index)
    scene = avqa_scene(rng)
    question, answer, qtype, conflict, focus = avqa_question(rng, scene)
    why = avqa_reasoning(scene, focus)
    record = {"video_path": f"{vid}.mp4", "audio_path": f"{vid}.wav", "video_id": vid,
              "question_id": SPLIT_ID_BASE[split] + index, "type": qtype, "question": question, "answer": answer}
    return Example(record, A.label(answer), why, "label", conflict, clip_media(scene, vid, fps=AVQA_FPS))
