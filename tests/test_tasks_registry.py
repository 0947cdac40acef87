import pytest

import crab_plus
from crab_plus.errors import TaskError
from crab_plus.evaluation.metrics import METRIC_NAMES
from crab_plus.processing.policy import CLIP_10S, EMOTION, FRAME_AT_INDEX, MediaPolicy
from crab_plus.tasks import (FAMILIES, TASKS, AnswerFormat, Label, Task, get_task, register_task, unregister_task)
from crab_plus.tasks import formats

RELEASE_KEYS = ["a2v", "v2a", "ks", "ucf", "meld", "mer24", "cremad", "mafw", "dfew", "avqa", "avqa_thu", "ave",
                "unav", "avvp", "s4", "ms3", "arig", "ref_avs", "avcap"]
EXPECTED_METRIC = {"a2v": "accuracy", "v2a": "accuracy", "ks": "accuracy", "ucf": "accuracy", "meld": "accuracy",
                   "cremad": "accuracy", "mafw": "accuracy", "dfew": "accuracy", "avqa_thu": "accuracy",
                   "avqa": "music_avqa_accuracy", "ave": "ave_accuracy", "avvp": "avvp_f1",
                   "arig": "arig_ciou_auc", "s4": "segmentation_miou_fscore", "ms3": "segmentation_miou_fscore",
                   "ref_avs": "segmentation_miou_fscore", "avcap": "caption_metrics", "mer24": "accuracy", "unav": "ave_accuracy"}


def test_the_release_tasks_are_registered_with_their_records():
    assert list(TASKS)[: len(RELEASE_KEYS)] == RELEASE_KEYS
    assert {k for k in RELEASE_KEYS if not TASKS[k].evaluated} == {"mer24", "unav", "avcap"}
    for key in RELEASE_KEYS:
        task = TASKS[key]
        assert task.key == key and task.family in FAMILIES and task.dataset
        assert task.metric == EXPECTED_METRIC[key], key
        assert task.metric in METRIC_NAMES
        assert isinstance(task.policy, MediaPolicy)
        assert (task.visual_kind == "image") == (key in {"s4", "ms3", "arig", "ref_avs"})
        assert (task.num_videos, task.num_audios) == {"a2v": (2, 1), "v2a": (1, 2)}.get(key, (1, 1))
    assert TASKS["a2v"].lead_text == "These are two videos and an audio:"
    assert TASKS["v2a"].lead_text == "This is a video and two audio clips:"
    assert TASKS["s4"].lead_text == "This is an image and an audio:"
    assert TASKS["ks"].lead_text == "This is a video and an audio:"
    assert TASKS["meld"].policy is EMOTION and TASKS["ms3"].policy is FRAME_AT_INDEX
    assert TASKS["avqa"].policy.name == "music_avqa" and TASKS["arig"].policy.name == "arig"
    assert {t.family for t in TASKS.values()} == set(FAMILIES)


def test_top_level_exports():
    assert crab_plus.TASKS is TASKS and crab_plus.get_task is get_task
    assert crab_plus.register_task is register_task and crab_plus.Task is Task


def test_unknown_key_lists_the_valid_ones():
    with pytest.raises(TaskError, match="unknown task 'avee'.*ave, unav"):
        get_task("avee")
    with pytest.raises(TaskError):
        get_task(None)


def test_instructions_fill_their_slots_and_name_what_is_missing():
    assert TASKS["ks"].instruction() == TASKS["ks"].instruction_template
    assert "<answer>" in TASKS["ks"].instruction()
    with pytest.raises(TaskError, match="needs question"):
        TASKS["avqa"].instruction()
    assert TASKS["avqa"].instruction(question="  Is the piano playing? ").endswith("Question: Is the piano playing?")
    with pytest.raises(TaskError, match="needs options"):
        TASKS["avqa_thu"].instruction(question="Which?", options=[])
    text = TASKS["avqa_thu"].instruction(question="Which animal?", options=["dog", "cat"])
    assert "Question: Which animal? Options: dog, cat" in text
    assert "<des>the dog on the left</des>" in TASKS["ref_avs"].instruction(description="the dog on the left")
    with pytest.raises(TaskError, match="description"):
        TASKS["ref_avs"].instruction(question="ignored")
    assert TASKS["ave"].instruction(question="unused slots are ignored") == TASKS["ave"].instruction()


def test_mapping_is_read_only_and_live():
    with pytest.raises(TypeError):
        TASKS["mine"] = TASKS["ks"]
    mine = Task(key="bird_count", family="qa", dataset="my birds", policy=CLIP_10S,
                instruction_template="How many birds sing? {question}", answer_format=formats.BARE_LABEL,
                metric="accuracy")
    try:
        assert register_task(mine) is mine
        assert "bird_count" in TASKS and get_task("bird_count") is mine
        assert mine.lead_text == "This is a video and an audio:"
        assert mine.parse("I hear three of them.\nthree") == Label("three")
        with pytest.raises(TaskError, match="already registered"):
            register_task(mine)
        register_task(mine, overwrite=True)
    finally:
        unregister_task("bird_count")
    assert "bird_count" not in TASKS
    with pytest.raises(TaskError, match="already registered"):
        register_task(TASKS["ave"])


@pytest.mark.parametrize("change, message", [
    ({"family": "dance"}, "family 'dance'"),
    ({"metric": "bleu"}, "metric 'bleu'"),
    ({"metric": None}, "needs a metric"),
    ({"visual_kind": "image"}, "one-frame policy"),
    ({"instruction_template": "Say {what}"}, "unknown slot"),
    ({"instruction_template": "Say {"}, "not a valid format string"),
    ({"key": "has space"}, "key 'has space'"),
    ({"num_videos": 0}, "num_videos"),
    ({"policy": "clip_10s"}, "MediaPolicy"),
])
def test_invalid_task_records_are_refused(change, message):
    fields = dict(key="mine", family="action", dataset="d", policy=CLIP_10S, instruction_template="Which action?",
                  answer_format=formats.LABEL, metric="accuracy")
    with pytest.raises(TaskError, match=message):
        Task(**{**fields, **change})


def test_a_custom_answer_format():
    yes_no = AnswerFormat("yes_no", Label, lambda text: Label("yes" if "yes" in text.lower() else "no"),
                          lambda a: a.label, lambda a: a.label, "yes")
    task = Task(key="loud", family="qa", dataset="d", policy=CLIP_10S, instruction_template="Is it loud?",
                answer_format=yes_no, metric="accuracy")
    assert task.parse("YES it is") == Label("yes")
    assert task.format_answer(Label("no"), reasoning="Quiet.") == "Quiet.\nno"
    boom = AnswerFormat("boom", Label, lambda text: 1 / 0, str, None, "")
    broken = Task(key="b", family="qa", dataset="d", policy=CLIP_10S, instruction_template="?", answer_format=boom,
                  metric="accuracy")
    unparsed = broken.parse("anything")
    assert type(unparsed).__name__ == "Unparsed" and "ZeroDivisionError" in unparsed.reason


def test_format_answer_checks_the_answer_type_and_reasoning():
    with pytest.raises(TaskError, match="answers with TimedEvents, got Label"):
        TASKS["ave"].format_answer(Label("dog"))
    assert TASKS["ks"].format_answer(Label("x"), reasoning="  \n ") == "<answer>x</answer>"
    with pytest.raises(TaskError, match="reasoning"):
        from crab_plus.tasks import Caption
        TASKS["avcap"].format_answer(Caption("a dog"), reasoning="why")
