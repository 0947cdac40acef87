"""Tiny random Crab+ models, tokenizers and processors for tests and for users' own tests.

Everything here is built in-process from configs (no download): a byte-level BPE tokenizer trained on a small
built-in corpus and carrying the Qwen2.5-Omni special tokens, and a Crab+ model of the Omni paradigm with a
few thousand-wide layers instead of billions of parameters.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from .modeling.configuration_crab_plus import CrabPlusConfig
from .modeling.modeling_crab_plus import CrabPlusForConditionalGeneration
from .scratch import OMNI_NAMED_TOKENS, OMNI_SPECIAL_TOKENS  # noqa: F401 (re-exported for tests)
from .scratch import SIZES, omni_tokenizer, scratch_config, scratch_model, scratch_processor, train_bpe


_CORPUS_WORDS = """
system user assistant you are qwen a virtual human developed by the team alibaba group capable of perceiving
auditory and visual inputs as well as generating text and speech this is video an audio image two videos clips
please watch listen identify action emotion person judge which matches answer question options choices describe
events their time range start end event visual sound sounding object category box points exist does description
caption what where when how many first second left right top bottom instrument playing guitar piano violin drum
dog barking car engine speech man woman child singing talking happy sad angry neutral surprise fear disgust
red green blue yellow circle square triangle moving bouncing rotating static tone chirp noise burst rhythm true
false yes no the of in on at to from with and or is are was were it its this that there here one two three four
five six seven eight nine ten zero 0 1 2 3 4 5 6 7 8 9 10 224 start_time end_time <answer> </answer> <event>
</event> <range> </range> <visual> </visual> <audio> </audio> <obj> </obj> <des> </des> [ ] ( ) , . : ? !
"""


def _corpus() -> list[str]:
    words = _CORPUS_WORDS.split()
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 6)]
    lines += [f"[{a},{b},{a + 37},{b + 41}] ({a},{b}) start_time:{a % 10} end_time:{b % 10}" for a in range(0, 224, 7)
              for b in range(3, 224, 29)]
    return lines * 4


@lru_cache(maxsize=4)
def _trained_bpe(vocab_size: int) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, str], ...]]:
    vocab, merges = train_bpe(_corpus(), vocab_size)
    return tuple(sorted(vocab.items(), key=lambda kv: kv[1])), tuple(merges)


def tiny_tokenizer(vocab_size: int = 640):
    """A Qwen2 byte-level BPE tokenizer trained in-process, with the Omni special tokens appended.

    The special tokens get the ids right after the BPE vocabulary.
    """
    vocab, merges = _trained_bpe(vocab_size)
    return omni_tokenizer(dict(vocab), list(merges))


def tiny_crab_plus_config(tokenizer=None, **overrides) -> CrabPlusConfig:
    """A CrabPlusConfig of a few hundred thousand parameters whose token ids match ``tokenizer``."""
    return scratch_config(tokenizer if tokenizer is not None else tiny_tokenizer(), SIZES["tiny"], **overrides)


def tiny_crab_plus_model(seed: int = 0, config: CrabPlusConfig | None = None) -> CrabPlusForConditionalGeneration:
    """A tiny CrabPlusForConditionalGeneration with weights drawn from ``torch.manual_seed(seed)``."""
    return scratch_model(config if config is not None else tiny_crab_plus_config(), seed=seed).eval()


def tiny_model_inputs(
    config: CrabPlusConfig,
    *,
    seed: int = 0,
    prompt_ids: list[int] | None = None,
    frames: int = 2,
    frame_size: int = 56,
    audio_mel_frames: int = 100,
) -> dict[str, torch.Tensor]:
    """Random model inputs for one sample laid out as Crab+ does: text, video span, audio span, text.

    ``pixel_values_videos`` are (grid_t * grid_h * grid_w, 3 * temporal_patch * patch**2) patch rows and
    ``input_features`` a (1, 128, audio_mel_frames) log-mel block, with placeholders expanded to exactly the
    number of tokens the encoders produce. Used where a test needs model inputs without the processor.
    """
    generator = torch.Generator().manual_seed(seed)
    vision = config.vision_config
    patch, temporal, merge = vision.patch_size, vision.temporal_patch_size, vision.spatial_merge_size
    grid_thw = torch.tensor([[frames // temporal, frame_size // patch, frame_size // patch]])
    n_patches = int(grid_thw.prod())
    pixel_values_videos = torch.randn(n_patches, 3 * temporal * patch * patch, generator=generator)
    n_video_tokens = n_patches // merge**2
    input_features = torch.randn(1, config.audio_config.num_mel_bins, audio_mel_frames, generator=generator)
    feature_attention_mask = torch.ones(1, audio_mel_frames, dtype=torch.long)
    n_audio_tokens = ((audio_mel_frames - 1) // 2 + 1 - 2) // 2 + 1
    text = prompt_ids if prompt_ids is not None else torch.randint(0, 200, (7,), generator=generator).tolist()
    ids = (
        text[:3]
        + [config.vision_start_token_id] + [config.video_token_id] * n_video_tokens + [config.vision_end_token_id]
        + [config.audio_start_token_id] + [config.audio_token_id] * n_audio_tokens + [config.audio_end_token_id]
        + text[3:]
    )
    input_ids = torch.tensor([ids])
    return {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "pixel_values_videos": pixel_values_videos,
        "video_grid_thw": grid_thw,
        "video_second_per_grid": torch.tensor([1.0]),
        "input_features": input_features,
        "feature_attention_mask": feature_attention_mask,
    }


TINY_FRAME_SIZE = 56  # 4 x 4 patches of 14 px: 4 video tokens per pair of frames


def tiny_crab_plus_processor(tokenizer=None, frame_size: int = TINY_FRAME_SIZE):
    """A CrabPlusProcessor with the tiny tokenizer, small frames and the release's 128-bin log-mel."""
    from dataclasses import replace

    size = replace(SIZES["tiny"], frame_size=frame_size)
    return scratch_processor(tokenizer if tokenizer is not None else tiny_tokenizer(), size)


