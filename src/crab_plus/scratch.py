"""A new Crab+ model from scratch: a tokenizer trained on a dataset's own text, a small Omni config, a processor.

This is how the model shipped with the package starts (``crab-plus init DIR --data AVUIE_2``): a byte-level
BPE tokenizer trained on the system prompt, every task's instruction and the annotations' questions, options and
targets (so prompts and answers take few tokens), the Qwen2.5-Omni special tokens appended after it,
and a randomly initialised CrabPlusForConditionalGeneration whose size is a named preset (``SIZES``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import torch

from .modeling.configuration_crab_plus import CrabPlusConfig
from .modeling.modeling_crab_plus import CrabPlusForConditionalGeneration

# Qwen2.5-Omni's special tokens, in the release vocabulary's order (ids 151643...).
OMNI_SPECIAL_TOKENS = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|AUDIO|>", "<|audio_bos|>", "<|audio_eos|>",
    "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_bos|>", "<|vision_eos|>", "<|vision_pad|>",
    "<|IMAGE|>", "<|VIDEO|>",
)
# Named media tokens, as the Qwen2.5-Omni tokenizer exposes them (tokenizer.video_token, ...).
OMNI_NAMED_TOKENS = {
    "image_token": "<|IMAGE|>", "audio_token": "<|AUDIO|>", "video_token": "<|VIDEO|>",
    "vision_bos_token": "<|vision_bos|>", "vision_eos_token": "<|vision_eos|>",
    "audio_bos_token": "<|audio_bos|>", "audio_eos_token": "<|audio_eos|>",
}


def train_bpe(corpus: Iterable[str], vocab_size: int):
    """-> (vocab {token: id}, merges [(a, b)]) of a byte-level BPE trained on ``corpus``."""
    import json

    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    bpe.train_from_iterator(corpus, trainer=trainer)
    data = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in data["merges"]]
    return dict(data["vocab"]), merges


def omni_tokenizer(vocab: dict[str, int], merges: list[tuple[str, str]]):
    """A Qwen2Tokenizer over a BPE vocabulary with the Omni special tokens right after it (ids len(vocab)...)."""
    from transformers import Qwen2Tokenizer

    tokenizer = Qwen2Tokenizer(vocab=vocab, merges=merges, extra_special_tokens=OMNI_NAMED_TOKENS)
    tokenizer.add_special_tokens({"additional_special_tokens": list(OMNI_SPECIAL_TOKENS)})
    tokenizer.eos_token = "<|im_end|>"
    tokenizer.pad_token = "<|endoftext|>"
    return tokenizer


def annotation_corpus(annotations: str | Path, splits: Iterable[str] = ("train",)) -> list[str]:
    """The text a Crab+ model reads and writes on a dataset: every task's lead text and instruction template, and
    for each sample the text of its prompt (system prompt, role names, lead text, filled instruction) and its
    target (AV-UIE v2 folder or JSONL file).

    The system prompt and lead text are counted once per sample, as often as the model reads them, so the BPE
    gives them whole words: at vocabulary 1,024 the system prompt takes about 32 tokens instead of 87 when it is
    counted once (model_cards/crab-plus-synth-small.md, (24))."""
    from .data.sources import samples_by_task
    from .processing.processing_crab_plus import SYSTEM_PROMPT
    from .tasks import TASKS

    lines = [f"{task.lead_text} {task.instruction_template}" for task in TASKS.values()]
    for split in splits:
        for key, samples in samples_by_task(Path(annotations), split).items():
            task = TASKS[key]
            for sample in samples:
                lines.append(f"system\n{SYSTEM_PROMPT}\nuser\n{task.lead_text}")
                lines.append(task.instruction(sample.question, sample.options, sample.description))
                lines.append(f"assistant\n{sample.target or ''}")
    return lines


@dataclass(frozen=True)
class ModelSize:
    """Widths and depths of a from-scratch Crab+ (text decoder, vision ViT, audio encoder) and its processor's
    frame side and log-mel. ``mrope_section`` sums to half the text head dim (hidden / heads / 2)."""

    text_hidden: int
    text_layers: int
    text_intermediate: int
    text_heads: int
    text_kv_heads: int
    mrope_section: tuple[int, int, int]
    vision_hidden: int
    vision_depth: int
    vision_heads: int
    audio_hidden: int
    audio_layers: int
    audio_heads: int
    mel_bins: int = 128
    hop_length: int = 160  # the release's 100 log-mel frames per second -> 25 audio tokens per second
    frame_size: int = 56  # 4 x 4 patches of 14 px: 4 video tokens per pair of frames


SIZES = {
    # a few hundred thousand parameters: tests (crab_plus.testing) and the tiny random model.
    "tiny": ModelSize(text_hidden=64, text_layers=2, text_intermediate=128, text_heads=4, text_kv_heads=2,
                      mrope_section=(2, 3, 3), vision_hidden=32, vision_depth=2, vision_heads=2, audio_hidden=32,
                      audio_layers=2, audio_heads=2),
    # ~5 M parameters (~20 MB in float32): the model shipped with the package. 64 mel bins at 50 frames per
    # second (12.5 audio tokens per second) and 112 px frames (16 video tokens per pair of frames).
    "small": ModelSize(text_hidden=256, text_layers=4, text_intermediate=768, text_heads=4, text_kv_heads=2,
                       mrope_section=(8, 12, 12), vision_hidden=128, vision_depth=3, vision_heads=4,
                       audio_hidden=128, audio_layers=3, audio_heads=4, mel_bins=64, hop_length=320, frame_size=112),
}


def scratch_config(tokenizer, size: ModelSize, **overrides) -> CrabPlusConfig:
    """A CrabPlusConfig of ``size`` whose special token ids match ``tokenizer``; ``overrides`` replace fields."""
    ids = {tok: tokenizer.convert_tokens_to_ids(tok) for tok in OMNI_SPECIAL_TOKENS}
    config = dict(
        text_config=dict(
            vocab_size=len(tokenizer), hidden_size=size.text_hidden, intermediate_size=size.text_intermediate,
            num_hidden_layers=size.text_layers, num_attention_heads=size.text_heads,
            num_key_value_heads=size.text_kv_heads, max_position_embeddings=4096,
            rope_parameters={"rope_type": "default", "mrope_section": list(size.mrope_section), "rope_theta": 10000.0},
            tie_word_embeddings=False, pad_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"],
        ),
        vision_config=dict(
            depth=size.vision_depth, hidden_size=size.vision_hidden, intermediate_size=2 * size.vision_hidden,
            num_heads=size.vision_heads, in_channels=3, patch_size=14, spatial_merge_size=2,
            temporal_patch_size=2, window_size=112, out_hidden_size=size.text_hidden,
            fullatt_block_indexes=[size.vision_depth - 1],
        ),
        audio_config=dict(
            num_mel_bins=size.mel_bins, encoder_layers=size.audio_layers, encoder_attention_heads=size.audio_heads,
            encoder_ffn_dim=2 * size.audio_hidden, d_model=size.audio_hidden, max_source_positions=1500,
            n_window=100, output_dim=size.text_hidden,
        ),
        audio_token_index=ids["<|AUDIO|>"], image_token_index=ids["<|IMAGE|>"], video_token_index=ids["<|VIDEO|>"],
        audio_start_token_id=ids["<|audio_bos|>"], audio_end_token_id=ids["<|audio_eos|>"],
        vision_start_token_id=ids["<|vision_bos|>"], vision_end_token_id=ids["<|vision_eos|>"],
        user_token_id=tokenizer.convert_tokens_to_ids("user") if "user" in tokenizer.get_vocab() else 0,
        pad_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"],
    )
    config.update(overrides)
    return CrabPlusConfig(**config)


def scratch_processor(tokenizer, size: ModelSize):
    """A CrabPlusProcessor with ``size``'s frame side and log-mel (bins, hop) and the given tokenizer."""
    from transformers import WhisperFeatureExtractor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from .processing import CrabPlusProcessor

    features = WhisperFeatureExtractor(feature_size=size.mel_bins, hop_length=size.hop_length)
    return CrabPlusProcessor(image_processor=Qwen2VLImageProcessorPil(), feature_extractor=features,
                             tokenizer=tokenizer, frame_size=size.frame_size)


