"""Small AV-UIE v2 folders in the release's exact field layout, with real generated media, for tests.

``write_avuie_fixture(root)`` writes ``root/{task}/{train,test}.json`` for every release task (a few records
each; field names as in :mod:`crab_plus.data.release_layout`), the media those records point at (h264 clips
and wav audio written with the project's media writer, jpg frames), and with ``malformed=True`` a known set
of bad records and files. The returned :class:`AvuieFixture` says which records are good and where each bad
one is, so loader tests can compare the loader's report with the truth.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from .release_layout import RELEASE_LAYOUTS

SPLITS = ("train", "test")
_EMOTIONS = ("happy", "sad", "angry", "neutral")
_OBJECTS = ("dog", "guitar", "piano", "car")
_EVENTS = ("dog barking", "playing guitar", "car engine", "man speaking")


@dataclass(frozen=True)
class FixtureProblem:
    """One malformed record (``index``) or file (``index`` None) the fixture wrote on purpose."""

    task: str
    split: str
    index: int | None
    field: str | None
    what: str


@dataclass
class AvuieFixture:
    root: str
    tasks: list[str]
    records: dict[str, dict[str, list[dict]]]  # task -> split -> the records written
    valid: dict[str, dict[str, int]]  # task -> split -> number of good records
    problems: list[FixtureProblem] = field(default_factory=list)
    extra_files: list[str] = field(default_factory=list)  # files outside the task set (e.g. unknown task folder)

    def file(self, task: str, split: str) -> str:
        return os.path.join(self.root, task, f"{split}.json")


def write_avuie_fixture(
    root: str | os.PathLike,
    tasks: Iterable[str] | None = None,
    n: int = 2,
    malformed: bool = False,
    splits: tuple[str, ...] = SPLITS,
) -> AvuieFixture:
    """Write ``n`` good records per task and split (plus malformed ones) and their media under ``root``."""
    root = os.fspath(root)
    keys = list(tasks) if tasks is not None else list(RELEASE_LAYOUTS)
    fixture = AvuieFixture(root, keys, {}, {})
    for key in keys:
        fixture.records[key], fixture.valid[key] = {}, {}
        for split in splits:
            records = [_RECORDS[key](_Writer(root, key), split, i) for i in range(n)]
            fixture.valid[key][split] = len(records)
            fixture.records[key][split] = records
    if malformed:
        _add_malformed(fixture, splits)
    for key in keys:
        for split in splits:
            os.makedirs(os.path.join(root, key), exist_ok=True)
            with open(fixture.file(key, split), "w", encoding="utf-8") as handle:
                json.dump(fixture.records[key][split], handle, indent=1)
    return fixture


# ---------------------------------------------------------------------------------------------- media writers
class _Writer:
    """Writes one task's media under ``root/{task}`` and returns the path as the release record gives it."""

    def __init__(self, root: str, task: str):
        self.task_dir = os.path.join(root, task)

    def clip(self, name: str, seconds: float, seed: int) -> str:
        """``video/{name}``: an mp4 clip, 32x32, 2 fps (release clip files are named, not pathed)."""
        _write_mp4(os.path.join(self.task_dir, "video", name), seconds, seed)
        return name

    def audio(self, name: str, seconds: float, seed: int, in_audio_dir: bool = True) -> str:
        """``audio/{name}`` (clip tasks) or ``{name}`` relative to the task folder (single-frame tasks): a wav."""
        _write_wav(os.path.join(self.task_dir, "audio" if in_audio_dir else "", name), seconds, seed)
        return name

    def frame(self, relative: str, seed: int) -> str:
        """A jpg frame at ``{task}/{relative}`` (single-frame tasks give paths relative to the task folder)."""
        from PIL import Image

        path = os.path.join(self.task_dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        Image.fromarray(_frame(48, 64, seed, 0)).save(path, quality=90)
        return relative


def _frame(height: int, width: int, seed: int, t: int) -> np.ndarray:
    """An RGB frame: a coloured background and a square moving with t (uint8, (H, W, 3))."""
    colour = np.array([(seed * 67) % 256, (seed * 131 + 60) % 256, (seed * 29 + 120) % 256], np.uint8)
    image = np.empty((height, width, 3), np.uint8)
    image[:] = colour
    x = (4 * t + 3 * seed) % max(width - 8, 1)
    image[8:16, x : x + 8] = 255 - colour
    return image


def _tone(seconds: float, seed: int, rate: int) -> np.ndarray:
    """A sine tone whose pitch depends on the record (float32, (samples,))."""
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * (220 + 40 * seed) * t)).astype(np.float32)


