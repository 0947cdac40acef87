"""Text-only lessons: matching targets follow the matching tasks' format and logic, avqa lessons answer their
question from their reasoning, the collator makes training batches, and `crab-plus train` trains the tiny model on
them through the Trainer."""

import json
import re

import pytest
import torch

from crab_plus.data.synth.lessons import LessonCollator, make_lessons
from crab_plus.data.synth.avqa import avqa_answer_from_reasoning
from crab_plus.errors import ConfigError
from crab_plus.tasks import get_task
from crab_plus.testing import tiny_crab_plus, tiny_synth
from crab_plus.training.run import run_training


def _verdicts(target: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """'Video 1: square no, triangle no.' -> [("1", [("square", "no"), ("triangle", "no")]), ...] (both tasks)."""
    return [(n, re.findall(r"([a-z]+) (yes|no)", kinds))
            for n, kinds in re.findall(r"(?:Video|Audio) (\d): ([a-z, ]+)\.", target)]


def test_lessons_are_consistent_plain_matching_cases():
    lessons = make_lessons(200, seed=3)
    assert lessons == make_lessons(200, seed=3) and lessons != make_lessons(200, seed=4)
    assert {l.task for l in lessons} == {"a2v", "v2a"}
    for lesson in lessons:
        answer = get_task(lesson.task).parse(lesson.target)
        candidates = _verdicts(lesson.target)
        assert len(candidates) == 2, lesson.target
        flat = [v for _, kinds in candidates for _, v in kinds]
        assert flat.count("yes") == 1, lesson.target
        assert "yes" in [v for _, v in candidates[answer.index - 1][1]]
        if lesson.task == "a2v":  # each kind's verdict: is it the heard kind
            heard = re.match(r"Heard: (\w+)\.", lesson.target).group(1)
            assert all((kind == heard) == (v == "yes") for _, kinds in candidates for kind, v in kinds)
        else:  # each audio's kind: is it among the seen shapes
            seen = re.match(r"Seen: ([a-z, ]+)\.", lesson.target).group(1).split(", ")
            assert all((kind in seen) == (v == "yes") for _, kinds in candidates for kind, v in kinds)


def test_collator_labels_only_the_target_after_a_random_filler():
    _, processor = tiny_crab_plus(seed=0)
    lessons = make_lessons(6, seed=0)
    batch = LessonCollator(processor, ["a2v", "ks", "v2a"])(lessons)
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
    assert batch["task_ids"].tolist() == [[0, 2][l.task == "v2a"] for l in lessons]
    lengths = batch["attention_mask"].sum(-1)
    assert len(set(lengths.tolist())) > 1  # the filler length varies
    assert "pixel_values_videos" not in batch and "input_features" not in batch  # text only
    for row, lesson in enumerate(lessons):
        labelled = batch["labels"][row][batch["labels"][row] != -100]
        assert processor.tokenizer.decode(labelled).startswith(lesson.target)
    with pytest.raises(ConfigError, match="v2a"):
        LessonCollator(processor, ["a2v", "ks"])


def test_collator_without_prompt_gives_the_assistant_turn_alone():
    _, processor = tiny_crab_plus(seed=0)
    lessons = make_lessons(6, seed=0)
    full = LessonCollator(processor, ["a2v", "v2a"])(lessons)
    bare = LessonCollator(processor, ["a2v", "v2a"], with_prompt=False)(lessons)
    assert bare["task_ids"].tolist() == full["task_ids"].tolist()
    for row, lesson in enumerate(lessons):
        ids = bare["input_ids"][row][bare["attention_mask"][row] == 1]
        text = processor.tokenizer.decode(ids)
        assert text == "<|im_start|>assistant\n" + lesson.target + "<|im_end|>"  # no system prompt, no filler
        labelled = bare["labels"][row][bare["labels"][row] != -100]
        assert processor.tokenizer.decode(labelled) == lesson.target + "<|im_end|>"
        # the same target tokens, labelled the same, as in the full lesson
        assert labelled.tolist() == full["labels"][row][full["labels"][row] != -100].tolist()
    assert bare["attention_mask"].sum() < full["attention_mask"].sum() / 2


def test_lesson_prompt_is_checked():
    from crab_plus.training.arguments import parse_train_arguments

    with pytest.raises(ConfigError, match="lesson_prompt='short'.*full, none"):
        parse_train_arguments({"model_name_or_path": "tiny", "lessons": 8, "lesson_prompt": "short",
                               "output_dir": "unused"})


def test_avqa_lessons_answer_their_question_from_their_reasoning():
    lessons = make_lessons(120, seed=5, tasks=["a2v", "v2a", "avqa"])
    assert lessons == make_lessons(120, seed=5, tasks=["a2v", "v2a", "avqa"])
    by_task = {task: [l for l in lessons if l.task == task] for task in ("a2v", "v2a", "avqa")}
    assert all(len(group) >= 25 for group in by_task.values())
    assert all(l.question is None for l in by_task["a2v"] + by_task["v2a"])
    questions = set()
    for lesson in by_task["avqa"]:
        reasoning, answer = lesson.target.rsplit("\n", 1)
        assert get_task("avqa").parse(lesson.target).label == answer
        assert avqa_answer_from_reasoning(lesson.question, reasoning) == answer, (lesson.question, lesson.target)
        questions.add(lesson.question)
    assert len(questions) >= 10  # every kind of question, about several objects


def test_avqa_lessons_put_the_question_in_the_prompt(tmp_path):
    _, processor = tiny_crab_plus(seed=0)
    lessons = [l for l in make_lessons(12, seed=1, tasks=["avqa", "a2v"]) if l.task == "avqa"][:3]
    batch = LessonCollator(processor, ["avqa", "a2v"], lesson_tasks=["avqa", "a2v"])(lessons)
    assert batch["task_ids"].tolist() == [0] * len(lessons)
    for row, lesson in enumerate(lessons):
        text = processor.tokenizer.decode(batch["input_ids"][row][batch["attention_mask"][row] == 1])
        assert lesson.question in text and text.index(lesson.question) < text.index(lesson.target)
    with pytest.raises(ConfigError, match="need their prompt"):
        LessonCollator(processor, ["avqa"], with_prompt=False, lesson_tasks=["avqa"])
    with pytest.raises(ConfigError, match="lessons are of tasks"):
        make_lessons(4, tasks=["ks"])
    from crab_plus.training.arguments import parse_train_arguments

    base = {"model_name_or_path": "tiny", "lessons": 8, "output_dir": str(tmp_path / "unused")}
    with pytest.raises(ConfigError, match="lessons are of tasks"):
        parse_train_arguments({**base, "tasks": ["a2v", "ave"]})
    with pytest.raises(ConfigError, match="need their prompt"):
        parse_train_arguments({**base, "tasks": ["avqa"], "lesson_prompt": "none"})


def test_ref_avs_lessons_give_the_verdict_of_the_listed_kinds():
    from crab_plus.data.synth.scene import COLOUR_OF_SHAPE

    lessons = make_lessons(80, seed=3, tasks=["ref_avs"])
    assert lessons == make_lessons(80, seed=3, tasks=["ref_avs"])
    assert sum(l.open_end for l in lessons) >= 25 and sum(not l.open_end for l in lessons) >= 25
    for lesson in lessons:
        asked, listing = re.match(r"Asked: (\w+)\. Frame: ([\w, ]+)\.", lesson.target).groups()
        judged = [pair.split(" ") for pair in listing.split(", ")]
        assert lesson.description == f"the {COLOUR_OF_SHAPE[asked]} {asked}" and 2 <= len(judged) <= 3
        assert all(verdict == ("yes" if kind == asked else "no") for kind, verdict in judged)
        there = asked in [kind for kind, _ in judged]
        if lesson.open_end:  # there: the lesson stops after its listing (the place and box would need the frame)
            assert there and lesson.target.endswith(f"Frame: {listing}.")
        else:  # not there: the whole target, parsed as the task's answer
            assert not there and get_task("ref_avs").parse(lesson.target).exists is False
            assert f"Nothing in the frame is {lesson.description}." in lesson.target


def test_open_ref_avs_lessons_end_at_their_verdict():
    _, processor = tiny_crab_plus(seed=0)
    lessons = make_lessons(8, seed=3, tasks=["ref_avs"])
    assert {l.open_end for l in lessons} == {True, False}
    batch = LessonCollator(processor, ["ks", "ref_avs"], lesson_tasks=["ref_avs"])(lessons)
    assert batch["task_ids"].tolist() == [1] * len(lessons)
    for row, lesson in enumerate(lessons):
        ids = batch["input_ids"][row][batch["attention_mask"][row] == 1]
        text = processor.tokenizer.decode(ids)
        labelled = processor.tokenizer.decode(batch["labels"][row][batch["labels"][row] != -100])
        assert text.index(lesson.description) < text.rindex(lesson.target)  # the description is in the prompt
        if lesson.open_end:  # nothing after the verdict, not even the end of the turn
            assert labelled == lesson.target and text.endswith(lesson.target)
        else:
            assert labelled == lesson.target + "<|im_end|>"
    with pytest.raises(ConfigError, match="need their prompt"):
        LessonCollator(processor, ["ref_avs"], with_prompt=False, lesson_tasks=["ref_avs"])


@pytest.mark.parametrize("lesson_prompt, tasks", [("full", None), ("none", None), ("full", ["a2v", "v2a", "avqa"]),
                                                  ("full", ["a2v", "ref_avs"])])
def test_train_on_lessons_writes_a_full_model(tmp_path, lesson_prompt, tasks):
    out = tmp_path / "lessons"
    trainer = run_training({"model_name_or_path": "tiny", "lessons": 8, "lesson_prompt": lesson_prompt,
                            **({"tasks": tasks} if tasks else {}),
                            "adapter": "none", "train_parts": ["text", "lm_head"], "output_dir": str(out),
                            "per_device_train_batch_size": 4, "max_steps": 2, "logging_steps": 1,
                            "learning_rate": 1e-3, "use_cpu": True, "report_to": "none",
                            "remove_unused_columns": False, "save_strategy": "no", "disable_tqdm": True})
    info = json.loads((out / "crab_plus_training.json").read_text())
    assert info["task_keys"] == (tasks or ["a2v", "v2a"]) and info["data"]["lessons"] == 8 and "mixture" not in info
    assert info["data"]["lesson_prompt"] == lesson_prompt
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert len(logs) == 2 and all(torch.isfinite(torch.tensor(h["loss"])) for h in logs)
    assert (out / "model.safetensors").is_file()
    with pytest.raises(ConfigError, match="or both"):
        run_training({"model_name_or_path": "tiny", "output_dir": str(tmp_path / "x"), "adapter": "none",
                      "train_parts": ["text"]})


MIXED_TASKS = ["ks", "avqa"]


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return tiny_synth(tmp_path_factory.mktemp("synth"), MIXED_TASKS, n=4, seed=3)


def test_mixed_batch_gives_each_sample_and_lesson_its_own_logits(synth):
    # a clip sample batched with lessons (rows without media) is read as in a batch of its own, and so is a lesson
    from crab_plus.data import CrabPlusCollator, load_avuie
    from crab_plus.data.synth.lessons import MixedCollator

    model, processor = tiny_crab_plus(seed=0)
    samples = [s for task in MIXED_TASKS for s in load_avuie(synth, "train").by_task()[task][:1]]
    lessons = make_lessons(2, seed=4, tasks=["avqa"])
    mixed = MixedCollator(processor, MIXED_TASKS, lesson_tasks=["avqa"])([lessons[0], samples[0], lessons[1],
                                                                            samples[1]])
    alone = CrabPlusCollator(processor, MIXED_TASKS)(samples)
    taught = LessonCollator(processor, MIXED_TASKS, lesson_tasks=["avqa"])(lessons)
    assert mixed["task_ids"].tolist() == [1, 0, 1, 1]  # avqa, ks, avqa, avqa
    assert torch.equal(mixed["pixel_values_videos"], alone["pixel_values_videos"])  # the samples' media only
    with torch.no_grad():
        logits = model(**{k: v for k, v in mixed.items() if k != "task_ids"}).logits  # (4, T, V)
        references = [(1, alone, 0), (3, alone, 1), (0, taught, 0), (2, taught, 1)]
        for row, batch, ref_row in references:
            length = int(batch["attention_mask"][ref_row].sum())
            assert torch.equal(mixed["labels"][row, :length], batch["labels"][ref_row, :length])
            reference = model(**{k: v for k, v in batch.items() if k != "task_ids"}).logits[ref_row, :length]
            torch.testing.assert_close(logits[row, :length], reference, atol=1e-4, rtol=1e-4)


def test_train_on_annotations_with_lessons_mixed_in(synth, tmp_path):
    out = tmp_path / "mixed"
    base = {"model_name_or_path": "tiny", "annotations": str(synth), "adapter": "none",
            "train_parts": ["text", "lm_head"], "per_device_train_batch_size": 4, "max_steps": 2, "logging_steps": 1,
            "learning_rate": 1e-3, "use_cpu": True, "report_to": "none", "remove_unused_columns": False,
            "save_strategy": "no", "disable_tqdm": True}
    trainer = run_training({**base, "lessons": 8, "lesson_tasks": ["avqa"], "output_dir": str(out)})
    assert len(trainer.train_dataset) == 8 + 8  # 4 train clips of each task, then the lessons
    info = json.loads((out / "crab_plus_training.json").read_text())
    assert info["task_keys"] == ["avqa", "ks"] and info["data"]["lessons"] == 8 and "mixture" in info
    logs = [h for h in trainer.state.log_history if "loss" in h]
    assert len(logs) == 2 and all(torch.isfinite(torch.tensor(h["loss"])) for h in logs)
    with pytest.raises(ConfigError, match="the annotations have no \\['a2v', 'v2a'\\] samples"):
        run_training({**base, "lessons": 8, "output_dir": str(tmp_path / "x")})  # default lessons: a2v, v2a
    with pytest.raises(ConfigError, match="give lessons=<count> too"):
        run_training({**base, "lesson_tasks": ["avqa"], "output_dir": str(tmp_path / "y")})