def tiny_crab_plus(seed: int = 0):
    """(model, processor): the tiny random Crab+ model and its processor, offline."""
    processor = tiny_crab_plus_processor()
    return tiny_crab_plus_model(seed=seed, config=tiny_crab_plus_config(processor.tokenizer)), processor


def save_tiny_crab_plus(out: str, seed: int = 0) -> None:
    """Write the tiny random model and its processor (tokenizer included) to ``out`` (``crab-plus init-tiny``)."""
    model, processor = tiny_crab_plus(seed=seed)
    model.save_pretrained(out)
    processor.save_pretrained(out)


def release_key(crab_plus_key: str) -> str:
    """crab-plus weight name -> the name it has in a released Qwen2.5-Omni checkpoint (``thinker.*``)."""
    for ours, released in (("model.language_model.", "thinker.model."), ("model.visual.", "thinker.visual."),
                           ("model.audio_tower.", "thinker.audio_tower."), ("lm_head.", "thinker.lm_head.")):
        if crab_plus_key.startswith(ours):
            return released + crab_plus_key.removeprefix(ours)
    raise ValueError(f"{crab_plus_key!r} is not a crab-plus weight name")


def write_omni_release_checkpoint(
    folder, config: CrabPlusConfig, tensors, *, max_shard_bytes: int = 10**9, thinker_only: bool = False
) -> None:
    """Write a checkpoint laid out like the published Qwen2.5-Omni (sharded safetensors + index + config).

    ``tensors`` yields (released name, tensor) pairs, e.g. ``thinker.model.layers.0...``, ``talker.*``; they
    are written as they come, so a multi-GB synthetic checkpoint never sits in memory whole.
    With ``thinker_only`` the config is a thinker config and names carry no ``thinker.`` prefix.
    """
    import json
    from pathlib import Path

    from .modeling.convert_omni import ShardWriter

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    thinker = {k: v for k, v in config.to_dict().items() if k not in ("paradigm", "architectures", "transformers_version")}
    thinker["model_type"] = "qwen2_5_omni_thinker"
    if thinker_only:
        document = dict(thinker, architectures=["Qwen2_5OmniThinkerForConditionalGeneration"])
    else:
        document = {"model_type": "qwen2_5_omni", "architectures": ["Qwen2_5OmniForConditionalGeneration"],
                    "thinker_config": thinker, "talker_config": {}, "token2wav_config": {}, "enable_audio_output": True}
    (folder / "config.json").write_text(json.dumps(document, indent=2))
    writer = ShardWriter(folder, max_shard_bytes)
    for name, tensor in tensors:
        writer.add(name.removeprefix("thinker.") if thinker_only else name, tensor)
    writer.finish()