def _write_mp4(path: str, seconds: float, seed: int, fps: int = 2, size: int = 32) -> None:
    """An h264 clip without a sound track (AV-UIE v2 gives every clip's audio as a separate file; encoding AAC
    would make the fixture ten times slower)."""
    from ..processing.encode import write_video

    os.makedirs(os.path.dirname(path), exist_ok=True)
    frames = np.stack([_frame(size, size, seed, t) for t in range(int(round(seconds * fps)))])  # (T, H, W, 3)
    write_video(path, frames, fps)


def _write_wav(path: str, seconds: float, seed: int, rate: int = 8000) -> None:
    from ..processing.encode import write_audio

    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_audio(path, _tone(seconds, seed, rate), rate)


# ------------------------------------------------------------------------------------------- record builders
# One builder per task: (writer, split, i) -> a record with the release's field names. Train records carry the
# target text (reasoning + structured answer); test records carry the structured answer fields the release
# evaluates against (and no target, as the release test code reads none).
def _reasoning(i: int) -> str:
    return f"The clip shows a coloured square moving while a tone of {220 + 40 * i} Hz plays. "


def _with_target(record: dict, split: str, target_field: str, target: str) -> dict:
    if split == "train":
        record[target_field] = target
    return record


def _a2v(w: _Writer, split: str, i: int) -> dict:
    vid, correct = f"{split}_{i:03d}", 1 + i % 2
    record = {"video1_path": w.clip(f"{vid}_1.mp4", 10, i), "video2_path": w.clip(f"{vid}_2.mp4", 10, i + 7),
              "audio_path": w.audio(f"{vid}.wav", 10, i), "correct_video": correct,
              "audio_event": _EVENTS[i % 4], "video1_event": _EVENTS[i % 4], "video2_event": _EVENTS[(i + 1) % 4]}
    return _with_target(record, split, "label", _reasoning(i) + f"<answer>{correct}</answer>")


def _v2a(w: _Writer, split: str, i: int) -> dict:
    vid, correct = f"{split}_{i:03d}", 2 - i % 2
    record = {"video_path": w.clip(f"{vid}.mp4", 10, i), "audio1_path": w.audio(f"{vid}_1.wav", 10, i),
              "audio2_path": w.audio(f"{vid}_2.wav", 10, i + 5), "correct_audio": str(correct),
              "audio1_event": _EVENTS[i % 4], "video_event": _EVENTS[i % 4], "audio2_event": _EVENTS[(i + 2) % 4]}
    return _with_target(record, split, "label", _reasoning(i) + f"<answer>{correct}</answer>")


def _clip_label(label_field: str, target_field: str, seconds: float, values: tuple[str, ...]):
    def build(w: _Writer, split: str, i: int) -> dict:
        vid, value = f"{split}_{i:03d}", values[i % len(values)]
        record = {"video_path": w.clip(f"{vid}.mp4", seconds, i), "audio_path": w.audio(f"{vid}.wav", seconds, i),
                  label_field: value}
        return _with_target(record, split, target_field, _reasoning(i) + f"<answer>{value}</answer>")
    return build


def _avqa(w: _Writer, split: str, i: int) -> dict:
    vid = f"{split}_{i:03d}"
    answer = ("two", "yes", "piano")[i % 3]
    record = {"video_path": w.clip(f"{vid}.mp4", 10, i), "audio_path": w.audio(f"{vid}.wav", 10, i),
              "video_id": vid, "question_id": 1000 * SPLITS.index(split) + i,
              "type": json.dumps(["Audio-Visual", "Counting"] if i % 2 else ["Audio", "Comparative"]),
              "question": "How many instruments are sounding in the video?", "answer": answer}
    return _with_target(record, split, "label", _reasoning(i) + answer)


def _avqa_thu(w: _Writer, split: str, i: int) -> dict:
    vid = f"{split}_{i:03d}"
    choices = ["dog", "cat", "car", "bird"]
    record = {"video_path": w.clip(f"{vid}.mp4", 10, i), "audio_path": w.audio(f"{vid}.wav", 10, i),
              "id": f"{split}-{i}", "video_name": f"{vid}.mp4", "video_id": i, "question_relation": "Both",
              "question_type": "Which", "multi_choice": choices,
              "question_text": "Which animal makes the sound in the video?", "answer": choices[i % 4]}
    return _with_target(record, split, "label", _reasoning(i) + choices[i % 4])


