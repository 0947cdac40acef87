"""The small Crab+ shipped inside the package: size, format, default of the pipeline and `crab-plus ask`, and real
answers on AV-Synth scenes it never saw (seed 5; it was trained on seed 0)."""

import json

import pytest
from peft import PeftModel
from transformers import pipeline

from crab_plus.cli import main
from crab_plus.data import load_avuie
from crab_plus.data.synth import make_synth
from crab_plus.demo import is_correct
from crab_plus.pipelines.ask import SHIPPED_MODEL_DIR, shipped_model_path
from crab_plus.tasks.answers import Unparsed

CLASSIFICATION = ("ks", "cremad", "avqa_thu", "a2v")


def one(paths):
    return None if not paths else (paths[0] if len(paths) == 1 else list(paths))


@pytest.fixture(scope="module")
def pipe():
    return pipeline("audio-visual-understanding")  # no model: the shipped one


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    out = tmp_path_factory.mktemp("unseen")
    make_synth(out, n=6, seed=5, tasks=(*CLASSIFICATION, "arig", "ave", "s4"), test_fraction=0.0, progress=False)
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


def test_answers_on_unseen_scenes_parse_and_beat_chance(pipe, scenes):
    right = total = 0
    for key in (*CLASSIFICATION, "arig", "ave", "s4"):
        for sample in scenes[key]:
            result = pipe(video=one(sample.videos), audio=one(sample.audios),
                          task=key, question=sample.question, options=sample.options, frame_idx=sample.frame_idx,
                          max_new_tokens=96)
            assert not isinstance(result["answer"], Unparsed), (key, result["text"])
            if key in CLASSIFICATION:
                right += bool(is_correct(key, result["answer"], sample.ground_truth))
                total += 1
    # chance over these four tasks is (1/6 + 1/4 + 1/4 + 1/2) / 4 = 29 %
    assert right / total > 0.5, f"{right}/{total} right"


def test_ask_uses_the_shipped_model_by_default(scenes, capsys):
    sample = scenes["ks"][0]
    assert main(["ask", sample.videos[0], "--task", "ks", "--json", "--max-new-tokens", "64"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["task"] == "ks" and printed["answer"]["type"] == "Label"
