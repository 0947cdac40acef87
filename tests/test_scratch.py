"""`crab-plus init`: a random Crab+ of a named size with a tokenizer trained on a dataset's own text."""

import pytest
import torch
from transformers import AutoModelForMultimodalLM, AutoProcessor

from crab_plus.cli import main
from crab_plus.data import load_avuie
from crab_plus.data.collator import CrabPlusCollator
from crab_plus.data.synth import make_synth
from crab_plus.errors import ConfigError
from crab_plus.scratch import OMNI_SPECIAL_TOKENS, SIZES, scratch_config, scratch_processor
from crab_plus.testing import tiny_tokenizer


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    out = tmp_path_factory.mktemp("scratch_synth")
    make_synth(out, n=3, seed=0, tasks=("ks", "s4"), test_fraction=0.0, progress=False, size=56)
    return out / "AVUIE_2"


def test_init_writes_a_model_whose_tokenizer_knows_the_dataset(synth, tmp_path):
    assert main(["init", str(tmp_path / "m"), "--data", str(synth), "--size", "tiny", "--vocab-size", "400"]) == 0
    model = AutoModelForMultimodalLM.from_pretrained(tmp_path / "m")
    processor = AutoProcessor.from_pretrained(tmp_path / "m")
    tokenizer = processor.tokenizer
    # the Omni special tokens follow the BPE vocabulary (400 ids), one id each
    ids = [tokenizer.convert_tokens_to_ids(t) for t in OMNI_SPECIAL_TOKENS]
    assert sorted(ids) == list(range(400, 400 + len(OMNI_SPECIAL_TOKENS)))
    assert model.config.video_token_id == tokenizer.convert_tokens_to_ids("<|VIDEO|>")
    samples = load_avuie(synth, "train").samples
    target = samples[0].target
    assert len(tokenizer(target)["input_ids"]) < len(tiny_tokenizer(400)(target)["input_ids"])
    assert tokenizer.decode(tokenizer(target)["input_ids"]) == target
    batch = CrabPlusCollator(processor, ["ks", "s4"], padding_side="right")(samples[:2])
    batch.pop("task_ids")
    loss = model(**batch).loss
    assert torch.isfinite(loss) and loss.item() > 0


def test_small_size_fits_the_shipping_budget_and_halves_the_audio_rate():
    tokenizer = tiny_tokenizer()
    size = SIZES["small"]
    config = scratch_config(tokenizer, size)
    assert config.text_config.hidden_size // config.text_config.num_attention_heads == 2 * sum(size.mrope_section)
    processor = scratch_processor(tokenizer, size)
    two_seconds = processor.feature_extractor(torch.zeros(32000).numpy(), sampling_rate=16000,
                                              return_attention_mask=True, padding="longest")
    assert int(two_seconds["attention_mask"][0].sum()) == 100  # 50 log-mel frames per second (release: 100)
    from crab_plus.scratch import scratch_model

    parameters = sum(p.numel() for p in scratch_model(config).parameters())
    assert 2e6 < parameters and parameters * 4 < 40e6  # float32 weights under the 40 MB budget


def test_unknown_size_is_a_config_error(synth, tmp_path):
    from crab_plus.scratch import init_from_scratch

    with pytest.raises(ConfigError, match="small"):
        init_from_scratch(tmp_path, synth, size="huge")
