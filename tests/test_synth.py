"""AV-Synth: generated files decode, follow the release layout, load with the AV-UIE v2 loader, targets parse to
the ground truth, masks and boxes match the rendered objects, conflicts exist, and generation is deterministic."""

from __future__ import annotations

import json
import os
import re

import av
import numpy as np
import pytest
import soundfile
from PIL import Image

from crab_plus.cli import main
from crab_plus.data import load_avuie
from crab_plus.data.synth import SYNTH_TASKS, make_synth
from crab_plus.data.synth.annotate import ANSWER_FRAME, mask_box, sounding_at
from crab_plus.data.synth.avqa import avqa_answer_from_focus, avqa_answer_from_reasoning
from crab_plus.data.synth.recipes import RECIPES
from crab_plus.data.synth.render_video import render_frame
from crab_plus.data.synth.scene import COLOUR_OF_SHAPE, COLOURS, scene_rng
from crab_plus.errors import ConfigError, TaskError
from crab_plus.tasks import get_task
from crab_plus.tasks.answers import Unparsed

SIZE = 64
# Release fields per task (shared/REFERENCE.md section 5); single-frame tasks use image_path (train) / visual_path
# (test). Every record also has "conflict" (and s4/ms3/ref_avs a "mask_path").
RELEASE_FIELDS = {
    "a2v": {"video1_path", "video2_path", "audio_path", "correct_video", "audio_event", "video1_event",
            "video2_event", "label"},
    "v2a": {"video_path", "audio1_path", "audio2_path", "correct_audio", "audio1_event", "video_event",
            "audio2_event", "label"},
    "ks": {"video_path", "audio_path", "action", "label"},
    "cremad": {"video_path", "audio_path", "emotion", "label"},
    "avqa": {"video_path", "audio_path", "video_id", "question_id", "type", "question", "answer", "label"},
    "avqa_thu": {"video_path", "audio_path", "id", "video_name", "video_id", "question_relation", "question_type",
                 "multi_choice", "question_text", "answer", "label"},
    "ave": {"video_path", "audio_path", "vid", "event", "start_time", "end_time", "label_content"},
    "avvp": {"video_path", "audio_path", "filename", "vid", "event", "label_content"},
    "s4": {"audio_path", "vid", "uid", "a_obj", "frame_idx", "label_content"},
    "ms3": {"audio_path", "vid", "uid", "a_obj", "frame_idx", "label_content"},
    "arig": {"audio_path", "vid", "uid", "a_obj", "frame_idx", "label_content", "top_left", "bottom_right"},
    "ref_avs": {"audio_path", "vid", "fid", "uid", "idx", "description", "output"},
    "avcap": {"video_path", "audio_path", "video_id", "label_content"},
}
FRAME_TASKS = {"s4", "ms3", "arig", "ref_avs"}
TARGET = {"ave": "label_content", "avvp": "label_content", "s4": "label_content", "ms3": "label_content",
          "arig": "label_content", "avcap": "label_content", "ref_avs": "output"}


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    report = make_synth(out, n=3, seed=7, test_fraction=0.34, size=SIZE, fps=2.0, progress=False)
    return out, report


def train_example(task: str, index: int):
    """Train example ``index`` of ``task``'s recipe, seed 3, at the tests' frame size (no files written)."""
    return RECIPES[task](scene_rng(3, task, "train", index), "train", index, SIZE)


