import json
import os

import pytest

from crab_plus.data import RELEASE_LAYOUTS, load_avuie
from crab_plus.data.fixtures import write_avuie_fixture
from crab_plus.errors import AnnotationError, TaskError
from crab_plus.tasks import get_task
from crab_plus.tasks.answers import Unparsed

SINGLE_FRAME = {"s4", "ms3", "arig", "ref_avs"}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return write_avuie_fixture(tmp_path_factory.mktemp("avuie"), n=2)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    return write_avuie_fixture(tmp_path_factory.mktemp("avuie_bad"), n=2, malformed=True)


def test_layout_table_covers_the_release_tasks_and_agrees_with_the_registry():
    assert len(RELEASE_LAYOUTS) == 19  # the task list of the release data code
    for key, layout in RELEASE_LAYOUTS.items():
        task = get_task(key)
        assert len(layout.videos) == task.num_videos, key
        assert len(layout.audios) == task.num_audios, key
        assert bool(layout.frame_idx) == task.policy.needs_frame_idx, key
        assert (task.visual_kind == "image") == (key in SINGLE_FRAME), key


@pytest.mark.parametrize("split", ["train", "test"])
def test_every_task_loads_with_resolved_media_and_typed_ground_truth(clean, split):
    result = load_avuie(clean.root, split)
    assert result.report.ok and not result.report.skipped
    assert dict(result.report.loaded) == {k: clean.valid[k][split] for k in clean.tasks}
    assert len(result) == 2 * len(clean.tasks)
    ids = [s.id for s in result]
    assert len(set(ids)) == len(ids)
    for sample in result:
        task = get_task(sample.task)
        assert len(sample.videos) == task.num_videos and len(sample.audios) == task.num_audios
        for path in sample.media_paths:
            assert os.path.isabs(path) and os.path.isfile(path)
            assert path.startswith(os.path.join(clean.root, sample.task) + os.sep)
        assert (sample.frame_idx is not None) == task.policy.needs_frame_idx
        task.instruction(question=sample.question, options=sample.options, description=sample.description)
        if split == "train":
            assert sample.target and not isinstance(sample.ground_truth, Unparsed)
    assert not result.report.warnings, result.report.summary()


def _one(result, task):
    return [s for s in result if s.task == task]


def test_release_field_semantics(clean):
    train, test = load_avuie(clean.root, "train"), load_avuie(clean.root, "test")
    a2v = _one(train, "a2v")[0]
    assert [os.path.basename(p) for p in a2v.videos] == ["train_000_1.mp4", "train_000_2.mp4"]
    assert a2v.videos[0] == os.path.join(clean.root, "a2v", "video", "train_000_1.mp4")
    assert a2v.audios == [os.path.join(clean.root, "a2v", "audio", "train_000.wav")]
    assert a2v.extra["audio_event"] == "dog barking" and "label" not in a2v.extra
    avqa = _one(test, "avqa")
    assert avqa[0].question.startswith("How many") and avqa[0].target is None
    assert avqa[1].extra["type"] == '["Audio-Visual", "Counting"]' and avqa[1].id == "avqa:1001"
    thu = _one(train, "avqa_thu")[0]
    assert thu.options == ["dog", "cat", "car", "bird"] and thu.question.startswith("Which animal")
    ref_train, ref_test = _one(train, "ref_avs")[0], _one(test, "ref_avs")[0]
    assert ref_train.description == "the dog on the left" and ref_train.frame_idx == 2
    assert ref_test.description == "the barking dog" and ref_test.extra["split"] == "test_s"
    assert ref_test.frame_idx == 3
    assert [s.frame_idx for s in _one(train, "s4")] == [0, 0]  # S4 train: the first frame
    assert [s.frame_idx for s in _one(test, "s4")] == [1, 2]
    assert [s.frame_idx for s in _one(train, "arig")] == [1, 2]  # from the image file name
    assert _one(test, "arig")[1].frame_idx == 2


def test_ground_truth_from_structured_fields_in_test_files(clean):
    train, test = load_avuie(clean.root, "train"), load_avuie(clean.root, "test")
    for key in ("a2v", "v2a", "ks", "ucf", "meld", "mer24", "cremad", "mafw", "dfew", "avqa", "avqa_thu", "ave",
                "arig", "avvp"):
        for split, result in (("train", train), ("test", test)):
            records = clean.records[key][split]
            for sample, record in zip(_one(result, key), records):
                assert not isinstance(sample.ground_truth, Unparsed), (key, split, sample.ground_truth)
        # the same structured answer gives the same typed ground truth whether it comes from fields or target
        a = get_task(key).parse(clean.records[key]["train"][0][RELEASE_LAYOUTS[key].target])
        assert _one(train, key)[0].ground_truth == a
    assert [s.ground_truth for s in _one(test, "s4")] == [None, None]  # masks are not in the annotation


def test_media_root_and_task_subset(clean, tmp_path):
    # annotation files copied elsewhere, media left in place: media_root points at them
    for key in ("ave", "s4"):
        os.makedirs(tmp_path / key)
        with open(tmp_path / key / "train.json", "w") as handle:
            json.dump(clean.records[key]["train"], handle)
    result = load_avuie(tmp_path, "train", media_root=clean.root)
    assert sorted(dict(result.report.loaded)) == ["ave", "s4"]
    assert all(p.startswith(clean.root) for s in result for p in s.media_paths)
    with pytest.raises(AnnotationError, match="media file not found"):
        load_avuie(tmp_path, "train")
    assert len(load_avuie(tmp_path, "train", check_media=False)) == 4
    assert [s.task for s in load_avuie(clean.root, "train", tasks="ks")] == ["ks", "ks"]