def scratch_model(config: CrabPlusConfig, seed: int = 0) -> CrabPlusForConditionalGeneration:
    """A randomly initialised CrabPlusForConditionalGeneration (weights from ``torch.manual_seed(seed)``)."""
    torch.manual_seed(seed)
    model = CrabPlusForConditionalGeneration(config)
    model.generation_config.pad_token_id = config.text_config.pad_token_id
    model.generation_config.eos_token_id = config.text_config.eos_token_id
    return model


def init_from_scratch(out: str | Path, annotations: str | Path, size: str = "small", vocab_size: int = 1024,
                      seed: int = 0) -> dict:
    """Write a random Crab+ of ``size`` with a tokenizer trained on ``annotations`` (train split) to ``out``.

    Returns {"parameters", "vocab_size", "tokens_per_line"} (mean corpus line length in tokens, a tokenizer check).
    """
    from .errors import ConfigError

    if size not in SIZES:
        raise ConfigError(f"size {size!r} is not known; use one of {', '.join(SIZES)}.")
    corpus = annotation_corpus(annotations)
    tokenizer = omni_tokenizer(*train_bpe(corpus, vocab_size))
    processor = scratch_processor(tokenizer, SIZES[size])
    model = scratch_model(scratch_config(tokenizer, SIZES[size]), seed=seed)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    lines = corpus[:4000]
    return {"parameters": sum(p.numel() for p in model.parameters()), "vocab_size": len(tokenizer),
            "tokens_per_line": sum(len(tokenizer(line)["input_ids"]) for line in lines) / len(lines)}
