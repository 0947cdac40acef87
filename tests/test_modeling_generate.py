"""The Omni guard (same logits and tokens as transformers' thinker), generation with media, placeholder errors."""

import pytest
import torch
from transformers import Qwen2_5OmniThinkerConfig, Qwen2_5OmniThinkerForConditionalGeneration

from crab_plus.errors import PlaceholderMismatchError
from crab_plus.testing import tiny_crab_plus_config, tiny_crab_plus_model, tiny_model_inputs


def thinker_config_from(config) -> Qwen2_5OmniThinkerConfig:
    fields = {k: v for k, v in config.to_dict().items()
              if k not in ("model_type", "paradigm", "architectures", "transformers_version")}
    return Qwen2_5OmniThinkerConfig(**fields)


@pytest.fixture(scope="module")
def config():
    return tiny_crab_plus_config()


@pytest.fixture(scope="module")
def thinker_and_crab(config):
    """A seeded random thinker and the crab-plus model converted from its weights."""
    torch.manual_seed(1234)
    thinker = Qwen2_5OmniThinkerForConditionalGeneration(thinker_config_from(config)).eval()
    thinker.generation_config.pad_token_id = config.text_config.pad_token_id
    crab = tiny_crab_plus_model(seed=0, config=config)
    crab.load_state_dict(thinker.state_dict(), strict=True)
    return thinker, crab


def test_guard_same_logits_as_qwen_omni_thinker(thinker_and_crab, config):
    thinker, crab = thinker_and_crab
    inputs = tiny_model_inputs(config, seed=3)
    with torch.no_grad():
        expected = thinker(**inputs).logits
        got = crab(**inputs).logits
    assert got.shape == expected.shape == (1, inputs["input_ids"].shape[1], config.text_config.vocab_size)
    assert (got - expected).abs().max().item() <= 1e-5
    # The media matter: different video patches change the logits.
    changed = dict(inputs, pixel_values_videos=inputs["pixel_values_videos"] + 1.0)
    with torch.no_grad():
        assert (crab(**changed).logits - got).abs().max().item() > 1e-4


def test_guard_same_greedy_generation_with_kv_cache(thinker_and_crab, config):
    thinker, crab = thinker_and_crab
    inputs = tiny_model_inputs(config, seed=4)
    kwargs = dict(max_new_tokens=24, min_new_tokens=24, do_sample=False, use_cache=True)
    expected = thinker.generate(**inputs, **kwargs)
    got = crab.generate(**inputs, **kwargs)
    assert got.shape[1] - inputs["input_ids"].shape[1] == 24
    assert torch.equal(got, expected)


def test_media_are_encoded_at_prefill_only(config):
    model = tiny_crab_plus_model(seed=0, config=config)
    calls = {"visual": 0, "audio": 0}
    model.model.visual.register_forward_hook(lambda *a: calls.__setitem__("visual", calls["visual"] + 1))
    model.model.audio_tower.register_forward_hook(lambda *a: calls.__setitem__("audio", calls["audio"] + 1))
    model.generate(**tiny_model_inputs(config), max_new_tokens=8, min_new_tokens=8, do_sample=False)
    assert calls == {"visual": 1, "audio": 1}


def _left_padded_batch(samples, pad_id):
    length = max(s["input_ids"].shape[1] for s in samples)
    ids, masks = [], []
    for s in samples:
        pad = length - s["input_ids"].shape[1]
        ids.append(torch.cat([torch.full((1, pad), pad_id), s["input_ids"]], dim=1))
        masks.append(torch.cat([torch.zeros(1, pad, dtype=torch.long), s["attention_mask"]], dim=1))
    return {
        "input_ids": torch.cat(ids),
        "attention_mask": torch.cat(masks),
        "pixel_values_videos": torch.cat([s["pixel_values_videos"] for s in samples]),
        "video_grid_thw": torch.cat([s["video_grid_thw"] for s in samples]),
        "video_second_per_grid": torch.cat([s["video_second_per_grid"] for s in samples]),
        "input_features": torch.cat([s["input_features"] for s in samples]),
        "feature_attention_mask": torch.cat([s["feature_attention_mask"] for s in samples]),
    }


def test_left_padded_batch_generates_the_same_tokens_as_each_prompt_alone(config):
    model = tiny_crab_plus_model(seed=0, config=config)
    short = tiny_model_inputs(config, seed=5, prompt_ids=[11, 12, 13, 14])
    long = tiny_model_inputs(config, seed=6, prompt_ids=list(range(20, 37)))
    assert short["input_ids"].shape[1] != long["input_ids"].shape[1]
    kwargs = dict(max_new_tokens=20, min_new_tokens=20, do_sample=False)
    alone = [model.generate(**s, **kwargs)[0, -20:] for s in (short, long)]
    batch = model.generate(**_left_padded_batch([short, long], config.text_config.pad_token_id), **kwargs)
    assert torch.equal(batch[0, -20:], alone[0])
    assert torch.equal(batch[1, -20:], alone[1])


def test_too_few_video_placeholders_is_a_clear_error(config):
    model = tiny_crab_plus_model(seed=0, config=config)
    inputs = tiny_model_inputs(config)
    ids = inputs["input_ids"].clone()
    first_video = int((ids[0] == config.video_token_id).nonzero()[0])
    ids[0, first_video] = 5
    with pytest.raises(PlaceholderMismatchError, match=r"features fill 4 tokens but input_ids hold 3 video placeholder"):
        model(**dict(inputs, input_ids=ids))


def test_audio_features_longer_than_placeholders_is_a_clear_error(config):
    model = tiny_crab_plus_model(seed=0, config=config)
    inputs = tiny_model_inputs(config, audio_mel_frames=100)
    longer = tiny_model_inputs(config, audio_mel_frames=200)
    bad = dict(inputs, input_features=longer["input_features"], feature_attention_mask=longer["feature_attention_mask"])
    with pytest.raises(PlaceholderMismatchError, match="audio"):
        model(**bad)


def test_audio_without_feature_mask_is_a_clear_error(config):
    model = tiny_crab_plus_model(seed=0, config=config)
    inputs = tiny_model_inputs(config)
    inputs.pop("feature_attention_mask")
    with pytest.raises(PlaceholderMismatchError, match="feature_attention_mask"):
        model(**inputs)