def _ave(w: _Writer, split: str, i: int) -> dict:
    vid = f"{split}_{i:03d}"
    event, start, end = _EVENTS[i % 4], i % 5, 5 + i % 5
    record = {"video_path": w.clip(f"{vid}.mp4", 10, i), "audio_path": w.audio(f"{vid}.wav", 10, i), "vid": vid,
              "event": event, "start_time": start, "end_time": end}
    return _with_target(record, split, "label_content",
                        _reasoning(i) + f"event:{event} start_time:{start} end_time:{end}")


# ------------------------------------------------------------------------------------------- malformed input
def _add_malformed(fixture: AvuieFixture, splits: tuple[str, ...]) -> None:
    """Append one bad record to several task files (each a different kind of problem), empty one file, and
    add a folder whose name is not a task key. Every one is listed in ``fixture.problems``."""
    split = splits[0]

    def bad(task: str, record: object, field_name: str | None, what: str) -> None:
        if task not in fixture.records:
            return
        records = fixture.records[task][split]
        fixture.problems.append(FixtureProblem(task, split, len(records), field_name, what))
        records.append(record)

    def good(task: str) -> dict:
        return dict(fixture.records[task][split][0]) if task in fixture.records else {}

    ks = good("ks")
    ks.pop("audio_path", None)
    bad("ks", ks, "audio_path", "missing field")
    bad("ms3", {**good("ms3"), "frame_idx": "three", "uid": "other"}, "frame_idx", "wrong type")
    bad("avqa_thu", {**good("avqa_thu"), "multi_choice": "dog, cat", "id": "other"}, "multi_choice", "wrong type")
    bad("ave", {**good("ave"), "video_path": "../../../outside.mp4"}, "video_path", "path escaping the media root")
    if "ucf" in fixture.records:
        absolute = os.path.abspath(os.path.join(fixture.root, "ucf", "video", good("ucf")["video_path"]))
        bad("ucf", {**good("ucf"), "video_path": absolute}, "video_path", "absolute path")
    bad("avqa", good("avqa"), "question_id", "duplicate id")
    bad("a2v", {**good("a2v"), "video2_path": "missing_clip.mp4"}, "video2_path", "missing media")
    bad("meld", [good("meld")], None, "record is not an object")
    cremad = good("cremad")
    cremad.pop("label", None), cremad.pop("emotion", None)
    bad("cremad", cremad, "label", "neither target nor answer")
    if "avcap" in fixture.records:
        last = splits[-1]
        fixture.records["avcap"][last] = []
        fixture.valid["avcap"][last] = 0
        fixture.problems.append(FixtureProblem("avcap", last, None, None, "empty file"))
    unknown = os.path.join(fixture.root, "not_a_task", f"{split}.json")
    os.makedirs(os.path.dirname(unknown), exist_ok=True)
    with open(unknown, "w", encoding="utf-8") as handle:
        json.dump([{"video_path": "x.mp4"}], handle)
    fixture.extra_files.append(unknown)
    fixture.problems.append(FixtureProblem("not_a_task", split, None, None, "unknown task key"))


def _unav(w: _Writer, split: str, i: int) -> dict:
    vid = f"{split}_{i:03d}"
    events = f"event:{_EVENTS[i % 4]} start_time:0 end_time:4 event:{_EVENTS[(i + 1) % 4]} start_time:5 end_time:10"
    return {"video_path": w.clip(f"{vid}.mp4", 10, i), "audio_path": w.audio(f"{vid}.wav", 10, i), "vid": vid,
            "label_content": _reasoning(i) + events}


def _avvp(w: _Writer, split: str, i: int) -> dict:
    vid = f"{split}_{i:03d}"
    events = _avvp_answer(i)
    record = {"video_path": w.clip(f"{vid}.mp4", 10, i), "audio_path": w.audio(f"{vid}.wav", 10, i),
              "filename": f"{vid}.mp4", "vid": vid, "event": events}
    return _with_target(record, split, "label_content", _reasoning(i) + events)


def _segmentation(frame_field_default: bool):
    """S4 (train: no frame_idx, the first frame) and MS3 (frame_idx everywhere)."""
    def build(w: _Writer, split: str, i: int) -> dict:
        vid = f"{split}_{i:03d}"
        frame = 1 + i if (split == "test" or not frame_field_default) else 0
        image = w.frame(f"visual_frames/{vid}/{vid}_{frame}.png", i)
        record = {"image_path" if split == "train" else "visual_path": image,
                  "audio_path": w.audio(f"audio_wav/{vid}.wav", 5, i, in_audio_dir=False),
                  "vid": vid, "uid": f"{vid}_{_OBJECTS[i % 4]}", "a_obj": _OBJECTS[i % 4]}
        if split == "test" or not frame_field_default:
            record["frame_idx"] = frame
        return _with_target(record, split, "label_content", _reasoning(i) + _box_points_answer(i))
    return build


