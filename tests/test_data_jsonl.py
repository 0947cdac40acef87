import json
import os

import pytest

from crab_plus.cli import main
from crab_plus.data import load_avuie, load_jsonl, sample_from_row, to_hf_dataset, validate, write_jsonl
from crab_plus.data.fixtures import write_avuie_fixture
from crab_plus.errors import AnnotationError


@pytest.fixture(scope="module")
def avuie(tmp_path_factory):
    return write_avuie_fixture(tmp_path_factory.mktemp("avuie"), n=2)


@pytest.fixture(scope="module")
def samples(avuie):
    return load_avuie(avuie.root, "train").samples + load_avuie(avuie.root, "test").samples


@pytest.mark.parametrize("relative", [False, True])
def test_write_then_load_gives_the_same_samples(avuie, samples, relative):
    path = os.path.join(avuie.root, f"all_{relative}.jsonl")
    assert write_jsonl(samples, path, relative_paths=relative) == len(samples)
    first = json.loads(open(path).readline())
    assert os.path.isabs(first["videos"][0]) is not relative
    loaded = load_jsonl(path)
    assert loaded.report.ok and loaded.samples == samples


def _write(tmp_path, lines, name="mine.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def _good(avuie, task="ave"):
    sample = load_avuie(avuie.root, "train", tasks=[task])[0]
    return {"task": task, "videos": sample.videos, "audios": sample.audios, "target": sample.target}


def test_users_own_file_with_relative_paths_default_ids_and_answer(avuie, tmp_path):
    clip = os.path.join(avuie.root, "ave", "video", "train_000.mp4")
    os.makedirs(tmp_path / "clips")
    os.symlink(clip, tmp_path / "clips" / "a.mp4")
    lines = [{"task": "ave", "videos": ["clips/a.mp4"], "answer": "event:dog barking start_time:1 end_time:4"},
             "",
             {"task": "ave", "videos": ["clips/a.mp4"], "target": "A dog. event:dog barking start_time:2 end_time:6",
              "id": "x", "extra": {"source": "mine"}}]
    result = load_jsonl(_write(tmp_path, lines))
    assert [s.id for s in result] == ["mine:1", "x"]
    assert result[0].videos == [str(tmp_path / "clips" / "a.mp4")] and result[0].audios == []
    assert result[0].target is None and result[0].ground_truth is not None
    assert result[1].extra == {"source": "mine"}
    assert result[0].ground_truth != result[1].ground_truth


BAD_LINES = [
    ("{not json", None, "not valid JSON"),
    ({"task": "ave", "videos": ["clips/a.mp4"], "vidoes": []}, "vidoes", "unknown key"),
    ({"task": "nope", "videos": ["clips/a.mp4"]}, "task", "unknown task key 'nope'"),
    ({"videos": ["clips/a.mp4"]}, "task", "missing required field"),
    ({"task": "a2v", "videos": ["clips/a.mp4"], "audios": ["clips/a.mp4"]}, "videos", "list of 2"),
    ({"task": "s4", "videos": ["clips/a.mp4"]}, "frame_idx", "missing required field"),
    ({"task": "ave", "videos": ["../a.mp4"]}, "videos", "escapes the media root"),
    ({"task": "ave", "videos": ["clips/none.mp4"]}, "videos", "media file not found"),
    ({"task": "ave", "videos": ["clips/a.mp4"], "extra": [1]}, "extra", "JSON object"),
    ({"task": "ave", "videos": ["clips/a.mp4"], "frame_idx": 1.5}, "frame_idx", "non-negative integer"),
    ({"task": "avqa_thu", "videos": ["clips/a.mp4"], "question": "Which?", "options": "a, b"}, "options",
     "list of non-empty strings"),
]


@pytest.mark.parametrize("line, field, message", BAD_LINES)
def test_bad_lines_name_the_file_line_and_field(avuie, tmp_path, line, field, message):
    os.makedirs(tmp_path / "clips")
    os.symlink(os.path.join(avuie.root, "ave", "video", "train_000.mp4"), tmp_path / "clips" / "a.mp4")
    path = _write(tmp_path, [{"task": "ave", "videos": ["clips/a.mp4"]}, line])
    with pytest.raises(AnnotationError, match=message) as info:
        load_jsonl(path)
    assert (info.value.file, info.value.index, info.value.field) == (str(path), 2, field)
    skipped = load_jsonl(path, errors="skip")
    assert len(skipped) == 1 and [p.index for p in skipped.report.skipped] == [2]


def test_instruction_slots_duplicates_absolute_and_empty(avuie, tmp_path):
    good = _good(avuie, "avqa")
    with pytest.raises(AnnotationError, match="instruction") as info:
        load_jsonl(_write(tmp_path, [good]))  # MUSIC-AVQA needs its question
    assert info.value.index == 1
    good["question"] = "How many instruments are playing?"
    assert len(load_jsonl(_write(tmp_path, [good]))) == 1
    with pytest.raises(AnnotationError, match="absolute path"):
        load_jsonl(_write(tmp_path, [good]), allow_absolute_paths=False)
    with pytest.raises(AnnotationError, match="duplicate id 'a', first on line 1") as info:
        load_jsonl(_write(tmp_path, [{**good, "id": "a"}, {**good, "id": "a"}]))
    assert (info.value.index, info.value.field) == (2, "id")
    with pytest.raises(AnnotationError, match="no records"):
        load_jsonl(_write(tmp_path, ["", "  "]))
    with pytest.raises(AnnotationError, match="file not found"):
        load_jsonl(tmp_path / "absent.jsonl")


def test_validate_command(avuie, tmp_path, capsys):
    good = _good(avuie)
    path = _write(tmp_path, [good, {**good, "task": "nope"}, good])
    assert main(["data", "validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert f"{path}:2: task: unknown task key 'nope'" in err and "1 problem(s)" in err
    assert "total" in out
    assert main(["data", "validate", str(_write(tmp_path, [good, good], "ok.jsonl"))]) == 0
    assert "ok: 2 sample(s) valid" in capsys.readouterr().out
    report = validate(path)
    assert report.total_loaded == 2 and len(report.skipped) == 1


def test_validate_command_on_avuie_folders(avuie, tmp_path, capsys):
    assert main(["data", "validate", avuie.root]) == 0
    out = capsys.readouterr().out
    assert "ave/train" in out and "ave/test" in out
    dirty = write_avuie_fixture(tmp_path / "bad", tasks=["ave", "avqa", "avcap"], malformed=True)
    assert main(["data", "validate", dirty.root]) == 2
    err = capsys.readouterr().err
    assert "escapes the media root" in err and "duplicate id" in err and "unknown task key" in err
    assert f"{dirty.file('ave', 'train')}[2]: video_path: path '../../../outside.mp4' escapes" in err


def test_hf_dataset_is_lazy_and_round_trips(samples):
    dataset = to_hf_dataset(samples)
    assert len(dataset) == len(samples)
    assert set(dataset.column_names) == {"task", "videos", "audios", "frame_idx", "question", "options",
                                         "description", "target", "answer", "id", "extra"}
    assert dataset.features["videos"].feature.dtype == "string"  # paths, not decoded media
    back = [sample_from_row(row) for row in dataset]
    assert back == samples
    shuffled = dataset.shuffle(seed=0)
    assert sorted(shuffled["id"]) == sorted(s.id for s in samples)


def test_a_user_registered_task_loads_from_jsonl(avuie, tmp_path):
    from crab_plus.processing.policy import CLIP_10S
    from crab_plus.tasks import Task, register_task
    from crab_plus.tasks.formats import LABEL
    from crab_plus.tasks.registry import unregister_task

    register_task(Task(key="my_sound", family="action", dataset="mine", policy=CLIP_10S,
                       instruction_template="Which source makes the sound? {question}", answer_format=LABEL,
                       metric="accuracy"))
    try:
        good = _good(avuie)
        line = {**good, "task": "my_sound", "question": "Look closely.", "target": "It barks. <answer>dog</answer>"}
        result = load_jsonl(_write(tmp_path, [line]))
        assert result[0].task == "my_sound" and result[0].ground_truth.label == "dog"
        with pytest.raises(AnnotationError, match="needs question") as info:
            load_jsonl(_write(tmp_path, [{k: v for k, v in line.items() if k != "question"}]))
        assert info.value.field == "question"
    finally:
        unregister_task("my_sound")
