"""The small Crab+ shipped inside the package: size, format, default of the pipeline and `crab-plus ask`, and real
answers on AV-Synth scenes it never saw (seed 5; it was trained on seed 0). Its held-out scores are in
model_cards/crab-plus-synth-small.md: it hears well (emotion 100 %) and sees colours, but most tasks that need the
picture are not above chance yet."""

import json
import re

import pytest
from peft import PeftModel
from transformers import pipeline

from crab_plus.cli import main
from crab_plus.data import load_avuie
from crab_plus.data.synth import make_synth
from crab_plus.data.synth.scene import COLOURS, SHAPES
from crab_plus.demo import is_correct
from crab_plus.pipelines.ask import SHIPPED_MODEL_DIR, shipped_model_path
from crab_plus.tasks.answers import Unparsed

FAMILIES = ("ks", "cremad", "avqa_thu", "a2v", "arig", "ave", "s4")


def one(paths):
    return None if not paths else (paths[0] if len(paths) == 1 else list(paths))


@pytest.fixture(scope="module")
def pipe():
    return pipeline("audio-visual-understanding")  # no model: the shipped one


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    out = tmp_path_factory.mktemp("unseen")
    make_synth(out, n=4, seed=5, tasks=FAMILIES, test_fraction=0.0, progress=False)
    return load_avuie(out / "AVUIE_2", "train").by_task()


def test_shipped_folder_is_small_safetensors_only():
    folder = shipped_model_path()
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 40e6
    weights = [p.name for p in files if p.suffix in (".safetensors", ".bin", ".pt", ".pth", ".pkl")]
    assert sorted(weights) == ["adapter_model.safetensors", "model.safetensors"]
    assert json.loads((folder / "adapter" / "adapter_config.json").read_text())["peft_type"] == "ILORA"


def test_pipeline_without_a_model_loads_the_shipped_one_with_its_adapter(pipe):
    assert isinstance(pipe.model, PeftModel)
    assert pipe.model.base_model.model.name_or_path == str(SHIPPED_MODEL_DIR)


COLOUR_WORDS = rf"\b({'|'.join(COLOURS)}) ({'|'.join(SHAPES)})\b"  # "red triangle" -> ("red", "triangle")


def test_answers_on_unseen_scenes_parse_and_emotion_beats_chance(pipe, scenes):
    right, colours = {}, []
    for key in FAMILIES:
        for sample in scenes[key]:
            result = pipe(video=one(sample.videos), audio=one(sample.audios), task=key, question=sample.question,
                          options=sample.options, frame_idx=sample.frame_idx, max_new_tokens=96)
            assert not isinstance(result["answer"], Unparsed), (key, result["text"])
            right.setdefault(key, []).append(is_correct(key, result["answer"], sample.ground_truth))
            said, meant = re.findall(COLOUR_WORDS, result["text"]), re.findall(COLOUR_WORDS, sample.target or "")
            if said and meant:  # the reasoning names the sounding object: its colour can only come from the frames
                colours.append(said[0][0] == meant[0][0])
    assert sum(right["cremad"]) >= 3  # 4 voices, chance 1 in 4: the model reads emotion from the voice
    assert len(colours) >= 12 and sum(colours) >= len(colours) / 3  # 6 colours: chance is 1 in 6 (10 of 22 here)


def test_ask_uses_the_shipped_model_by_default(scenes, capsys):
    sample = scenes["ks"][0]
    assert main(["ask", sample.videos[0], "--task", "ks", "--json", "--max-new-tokens", "64"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["task"] == "ks" and printed["answer"]["type"] == "Label"
