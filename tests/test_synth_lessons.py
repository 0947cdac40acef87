"""Text-only lessons: their targets follow the matching and avqa tasks' formats and logic, the collator makes
training batches, and `crab-plus train` trains the tiny model on them through the Trainer."""

import json
import re

import pytest
import torch

from crab_plus.data.synth.lessons import LessonCollator, make_lessons
from crab_plus.errors import ConfigError
from crab_plus.tasks import get_task
from crab_plus.testing import tiny_crab_plus
from crab_plus.training.run import run_training


def _verdicts(target: str) -> list[tuple[str, list[str], str]]:
    """'Video 1: square, triangle, no.' -> [("1", ["square", "triangle"], "no"), ...] for both tasks' formats."""
    return [(n, items.split(", "), verdict)
            for n, items, verdict in re.findall(r"(?:Video|Audio) (\d): ([a-z, ]+?), (yes|no)\.", target)]


def _avqa_truth(question: str, seen: list[tuple[str, str]], heard: list[str]) -> str:
    """The answer worked out from the listing, written out per question."""
    places = dict(seen)
    on_screen = [h for h in heard if h in places]
    words = ["zero", "one", "two", "three", "four"]
    if question == "How many sounds are heard in the video?":
        return words[len(heard)]
    if question == "How many objects are in the video?":
        return words[len(seen)]
    if question == "How many visible objects are making sounds?":
        return words[len(on_screen)]
    if question == "Which visible object makes a sound first?":
        return on_screen[0]
    if question in ("Where is the object that sounds first?", "Where is the sounding object?"):
        assert (len(on_screen) == 1) == (question == "Where is the sounding object?")
        return places[on_screen[0]]
    shape = re.search(r"the (\w+)( making a sound)?\?", question).group(1)
    return ("yes" if shape in heard else "no") if question.startswith("Is the") else places[shape]


def test_avqa_lessons_answer_from_their_listing():
    lessons = [l for l in make_lessons(400, seed=5) if l.task == "avqa"]
    assert len(lessons) > 80 and len({l.question for l in lessons}) > 10
    answers = set()
    for lesson in lessons:
        listing, answer = lesson.target.split("\n")
        seen_text, heard_text = re.fullmatch(r"Seen: (.+)\. Heard: (.+)\.", listing).groups()
        seen = [tuple(item.split(" ", 1)) for item in seen_text.split(", ")]
        heard_items = [item.split(" ", 1) for item in heard_text.split(", ")]
        assert all(place == dict(seen).get(shape, "off screen") for shape, place in heard_items), listing
        assert [p for _, p in seen] in (["left", "right"], ["left", "middle", "right"])
        assert answer == _avqa_truth(lesson.question, seen, [shape for shape, _ in heard_items]), lesson
        answers.add(answer)
    assert {"yes", "no", "one", "two", "left", "right"} <= answers


def test_lessons_are_consistent_plain_matching_cases():
    lessons = make_lessons(200, seed=3)
    assert lessons == make_lessons(200, seed=3) and lessons != make_lessons(200, seed=4)
    assert {l.task for l in lessons} == {"a2v", "avqa", "v2a"}
    for lesson in (l for l in lessons if l.task != "avqa"):
        answer = get_task(lesson.task).parse(lesson.target)
        verdicts = _verdicts(lesson.target)
        assert [v for _, _, v in verdicts].count("yes") == 1, lesson.target
        assert verdicts[answer.index - 1][2] == "yes"
        if lesson.task == "a2v":  # the heard kind is in the matching video only
            heard = re.match(r"Heard: (\w+)\.", lesson.target).group(1)
            assert [heard in shapes for _, shapes, _ in verdicts] == [v == "yes" for _, _, v in verdicts]
        else:  # the matching audio's kind is among the seen shapes, the other's is not
            seen = re.match(r"Seen: ([a-z, ]+)\.", lesson.target).group(1).split(", ")
            assert [kinds[0] in seen for _, kinds, _ in verdicts] == [v == "yes" for _, _, v in verdicts]


def test_collator_labels_only_the_target_after_a_random_filler():
    _, processor = tiny_crab_plus(seed=0)
    lessons = make_lessons(8, seed=0)
    keys = ["a2v", "avqa", "ks", "v2a"]
    assert {l.task for l in lessons} == {"a2v", "avqa", "v2a"}
    batch = LessonCollator(processor, keys)(lessons)
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
    assert batch["task_ids"].tolist() == [keys.index(l.task) for l in lessons]
    lengths = batch["attention_mask"].sum(-1)
    assert len(set(lengths.tolist())) > 1  # the filler length varies
    assert "pixel_values_videos" not in batch and "input_features" not in batch  # text only
    for row, lesson in enumerate(lessons):
        labelled = batch["labels"][row][batch["labels"][row] != -100]
        assert processor.tokenizer.decode(labelled).startswith(lesson.target)
        prompt = processor.tokenizer.decode(batch["input_ids"][row][batch["labels"][row] == -100])
        assert (lesson.question or "Question:") in prompt if lesson.task == "avqa" else "Question:" not in prompt
    with pytest.raises(ConfigError, match="avqa"):
        LessonCollator(processor, ["a2v", "ks", "v2a"])


def test_train_on_lessons_writes_a_full_model(tmp_path):
    out = tmp_path / "lessons"
    trainer = run_training({"model_name_or_path": "tiny", "lessons": 8, "adapter": "none",
                            "train_parts": ["text", "lm_head"], "output_dir": str(out),
                            "per_device_train_batch_size": 4, "max_steps": 2, "logging_steps": 1,
                            "learning_rate": 1e-3, "use_cpu": True, "report_to": "none",
                            "remove_unused_columns": False, "save_strategy": "no", "disable_tqdm": True})
    info = json.loads((out / "crab_plus_training.json").read_text())
    assert info["task_keys"] == ["a2v", "avqa", "v2a"] and info["data"]["lessons"] == 8 and "mixture" not in info
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert len(logs) == 2 and all(torch.isfinite(torch.tensor(h["loss"])) for h in logs)
    assert (out / "model.safetensors").is_file()
    with pytest.raises(ConfigError, match="one of the two"):
        run_training({"model_name_or_path": "tiny", "output_dir": str(tmp_path / "x"), "adapter": "none",
                      "train_parts": ["text"]})
