"""Crab+ models of the Omni paradigm: the Qwen2.5-Omni thinker under the ``crab_plus`` model type.

The backbone is transformers' own Qwen2.5-Omni thinker (vision encoder, audio encoder, text model, 3-D rope
index); nothing of it is re-implemented here. Crab+ feeds audio and video as two separate streams
(``use_audio_in_video=False``: ``<|vision_bos|><|VIDEO|>*n<|vision_eos|><|audio_bos|><|AUDIO|>*m<|audio_eos|>``)
and adds I-LoRA adapters through peft (``crab_plus.ilora``). What this module adds to the thinker:

* its own config class and model type, so the auto classes load it without ``trust_remote_code``;
* a placeholder check before the media features are scattered into the text embeddings, raising
  :class:`~crab_plus.errors.PlaceholderMismatchError` instead of a shape error (or, for audio, silence);
* the vision patch embedding as one matrix product (:class:`CrabPlusVisionPatchEmbed`; same weights, same result,
  a faster backward on CPU);
* helpers to freeze the backbone for adapter training.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F
from transformers.models.qwen2_5_omni.modeling_qwen2_5_omni import (
    Qwen2_5_VisionPatchEmbed,
    Qwen2_5OmniPreTrainedModelForConditionalGeneration,
    Qwen2_5OmniThinkerForConditionalGeneration,
    Qwen2_5OmniThinkerModel,
)

from ..errors import PlaceholderMismatchError
from .configuration_crab_plus import CrabPlusConfig


class CrabPlusVisionPatchEmbed(Qwen2_5_VisionPatchEmbed):
    """The thinker's patch embedding computed as a matrix product instead of a Conv3d.

    The Conv3d's stride equals its kernel, so every patch meets the kernel exactly once: the convolution is
    ``patches @ weight.T`` with the patch (C, T, P, P) and the kernel flattened in the same order. Same parameter
    (``proj.weight``, shape (D, C, T, P, P)), same checkpoints; on CPU the backward takes a few milliseconds
    where mkldnn's Conv3d backward took about 0.1 s a training step (benchmarks/step_kernels.py).
    """

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        weight = self.proj.weight  # (D, C, T, P, P)
        patches = hidden_states.reshape(-1, weight[0].numel()).to(weight.dtype)  # (n_patches, C*T*P*P)
        return F.linear(patches, weight.reshape(self.embed_dim, -1))  # (n_patches, D)


def patch_embed_sharing_weight(embed_class: type[Qwen2_5_VisionPatchEmbed],
                               embed: Qwen2_5_VisionPatchEmbed) -> Qwen2_5_VisionPatchEmbed:
    """A patch embedding of ``embed_class`` with ``embed``'s geometry and its very ``proj`` (the same parameter, so
    the parameter names and the initialised or loaded weight stay)."""
    twin = embed_class(embed.patch_size, embed.temporal_patch_size, embed.in_channels, embed.embed_dim)
    twin.proj = embed.proj
    return twin


class CrabPlusModel(Qwen2_5OmniThinkerModel):
    """Vision encoder + audio encoder + text model, returning hidden states (no LM head)."""

    config: CrabPlusConfig
    config_class = CrabPlusConfig
    _keys_to_ignore_on_load_unexpected = [r"^talker", r"^token2wav"]

    def __init__(self, config: CrabPlusConfig):
        super().__init__(config)
        self.visual.patch_embed = patch_embed_sharing_weight(CrabPlusVisionPatchEmbed, self.visual.patch_embed)

    def expected_media_tokens(
        self,
        image_grid_thw: torch.LongTensor | None = None,
        video_grid_thw: torch.LongTensor | None = None,
        feature_attention_mask: torch.Tensor | None = None,
        audio_feature_lengths: torch.LongTensor | None = None,
    ) -> dict[str, int]:
        """Number of placeholder tokens each modality's features fill: {"image", "video", "audio"} -> count."""
        merge = self.config.vision_config.spatial_merge_size**2
        counts = {"image": 0, "video": 0, "audio": 0}
        if image_grid_thw is not None:
            counts["image"] = int(image_grid_thw.prod(-1).sum()) // merge  # (n_images, 3) -> tokens
        if video_grid_thw is not None:
            counts["video"] = int(video_grid_thw.prod(-1).sum()) // merge  # (n_videos, 3) -> tokens
        if feature_attention_mask is not None:
            audio_feature_lengths = feature_attention_mask.sum(-1)  # (n_audios, mel_frames) -> (n_audios,)
        if audio_feature_lengths is not None:
            _, output_lengths = self.audio_tower._get_feat_extract_output_lengths(audio_feature_lengths)
            counts["audio"] = int(output_lengths.sum())
        return counts

    def check_placeholders(
        self,
        input_ids: torch.LongTensor,
        *,
        pixel_values: torch.Tensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        input_features: torch.Tensor | None = None,
        image_grid_thw: torch.LongTensor | None = None,
        video_grid_thw: torch.LongTensor | None = None,
        feature_attention_mask: torch.Tensor | None = None,
        audio_feature_lengths: torch.LongTensor | None = None,
    ) -> None:
        """Raise PlaceholderMismatchError when the placeholder tokens and the given media disagree."""
        given = {"image": pixel_values is not None, "video": pixel_values_videos is not None,
                 "audio": input_features is not None}
        if given["audio"] and feature_attention_mask is None and audio_feature_lengths is None:
            raise PlaceholderMismatchError(
                "input_features were given without feature_attention_mask: the model cannot tell how many audio "
                "tokens they make. Pass the feature_attention_mask the processor returns."
            )
        expected = self.expected_media_tokens(
            image_grid_thw if given["image"] else None,
            video_grid_thw if given["video"] else None,
            feature_attention_mask if given["audio"] else None,
            audio_feature_lengths if given["audio"] else None,
        )
        token_ids = {"image": self.config.image_token_id, "video": self.config.video_token_id,
                     "audio": self.config.audio_token_id}
        for modality, token_id in token_ids.items():
            if not given[modality]:
                continue
            found = int((input_ids == token_id).sum())
            if found != expected[modality]:
                raise PlaceholderMismatchError(
                    f"{modality} placeholders do not match the {modality} features: the features fill "
                    f"{expected[modality]} tokens but input_ids hold {found} {modality} placeholder tokens "
                    f"(id {token_id}). Build the inputs with CrabPlusProcessor, which expands each placeholder "
                    "to the exact count."
                )

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        input_features: torch.Tensor | None = None,
        pixel_values: torch.Tensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        image_grid_thw: torch.LongTensor | None = None,
        video_grid_thw: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        feature_attention_mask: torch.Tensor | None = None,
        audio_feature_lengths: torch.LongTensor | None = None,
        **kwargs,
    ):
        # Media come only at prefill; generation drops them afterwards (their names are the standard ones).
        if input_ids is not None and any(x is not None for x in (pixel_values, pixel_values_videos, input_features)):
            self.check_placeholders(
                input_ids,
                pixel_values=pixel_values,
                pixel_values_videos=pixel_values_videos,
                input_features=input_features,
                image_grid_thw=image_grid_thw,
                video_grid_thw=video_grid_thw,
                feature_attention_mask=feature_attention_mask,
                audio_feature_lengths=audio_feature_lengths,
            )
        return super().forward(
            input_ids=input_ids,
            input_features=input_features,
            pixel_values=pixel_values,
            pixel_values_videos=pixel_values_videos,
            image_grid_thw=image_grid_thw,
            video_grid_thw=video_grid_thw,
            attention_mask=attention_mask,
            feature_attention_mask=feature_attention_mask,
            audio_feature_lengths=audio_feature_lengths,
            **kwargs,
        )


class CrabPlusForConditionalGeneration(Qwen2_5OmniThinkerForConditionalGeneration):
    """CrabPlusModel + LM head: text generation conditioned on video, audio and text.

    Inputs are the thinker's (``input_ids``, ``attention_mask``, ``pixel_values_videos`` + ``video_grid_thw``,
    ``pixel_values`` + ``image_grid_thw``, ``input_features`` + ``feature_attention_mask``,
    ``video_second_per_grid``); :class:`~crab_plus.CrabPlusProcessor` produces them.
    """

    config: CrabPlusConfig
    config_class = CrabPlusConfig
    _keys_to_ignore_on_load_unexpected = [r"^talker", r"^token2wav"]

    def __init__(self, config: CrabPlusConfig):
        # Skip the thinker's __init__ (it would build a plain thinker model) and build ours.
        Qwen2_5OmniPreTrainedModelForConditionalGeneration.__init__(self, config)
        self.vocab_size = config.text_config.vocab_size
        self.model = CrabPlusModel(config)
        self.lm_head = nn.Linear(config.text_config.hidden_size, config.text_config.vocab_size, bias=False)
        self.spatial_merge_size = config.vision_config.spatial_merge_size
        self.post_init()
