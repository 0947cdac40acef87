"""CrabPlusConfig: the configuration of a Crab+ model.

The Omni paradigm (the Crab+ release) is the Qwen2.5-Omni *thinker*: a Qwen2.5-VL vision encoder, a
Whisper-style audio encoder and a Qwen2 text model. ``CrabPlusConfig`` therefore carries the thinker's fields
(``vision_config``, ``audio_config``, ``text_config`` and the media token ids) under its own model type
``"crab_plus"``, plus ``paradigm``, which names the architecture family. Only ``"omni"`` is built today;
the field exists so that the modular paradigm (vision encoder + audio encoder + projector + any causal LM)
can be added later without changing files saved now: those files say ``"paradigm": "omni"``.
"""

from __future__ import annotations

from transformers.models.qwen2_5_omni.configuration_qwen2_5_omni import Qwen2_5OmniThinkerConfig

PARADIGMS = ("omni",)


class CrabPlusConfig(Qwen2_5OmniThinkerConfig):
    r"""
    paradigm (`str`, defaults to `"omni"`):
        Architecture family. `"omni"`: the Qwen2.5-Omni thinker backbone of the Crab+ release.
    vision_start_token_id (`int`, defaults to 151652):
        `<|vision_bos|>`; the rope-index code finds media spans through it.
    vision_end_token_id (`int`, defaults to 151653):
        `<|vision_eos|>`.
    """

    model_type = "crab_plus"

    paradigm: str = "omni"
    vision_start_token_id: int = 151652
    vision_end_token_id: int = 151653

    def __post_init__(self, **kwargs):
        if self.paradigm not in PARADIGMS:
            from ..errors import ConfigError

            raise ConfigError(
                f"CrabPlusConfig.paradigm={self.paradigm!r} is not known; expected one of {PARADIGMS}. "
                "Check the 'paradigm' field of config.json."
            )
        super().__post_init__(**kwargs)
