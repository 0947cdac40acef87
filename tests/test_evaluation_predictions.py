"""The resumable predictions file and the model fingerprint that guards it."""

import json

import pytest
import torch

from crab_plus.errors import CheckpointError
from crab_plus.evaluation.predictions import PredictionStore, model_fingerprint
from crab_plus.testing import tiny_crab_plus_model


def test_fingerprint_tells_models_apart():
    a, b = tiny_crab_plus_model(seed=0), tiny_crab_plus_model(seed=1)
    assert model_fingerprint(a) == model_fingerprint(tiny_crab_plus_model(seed=0))
    assert model_fingerprint(a) != model_fingerprint(b)
    with torch.no_grad():
        a.lm_head.weight[3, 5] += 1e-3  # one changed weight changes the fingerprint
    assert model_fingerprint(a) != model_fingerprint(tiny_crab_plus_model(seed=0))


def test_fingerprint_does_not_depend_on_the_thread_count():
    # 4 M values: torch sums them in parallel chunks, so a float sum rounds differently with 1 and 2 threads
    torch.manual_seed(0)
    model = torch.nn.Linear(2048, 2048)
    threads = torch.get_num_threads()
    try:
        fingerprints = set()
        for count in (1, 2, 3):
            torch.set_num_threads(count)
            fingerprints.add(model_fingerprint(model))
    finally:
        torch.set_num_threads(threads)
    assert len(fingerprints) == 1


def test_store_resumes_and_refuses_another_model(tmp_path):
    path = tmp_path / "predictions.jsonl"
    store = PredictionStore(path, "abc", "model-a")
    store.add([{"task": "ave", "id": "1", "mode": "both", "text": "x"},
               {"task": "ave", "id": "2", "mode": "no_audio", "text": "y"}])
    again = PredictionStore(path, "abc")
    assert again.get("ave", "1", "both") == "x" and again.get("ave", "2", "no_audio") == "y"
    assert again.get("ave", "2", "both") is None
    with pytest.raises(CheckpointError, match="another model"):
        PredictionStore(path, "def")


def test_a_half_written_last_line_is_dropped_and_other_damage_is_an_error(tmp_path):
    path = tmp_path / "p.jsonl"
    PredictionStore(path, "abc").add([{"task": "ks", "id": "1", "mode": "both", "text": "a"}])
    path.write_text(path.read_text() + '{"task": "ks", "id": "2", "mo')
    store = PredictionStore(path, "abc")
    assert store.get("ks", "1", "both") == "a" and store.get("ks", "2", "both") is None
    store.add([{"task": "ks", "id": "2", "mode": "both", "text": "b"}])
    assert [json.loads(l)["id"] for l in path.read_text().splitlines()[1:]] == ["1", "2"]
    path.write_text(path.read_text().replace('"text": "a"', "oops"))
    with pytest.raises(CheckpointError, match="line 2"):
        PredictionStore(path, "abc")
    (tmp_path / "other.jsonl").write_text('{"not": "ours"}\n')
    with pytest.raises(CheckpointError, match="not a crab-plus predictions file"):
        PredictionStore(tmp_path / "other.jsonl", "abc")
