"""pipeline("audio-visual-understanding") and `crab-plus ask` on a saved tiny model and generated clips."""

import json

import numpy as np
import pytest
from transformers import pipeline

from crab_plus.cli import main
from crab_plus.errors import TaskError
from crab_plus.pipelines import AudioVisualUnderstandingPipeline
from crab_plus.tasks.answers import Unparsed
from crab_plus.testing import save_tiny_crab_plus, tiny_crab_plus, tiny_sam, write_test_video


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipe")
    save_tiny_crab_plus(root / "model")
    write_test_video(root / "a.mp4", seconds=2.0, fps=4)
    write_test_video(root / "b.mp4", seconds=2.0, fps=4, tone_hz=880)
    return root


@pytest.fixture(scope="module")
def pipe(folder):
    return pipeline("audio-visual-understanding", model=str(folder / "model"))


def test_pipeline_answers_with_text_and_a_typed_answer(pipe, folder):
    assert isinstance(pipe, AudioVisualUnderstandingPipeline)
    result = pipe(video=str(folder / "a.mp4"), task="ks", max_new_tokens=6)
    assert set(result) == {"task", "text", "answer"} and result["task"] == "ks"
    assert result["answer"] == pipe.processor.parse("ks", result["text"])
    assert isinstance(result["answer"], Unparsed)  # a random model writes no <answer> tag: typed, not raised
    free = pipe(video=str(folder / "a.mp4"), question="What makes the sound?", max_new_tokens=4)
    assert free["task"] == "avqa"


def test_a_list_is_batched_and_gives_what_each_sample_gives_alone(pipe, folder):
    samples = [{"video": str(folder / "a.mp4"), "task": "ks"},
               {"video": [str(folder / "a.mp4"), str(folder / "b.mp4")], "task": "a2v"},
               {"video": str(folder / "b.mp4"), "task": "avqa_thu", "question": "Which?", "options": ["x", "y"]}]
    batched = pipe(samples, batch_size=3, max_new_tokens=5)
    assert isinstance(batched, list) and [r["task"] for r in batched] == ["ks", "a2v", "avqa_thu"]
    for sample, result in zip(samples, batched):
        assert pipe(**sample, max_new_tokens=5)["text"] == result["text"]


def test_model_instance_with_processor_and_masks_for_segmentation(folder):
    model, processor = tiny_crab_plus(seed=0)
    pipe = pipeline("audio-visual-understanding", model=model, processor=processor, sam_model=tiny_sam())
    result = pipe(video=str(folder / "a.mp4"), task="s4", frame_idx=1, max_new_tokens=4)
    mask = result["mask"]
    assert mask.shape == (48, 64) and mask.dtype == np.bool_  # the clip's own frame size
    assert "mask" not in pipe(video=str(folder / "a.mp4"), task="ks", max_new_tokens=2)


def test_unknown_task_lists_the_valid_keys(pipe, folder):
    with pytest.raises(TaskError, match="ave.*ks|ks.*ave"):
        pipe(video=str(folder / "a.mp4"), task="nope")


def test_saving_the_pipeline_keeps_the_folder_loadable_by_task_name(pipe, tmp_path):
    pipe.save_pretrained(tmp_path / "saved")
    assert "custom_pipelines" not in json.loads((tmp_path / "saved" / "config.json").read_text())
    assert isinstance(pipeline("audio-visual-understanding", model=str(tmp_path / "saved")),
                      AudioVisualUnderstandingPipeline)


def test_ask_command(folder, capsys):
    video, model = str(folder / "a.mp4"), str(folder / "model")
    assert main(["ask", video, "--task", "ave", "--model", model, "--json", "--max-new-tokens", "4"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["task"] == "ave" and printed["answer"]["type"] in {"Unparsed", "TimedEvents"}
    assert main(["ask", video, "--question", "Which instrument?", "--model", model, "--max-new-tokens", "3"]) == 0
    assert capsys.readouterr().out.startswith("avqa: ")
    assert main(["ask", video, "--task", "nope", "--model", model]) == 2
    error = capsys.readouterr().err
    assert "nope" in error and "ave" in error and "Loading weights" not in error