def test_malformed_records_are_all_reported_when_skipping(dirty):
    result = load_avuie(dirty.root, "train", errors="skip")
    test = load_avuie(dirty.root, "test", errors="skip")
    expected = {(p.task, p.index, p.field) for p in dirty.problems}
    got = {(os.path.basename(os.path.dirname(p.file)), p.index, p.field)
           for p in result.report.skipped + test.report.skipped}
    assert got == expected
    assert dict(result.report.loaded) == {k: v["train"] for k, v in dirty.valid.items() if v["train"]}
    assert result.report.total_loaded + len(result.report.skipped) - 1 == sum(result.report.seen.values())
    summary = result.report.summary()
    assert "skipped (10)" in summary and "escapes the media root" in summary


@pytest.mark.parametrize("problem", range(11))
def test_each_malformed_record_raises_with_file_index_and_field(dirty, problem):
    p = dirty.problems[problem]
    tasks = None if p.task == "not_a_task" else [p.task]
    with pytest.raises(AnnotationError) as info:
        load_avuie(dirty.root, p.split, tasks=tasks)
    error = info.value
    assert os.path.basename(os.path.dirname(error.file)) == p.task
    assert (error.index, error.field) == (p.index, p.field), str(error)


def test_absolute_paths_allowed_on_request(dirty):
    result = load_avuie(dirty.root, "train", tasks=["ucf"], allow_absolute_paths=True)
    assert len(result) == 3 and result[2].videos[0] == result[0].videos[0]


def test_bad_arguments_and_files(tmp_path, clean):
    with pytest.raises(TaskError, match="no AV-UIE v2 release layout"):
        load_avuie(clean.root, "train", tasks=["ave", "nope"])
    with pytest.raises(AnnotationError, match="not a folder"):
        load_avuie(tmp_path / "missing", "train")
    with pytest.raises(AnnotationError, match="no train.json"):
        load_avuie(tmp_path, "train")
    with pytest.raises(AnnotationError, match="annotation file not found"):
        load_avuie(clean.root, "validation", tasks=["ave"])
    os.makedirs(tmp_path / "ave")
    for content, message in [("", "the file is empty"), ("{\"a\": 1}", "expected a JSON list"),
                             ("[1, 2", "not valid JSON"), ("[]", "no records")]:
        (tmp_path / "ave" / "train.json").write_text(content)
        with pytest.raises(AnnotationError, match=message) as info:
            load_avuie(tmp_path, "train")
        assert info.value.index is None and info.value.file.endswith("train.json")
        skipped = load_avuie(tmp_path, "train", errors="skip")
        assert len(skipped) == 0 and len(skipped.report.skipped) == 1


def test_wrong_types_and_missing_fields(tmp_path, clean):
    base = clean.records["arig"]["test"][0]
    cases = [({"top_left": [1]}, "top_left", "point"), ({"frame_idx": -1}, "frame_idx", "non-negative"),
             ({"frame_idx": True}, "frame_idx", "non-negative"), ({"a_obj": 3}, "a_obj", "non-empty string"),
             ({"audio_path": None}, "audio_path", "missing required media field")]
    os.makedirs(tmp_path / "arig")
    for change, field, message in cases:
        (tmp_path / "arig" / "test.json").write_text(json.dumps([{**base, **change}]))
        with pytest.raises(AnnotationError, match=message) as info:
            load_avuie(tmp_path, "test", media_root=clean.root)
        assert (info.value.index, info.value.field) == (0, field)
    record = {k: v for k, v in clean.records["ms3"]["test"][0].items() if k != "frame_idx"}
    os.makedirs(tmp_path / "ms3")
    (tmp_path / "ms3" / "test.json").write_text(json.dumps([record]))
    with pytest.raises(AnnotationError, match="frame_idx") as info:
        load_avuie(tmp_path, "test", tasks=["ms3"], media_root=clean.root)
    assert info.value.field == "frame_idx"


def test_loaded_ground_truth_feeds_the_task_metrics(clean):
    from crab_plus.evaluation.metrics import compute_task_metric
    from crab_plus.tasks import metric_inputs
    from crab_plus.tasks.metric_inputs import MASK_METRICS

    test = load_avuie(clean.root, "test").by_task()
    scored = 0
    for key, samples in test.items():
        task = get_task(key)
        if not task.evaluated or task.metric in MASK_METRICS:
            continue
        answers = [s.ground_truth for s in samples]  # a perfect prediction
        predictions, references, kwargs = metric_inputs(task, answers, samples)
        result = compute_task_metric(task.metric, predictions, references, **kwargs)
        scores = {k: v for k, v in result.items() if not k.startswith("num_")}
        assert scores and all(v == pytest.approx(1.0) for v in scores.values()), (key, result)
        scored += 1
    assert scored >= 12


def test_a_record_without_its_answer_is_an_error_unless_the_answer_is_a_mask(tmp_path, clean):
    for key, field in (("unav", "label_content"), ("avcap", "label_content"), ("ave", "label_content")):
        record = {k: v for k, v in clean.records[key]["train"][0].items() if k not in (field, "event")}
        os.makedirs(tmp_path / key)
        (tmp_path / key / "train.json").write_text(json.dumps([record]))
        with pytest.raises(AnnotationError, match="needs its answer") as info:
            load_avuie(tmp_path, "train", tasks=[key], media_root=clean.root)
        assert info.value.field == field
    for key in ("s4", "ms3", "ref_avs"):  # test records: no target, ground truth is a mask elsewhere
        sample = load_avuie(clean.root, "test", tasks=[key])[0]
        assert sample.target is None and sample.ground_truth is None
