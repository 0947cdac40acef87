"""A packaged model (backbone + processor + adapter/ in one folder): `crab-plus package`, the pipeline, the
inference loader."""

import json

import pytest
import torch
from peft import PeftModel, get_peft_model
from transformers import AutoModelForMultimodalLM, pipeline

from crab_plus import ILoraConfig
from crab_plus.cli import main
from crab_plus.errors import CheckpointError
from crab_plus.pipelines.loading import load_model_for_inference, package_model
from crab_plus.testing import save_tiny_crab_plus, write_test_video

from _ilora_models import TARGETS, randomise_heads


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("packaged")
    save_tiny_crab_plus(root / "base")
    model = get_peft_model(AutoModelForMultimodalLM.from_pretrained(root / "base"),
                           ILoraConfig(r=4, num_heads=2, target_modules=TARGETS))
    randomise_heads(model, seed=1)
    model.save_pretrained(root / "adapter")
    (root / "adapter" / "crab_plus_training.json").write_text(json.dumps({"task_keys": ["ave", "ks"]}))
    assert main(["package", str(root / "base"), str(root / "adapter"), str(root / "packaged")]) == 0
    write_test_video(root / "clip.mp4", seconds=2.0, fps=4)
    return root


def test_package_writes_one_folder_whose_adapter_names_no_absolute_base(folders):
    packaged = folders / "packaged"
    for name in ("config.json", "model.safetensors", "processor_config.json", "tokenizer.json",
                 "adapter/adapter_config.json", "adapter/adapter_model.safetensors", "crab_plus_training.json"):
        assert (packaged / name).is_file(), name
    assert json.loads((packaged / "adapter" / "adapter_config.json").read_text())["base_model_name_or_path"] is None


def test_pipeline_and_loader_use_the_packaged_adapter(folders):
    pipe = pipeline("audio-visual-understanding", model=str(folders / "packaged"))
    assert isinstance(pipe.model, PeftModel)
    model, _ = load_model_for_inference(str(folders / "packaged"))
    assert isinstance(model, PeftModel)
    reference = PeftModel.from_pretrained(AutoModelForMultimodalLM.from_pretrained(folders / "base"),
                                          str(folders / "adapter")).eval()
    backbone = AutoModelForMultimodalLM.from_pretrained(folders / "base").eval()
    batch = pipe.processor.prepare("ks", video=str(folders / "clip.mp4"))
    with torch.no_grad():
        packaged_logits = pipe.model(**batch).logits
        assert torch.allclose(packaged_logits, reference(**batch).logits, atol=1e-6)
        assert not torch.allclose(packaged_logits, backbone(**batch).logits, atol=1e-3)  # the adapter is live
    result = pipe(video=str(folders / "clip.mp4"), task="ks", max_new_tokens=4)
    assert set(result) == {"task", "text", "answer"}


def test_package_names_what_is_missing(folders, tmp_path):
    with pytest.raises(CheckpointError, match="adapter_model.safetensors"):
        package_model(folders / "base", tmp_path, tmp_path / "out")