def _records(root, task, split):
    with open(os.path.join(root, task, f"{split}.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_every_task_written_in_the_release_layout(synth):
    out, report = synth
    root = out / "AVUIE_2"
    assert set(SYNTH_TASKS) == set(RELEASE_FIELDS)
    for task in report.counts:
        assert report.counts[task] == {"train": 2, "test": 1}
        for split in ("train", "test"):
            for record in _records(root, task, split):
                expected = set(RELEASE_FIELDS[task]) | {"conflict"}
                if task in FRAME_TASKS:
                    expected.add("image_path" if split == "train" else "visual_path")
                if task in ("s4", "ms3", "ref_avs"):
                    expected.add("mask_path")
                if task == "ref_avs" and split == "test":
                    expected |= {"object", "split", "frame_idx"}
                assert set(record) == expected, (task, split)
                assert isinstance(record["conflict"], bool)
    assert report.clips == 3 * len(report.counts) and report.clips_per_second > 0


def test_loader_reads_everything_and_ground_truth_parses(synth):
    out, _ = synth
    for split in ("train", "test"):
        result = load_avuie(out / "AVUIE_2", split)
        assert not result.report.skipped and not result.report.warnings
        assert sorted(result.by_task()) == sorted(synth[1].counts)
        for sample in result:
            task = get_task(sample.task)
            parsed = task.parse(sample.target)
            assert not isinstance(parsed, Unparsed), (sample.task, sample.target)
            assert sample.ground_truth == parsed, (sample.task, sample.target)
            assert sample.target.index(" ") > 0  # a reasoning sentence before the structured answer
            for path in sample.videos + sample.audios:
                assert os.path.isfile(path)


def test_media_decode_with_pyav_and_soundfile(synth):
    out, _ = synth
    root = out / "AVUIE_2"
    for task in ("ks", "cremad", "avqa", "a2v", "v2a"):
        for record in _records(root, task, "train"):
            for field in ("video_path", "video1_path", "video2_path"):
                if field in record:
                    with av.open(str(root / task / "video" / record[field])) as container:
                        video = container.streams.video[0]
                        assert video.codec_context.name == "h264"
                        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
                        assert frames and frames[0].shape == (SIZE, SIZE, 3)
                    with av.open(str(root / task / "video" / record[field])) as container:
                        has_audio = bool(container.streams.audio)
                        if has_audio:
                            assert container.streams.audio[0].codec_context.name == "aac"
                    assert has_audio == (task not in ("a2v", "v2a"))  # matching candidates carry no soundtrack
            for field in ("audio_path", "audio1_path", "audio2_path"):
                if field in record:
                    audio, rate = soundfile.read(str(root / task / "audio" / record[field]))
                    seconds = {"cremad": 4, "avqa": 60}.get(task, 10)
                    assert rate == 16000 and audio.shape == (seconds * 16000,)
                    assert np.abs(audio).max() > 0.05


def test_boxes_points_and_masks_match_the_rendered_objects(synth):
    out, _ = synth
    root = out / "AVUIE_2"
    colours = {tuple(c) for c in COLOURS.values()}
    scale = ANSWER_FRAME / SIZE
    for task in ("s4", "ms3", "ref_avs", "arig"):
        for split in ("train", "test"):
            for record in _records(root, task, split):
                frame = np.asarray(Image.open(root / task / record.get("image_path", record.get("visual_path"))))
                answer = get_task(task).parse(record[TARGET[task]])
                if task == "arig":
                    box = record["top_left"] + record["bottom_right"]
                    x1, y1, x2, y2 = (round(v / scale) for v in box)
                    inside = frame[y1:y2, x1:x2].reshape(-1, 3)
                    # the box is tight: its border rows/columns hold object pixels of one scene colour
                    assert any(tuple(p) in colours for p in frame[y1, x1:x2])
                    assert any(tuple(p) in colours for p in frame[y2 - 1, x1:x2])
                    assert inside.shape[0] > 0
                    # the sounding kind's colour is in its box: hearing the kind, a model can find it by colour
                    assert (inside == COLOURS[COLOUR_OF_SHAPE[record["a_obj"]]]).all(axis=1).any()
                    continue
                mask = np.asarray(Image.open(root / task / record["mask_path"])) > 0
                if task == "ref_avs" and not mask.any():
                    assert record["output"].count("false") >= 1
                    continue
                pixels = {tuple(p) for p in frame[mask]}
                assert pixels <= colours  # the mask covers object pixels only
                box = [round(v / scale) for v in _box_of(answer)]
                assert tuple(box) == mask_box(mask)
                for x, y in _points_of(answer):
                    assert mask[int(y / scale), int(x / scale)]


def test_box_targets_write_every_coordinate_with_three_digits(synth):
    out, _ = synth
    numbers = []
    for task in ("s4", "ms3", "ref_avs", "arig"):
        for split in ("train", "test"):
            for record in _records(out / "AVUIE_2", task, split):
                structured = record[TARGET[task]].split("\n")[-1]
                numbers += re.findall(r"[\[(,]\s*(\d+)(?=[,\])])", structured)
    assert len(numbers) > 20 and all(len(n) == 3 for n in numbers), numbers
    assert any(n.startswith("0") for n in numbers)  # some coordinate below 100 was padded


def _box_of(answer) -> list[float]:
    return list(answer.box)


def _points_of(answer) -> list[tuple[float, float]]:
    return [tuple(p) for p in answer.points]


@pytest.mark.parametrize("task", SYNTH_TASKS)
def test_every_task_has_conflict_and_plain_cases(task):
    flags = [train_example(task, i).conflict for i in range(40)]
    assert 0.1 <= sum(flags) / len(flags) <= 0.95, (task, sum(flags))


@pytest.mark.parametrize("task", SYNTH_TASKS)
def test_every_object_has_the_colour_of_its_kind(task):
    """A sound names a kind (shape) and the kind's colour finds it in the picture, in every task's scenes."""
    objects = [obj for i in range(20) for media in train_example(task, i).media
               for obj in media.scene.objects]
    assert objects or task == "cremad"  # cremad scenes hold a face and a voice only
    assert all(obj.colour == COLOUR_OF_SHAPE[obj.shape] for obj in objects)


def test_ave_audio_is_loud_exactly_in_the_event_seconds(synth):
    out, _ = synth
    root = out / "AVUIE_2"
    for split in ("train", "test"):
        for record in _records(root, "ave", split):
            if record["conflict"]:
                continue
            audio, rate = soundfile.read(str(root / "ave" / "audio" / record["audio_path"]))
            rms = np.sqrt((audio.reshape(10, rate) ** 2).mean(axis=1))
            inside = np.zeros(10, bool)
            inside[record["start_time"]:record["end_time"]] = True
            if (~inside).any():
                assert rms[inside].min() > 5 * rms[~inside].max()


def test_same_seed_same_annotations_other_seed_differs(tmp_path):
    TASKS = ["ks", "ref_avs", "avvp"]
    def files(out, seed):
        make_synth(out, n=4, seed=seed, tasks=TASKS, size=32, fps=1.0, progress=False)
        return {t: (out / "AVUIE_2" / t / "train.json").read_bytes() for t in TASKS}

    first, again, other = files(tmp_path / "a", 1), files(tmp_path / "b", 1), files(tmp_path / "c", 2)
    assert first == again
    assert first != other
    # asking for fewer tasks does not change a task's samples
    make_synth(tmp_path / "d", n=4, seed=1, tasks=TASKS[:1], size=32, fps=1.0, progress=False)
    assert (tmp_path / "d" / "AVUIE_2" / TASKS[0] / "train.json").read_bytes() == first[TASKS[0]]


def test_fast_aac_coder_changes_the_soundtracks_not_the_annotations(tmp_path):
    from crab_plus.processing.media import load_audio
    from crab_plus.testing import relative_rms_error

    out = {}
    for coder in ("default", "fast"):
        assert main(["synth", "make", "--out", str(tmp_path / coder), "--n", "2", "--tasks", "ks", "--size", "32",
                     "--fps", "1", "--split-test-fraction", "0.5", "--aac-coder", coder, "--quiet"]) == 0
        out[coder] = tmp_path / coder / "AVUIE_2" / "ks"
    assert (out["default"] / "train.json").read_bytes() == (out["fast"] / "train.json").read_bytes()
    clip = _records(out["default"].parent, "ks", "train")[0]["video_path"]
    default, fast = (out[coder] / "video" / clip for coder in ("default", "fast"))
    assert default.read_bytes() != fast.read_bytes()
    gap = relative_rms_error(load_audio(fast, target_rate=16000), load_audio(default, target_rate=16000))
    assert gap < 0.1, gap  # the same sound, encoded two ways
    with pytest.raises(ConfigError, match="aac_coder='slow'"):
        make_synth(tmp_path, n=2, tasks=["ks"], aac_coder="slow")


def test_cli_synth_make(tmp_path, capsys):
    tasks = ["ks", "s4"]
    assert main(["synth", "make", "--out", str(tmp_path), "--n", "2", "--tasks", *tasks, "--size", "32",
                 "--fps", "1", "--split-test-fraction", "0.5", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "clips/s" in printed
    assert len(_records(tmp_path / "AVUIE_2", "s4", "test")) == 1
    assert main(["synth", "make", "--out", str(tmp_path), "--n", "2", "--tasks", "nope", "--quiet"]) == 2
    assert "valid:" in capsys.readouterr().err


def test_more_train_samples_with_a_fixed_test_count_keep_the_test_split_and_the_other_tasks(tmp_path):
    small, large = tmp_path / "small", tmp_path / "large"
    make_synth(small, n=4, tasks=["arig", "ks"], size=32, fps=1, test_count=1, progress=False)
    make_synth(large, n=4, tasks=["arig", "ks"], size=32, fps=1, test_count=1, progress=False)
    assert main(["synth", "make", "--out", str(large), "--n", "6", "--n-test", "1", "--tasks", "arig", "--size",
                 "32", "--fps", "1", "--quiet"]) == 0
    assert _records(large / "AVUIE_2", "arig", "test") == _records(small / "AVUIE_2", "arig", "test")
    train = _records(large / "AVUIE_2", "arig", "train")
    assert len(train) == 5 and train[:3] == _records(small / "AVUIE_2", "arig", "train")
    assert _records(large / "AVUIE_2", "ks", "train") == _records(small / "AVUIE_2", "ks", "train")  # untouched


def test_bad_arguments_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="positive"):
        make_synth(tmp_path, n=0)
    with pytest.raises(ConfigError, match="training sample"):
        make_synth(tmp_path, n=1, test_fraction=0.9)
    with pytest.raises(ConfigError, match="even"):
        make_synth(tmp_path, n=2, size=65)
    with pytest.raises(ConfigError, match="test count 3"):
        make_synth(tmp_path, n=3, test_count=3)
    with pytest.raises(TaskError, match="a2v"):
        make_synth(tmp_path, n=1, tasks=["ucf"])


def test_every_task_goes_through_the_processor(synth):
    from crab_plus.testing import tiny_crab_plus

    out, _ = synth
    _, processor = tiny_crab_plus(seed=0)
    seen = set()
    for sample in load_avuie(out / "AVUIE_2", "test"):
        if sample.task in seen:
            continue
        seen.add(sample.task)
        video = sample.videos if len(sample.videos) > 1 else sample.videos[0]
        audio = sample.audios if len(sample.audios) > 1 else sample.audios[0]
        batch = processor.prepare(sample.task, video, audio, question=sample.question, options=sample.options,
                                  frame_idx=sample.frame_idx, description=sample.description, target=sample.target)
        assert (batch["labels"] != -100).sum() > 0
        assert ("pixel_values" in batch) == (sample.task in FRAME_TASKS)
        assert batch["input_features"].shape[0] == 1
    assert seen == set(SYNTH_TASKS)


def test_ref_avs_colour_descriptions_first_list_the_frame_and_give_a_verdict():
    """"the red circle": the reasoning lists the kinds the rendered frame shows, left to right, and says whether the
    asked kind is among them (the matching tasks' verdict), which is the answer; other descriptions keep theirs."""

    listed = 0
    for i in range(60):
        example = train_example("ref_avs", i)
        description, frame_media = example.record["description"], example.media[0]
        match = re.fullmatch(r"Asked: (\w+)\. Frame: ([\w, ]+)\. .*", example.reasoning)
        if any(word in description for word in ("sounding", "silent", "making")):
            assert match is None, example.reasoning
            continue
        assert match is not None, example.reasoning
        asked, judged = match.group(1), [pair.split(" ") for pair in match.group(2).split(", ")]
        kinds = [kind for kind, _ in judged]
        assert all(verdict == ("yes" if kind == asked else "no") for kind, verdict in judged)  # a2v's lookup
        assert description.endswith(asked) and example.answer.exists == (asked in kinds)
        image, masks = render_frame(frame_media.scene, frame_media.time, SIZE)
        shown = [obj for obj, mask in zip(frame_media.scene.objects, masks) if mask.any()]
        assert kinds == [obj.shape for obj in sorted(shown, key=lambda obj: obj.x)]
        for obj in shown:  # each listed kind is in the picture, in its colour
            assert (image.reshape(-1, 3) == COLOURS[obj.colour]).all(axis=1).any()
        listed += 1
    assert listed >= 10


def test_ref_avs_sounding_and_silent_descriptions_name_a_silent_object():
    """"the silent diamond" is the silent diamond in the frame, placed and boxed; "the sounding diamond" names a
    silent object in the frame too, so nothing is it. The reasoning says so in the description's words."""

    seen = {"sounding": 0, "silent": 0}
    for i in range(80):
        example = train_example("ref_avs", i)
        description, frame = example.record["description"], example.media[0]
        described = re.fullmatch(r"the (sounding|silent) (\w+)", description)
        if described is None:
            continue
        quality, named = described.groups()
        heard = {frame.scene.objects[k].shape for k in sounding_at(frame.scene, frame.time)}
        shown = {obj.shape for obj in frame.scene.objects}
        assert named in shown and named not in heard
        assert example.answer.exists == (quality == "silent")
        if quality == "sounding":
            assert example.reasoning == f"Nothing in the frame is the sounding {named}."
        else:
            assert re.fullmatch(rf"The silent {named} is the \w+ {named} (left|middle|right)\.", example.reasoning)
            assert example.answer.target.label == named
        seen[quality] += 1
    assert min(seen.values()) >= 5, seen


@pytest.mark.parametrize("task", ["s4", "ms3", "arig"])
def test_frame_tasks_list_the_objects_with_their_places_and_name_the_sources_place_the_same_way(task):
    # "In view: the red circle left, the green square right. The sound is ..., from the green square right ...":
    # the listing follows the rendered frame, and each source is written as it was listed
    places = {"left": 0, "middle": 1, "right": 2}
    phrase = r"the (\w+ \w+) (left|middle|right)\b"
    for i in range(12):
        example = train_example(task, i)
        frame = example.media[0]
        listing = re.match(r"In view: (.*?)\. The sound is", example.reasoning)
        assert listing is not None, example.reasoning
        listed = re.findall(phrase, listing.group(1))
        _, masks = render_frame(frame.scene, frame.time, SIZE)
        shown = [(obj, mask) for obj, mask in zip(frame.scene.objects, masks) if mask.any()]
        centres = [sum(mask_box(mask)[::2]) / 2 / SIZE for _, mask in shown]  # frame fractions
        order = sorted(range(len(shown)), key=centres.__getitem__)
        assert [name for name, _ in listed] == [shown[k][0].described for k in order]
        assert [places[place] for _, place in listed] == [min(2, int(3 * centres[k])) for k in order]
        sources = re.findall(phrase, example.reasoning[listing.end():])
        assert sources and all(source in listed for source in sources)
        if task != "ms3":  # one source: the answer's box is on the side the reasoning names
            x1, _, x2, _ = example.answer.box
            assert min(2, int(3 * (x1 + x2) / 2 / ANSWER_FRAME)) == places[sources[0][1]]


def test_every_avqa_answer_follows_from_its_reasoning():
    # "In view: the red circle left, the green square right. Heard: noise bursts from 12 s, the green square right;
    # a steady tone from 24 s, off screen." lists what each of the seven question kinds needs
    questions = set()
    for i in range(80):
        example = train_example("avqa", i)
        question = example.record["question"]
        assert avqa_answer_from_reasoning(question, example.reasoning) == example.record["answer"], (
            question, example.reasoning)
        # the last sentence restates what is asked; the answer is its last word ("The square: silent." -> no)
        assert avqa_answer_from_focus(example.reasoning) == example.record["answer"], (question, example.reasoning)
        questions.add(question.split(" the ")[0])
    assert len(questions) >= 6, questions
    reasoning = ("In view: the red circle left, the green square right. "
                 "Heard: noise bursts from 12 s, the green square right.")
    assert avqa_answer_from_reasoning("Where is the square?", reasoning) == "right"
    assert avqa_answer_from_reasoning("Where is the cross?", reasoning) is None  # not in view
    assert avqa_answer_from_reasoning("Where is the square?", "I see 2 objects and hear noise bursts.") is None
    assert avqa_answer_from_focus(reasoning) is None  # a listing without its focus sentence
    assert avqa_answer_from_focus(reasoning + " The square: silent.") == "no"