def indexed_frames(seconds: float = 2.0, fps: float = 4.0, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """(T, H, W, 3) uint8 frames whose red level encodes the frame index (8 * i, wrapping at 256), so a test can
    tell which frame a decoder returned; green is a constant 128 and blue a left-to-right ramp."""
    width, height = size
    count = max(1, int(round(seconds * fps)))
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    frames[..., 1] = 128
    frames[..., 2] = np.linspace(0, 255, width, dtype=np.uint8)[None, None, :]
    for index in range(count):
        frames[index, ..., 0] = (8 * index) % 256
    return frames


def sine_tone(seconds: float, sample_rate: int = 16000, hz: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    """A sine tone, float32 (samples,)."""
    t = np.arange(int(round(seconds * sample_rate)), dtype=np.float64) / sample_rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def relative_rms_error(decoded: np.ndarray, reference: np.ndarray) -> float:
    """RMS of ``decoded - reference`` over their common length, relative to the RMS of ``reference`` there
    (both (samples,)): how far a lossy round trip (an AAC stream decoded back) is from what was written."""
    length = min(len(decoded), len(reference))
    decoded, reference = decoded[:length], reference[:length]
    return float(np.sqrt(np.mean((decoded - reference) ** 2)) / np.sqrt(np.mean(reference**2)))


def write_test_video(path, seconds: float = 2.0, fps: float = 4.0, size: tuple[int, int] = (64, 48),
                     audio: bool = True, sample_rate: int = 16000, tone_hz: float = 440.0, **codecs) -> str:
    """A real clip written with PyAV (h264 + aac by default) of :func:`indexed_frames` and a tone."""
    from .processing.encode import write_video

    sound = sine_tone(seconds, sample_rate, tone_hz) if audio else None
    return write_video(path, indexed_frames(seconds, fps, size), fps, audio=sound, sample_rate=sample_rate,
                       **codecs)


def write_test_wav(path, seconds: float = 1.0, sample_rate: int = 16000, tone_hz: float = 440.0,
                   channels: int = 1, subtype: str = "PCM_16") -> str:
    """A tone written with soundfile (or PyAV for non-soundfile suffixes)."""
    from .processing.encode import write_audio

    tone = sine_tone(seconds, sample_rate, tone_hz)
    return write_audio(path, np.stack([tone] * channels) if channels > 1 else tone, sample_rate, subtype=subtype)


def tiny_synth(out, tasks, n: int, seed: int, test_fraction: float = 0.0):
    """AV-Synth clips of ``tasks`` sized for the tiny model (64 px frames at 2 fps) written under ``out`` -> the
    ``AVUIE_2`` annotation folder."""
    from pathlib import Path

    from .data.synth import make_synth

    make_synth(out, n=n, seed=seed, tasks=tasks, test_fraction=test_fraction, size=64, fps=2.0, progress=False)
    return Path(out) / "AVUIE_2"


def tiny_sam():
    """A tiny random SamModel (128 px images), for the segmentation second stage in tests."""
    from transformers import SamConfig, SamModel

    torch.manual_seed(0)
    return SamModel(SamConfig(
        vision_config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                           image_size=128, patch_size=16, output_channels=32, global_attn_indexes=[1], mlp_dim=64,
                           window_size=4, num_pos_feats=16),
        prompt_encoder_config=dict(hidden_size=32, image_size=128, patch_size=16, mask_input_channels=4),
        mask_decoder_config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, mlp_dim=64,
                                 iou_head_hidden_dim=32),
    ))


def tiny_sam2():
    """A tiny random Sam2Model (128 px images)."""
    from transformers import Sam2Config, Sam2Model

    torch.manual_seed(0)
    backbone = dict(model_type="sam2_hiera_det_model", hidden_size=16, num_attention_heads=1, image_size=[128, 128],
                    blocks_per_stage=[1, 1, 2, 1], embed_dim_per_stage=[16, 32, 64, 128],
                    num_attention_heads_per_stage=[1, 1, 1, 1], window_size_per_stage=[4, 4, 4, 4],
                    global_attention_blocks=[3], window_positional_embedding_background_size=[2, 2])
    return Sam2Model(Sam2Config(
        vision_config=dict(backbone_config=backbone, backbone_channel_list=[128, 64, 32, 16], fpn_hidden_size=32,
                           backbone_feature_sizes=[[32, 32], [16, 16], [8, 8]]),
        prompt_encoder_config=dict(hidden_size=32, image_size=128, patch_size=16),
        mask_decoder_config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, mlp_dim=64,
                                 iou_head_hidden_dim=32),
    ))