def _arig(w: _Writer, split: str, i: int) -> dict:
    vid, frame, obj = f"{split}_{i:03d}", 1 + i, _OBJECTS[i % 4]
    top_left, bottom_right = [10 + i, 20 + i], [120 + i, 150 + i]
    record = {"image_path" if split == "train" else "visual_path": w.frame(f"frames/{vid}/{frame}.jpg", i),
              "audio_path": w.audio(f"audio/{vid}.wav", 5, i, in_audio_dir=False), "vid": vid, "uid": vid,
              "a_obj": obj, "top_left": top_left, "bottom_right": bottom_right}
    if split == "test":
        record["frame_idx"] = frame
    answer = (f"The sounding object is {obj}. Its coordinates are "
              f"<obj>({top_left[0]},{top_left[1]})({bottom_right[0]},{bottom_right[1]})</obj>.")
    return _with_target(record, split, "label_content", _reasoning(i) + answer)


def _ref_avs(w: _Writer, split: str, i: int) -> dict:
    vid, fid = f"{split}_{i:03d}", i
    frame = 2 + i if split == "train" else 3 + i
    record = {"image_path" if split == "train" else "visual_path": w.frame(f"media/{vid}/frames/{frame}.jpg", i),
              "audio_path": w.audio(f"media/{vid}/audio.wav", 10, i, in_audio_dir=False), "vid": vid, "fid": fid,
              "uid": f"{vid}_{i}", "idx": frame, "description": ("the dog on the left", "the loudest guitar")[i % 2]}
    if split == "test":
        record.update({"object": ("the barking dog", "the silent piano")[i % 2], "split": "test_s" if i % 2 == 0
                       else "test_n", "frame_idx": frame})
    return _with_target(record, split, "output", _ref_avs_answer(i))


def _avcap(w: _Writer, split: str, i: int) -> dict:
    vid = f"{split}_{i:03d}"
    return {"video_path": w.clip(f"{vid}.mp4", 10, i), "audio_path": w.audio(f"{vid}.wav", 10, i), "video_id": vid,
            "label_content": f"A coloured square moves across the frame while a {220 + 40 * i} Hz tone plays."}


# Answer texts in the release's formats (REFERENCE section 5).
def _box_points_answer(i: int) -> str:
    x, y = 30 + 5 * i, 40 + 3 * i
    return (f"The object making the sound in the video is {_OBJECTS[i % 4]}. Its bounding box is "
            f"[{x},{y},{x + 100},{y + 90}], and three points on it are [{x + 20},{y + 30}], [{x + 50},{y + 45}], "
            f"[{x + 80},{y + 60}].")


def _ref_avs_answer(i: int) -> str:
    if i % 2:
        return "<answer>false</answer> The described object is not in the frame."
    x, y = 20 + 5 * i, 30 + 4 * i
    return (f"<answer>true</answer> The object is the dog on the left. Its bounding box is [{x},{y},{x + 90},"
            f"{y + 80}], and three points on it are [{x + 10},{y + 20}], [{x + 40},{y + 35}], [{x + 70},{y + 50}].")


def _avvp_answer(i: int) -> str:
    first, second = _EVENTS[i % 4], _EVENTS[(i + 1) % 4]
    return (f"<visual>{first} (0,4)</visual><audio>{first} (0,4), {second} (5,10)</audio>")


_RECORDS = {
    "a2v": _a2v, "v2a": _v2a,
    "ks": _clip_label("action", "label", 10, ("playing guitar", "dog barking", "car engine")),
    "ucf": _clip_label("label", "new_label", 10, ("ApplyEyeMakeup", "PlayingPiano")),
    "meld": _clip_label("Emotion", "label", 4, _EMOTIONS),
    "mer24": _clip_label("discrete", "label", 4, _EMOTIONS),
    "cremad": _clip_label("emotion", "label", 4, _EMOTIONS),
    "mafw": _clip_label("emotion", "label", 4, _EMOTIONS),
    "dfew": _clip_label("emotion", "label", 4, _EMOTIONS),
    "avqa": _avqa, "avqa_thu": _avqa_thu, "ave": _ave, "unav": _unav, "avvp": _avvp,
    "s4": _segmentation(frame_field_default=True), "ms3": _segmentation(frame_field_default=False),
    "arig": _arig, "ref_avs": _ref_avs, "avcap": _avcap,
}
