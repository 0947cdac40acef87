"""Two kernel choices in a CPU training step: the vision patch embedding as the thinker's Conv3d or as one matrix
product (crab_plus's CrabPlusVisionPatchEmbed, the same weights), and attention through sdpa or eager.

Draws random batches from one training config's mixture and, alternating, times a forward and backward pass of each
under three variants of the same model: the thinker's Conv3d with sdpa (crab-plus before stop 32), the matrix
product with sdpa, the matrix product with eager attention. Prints each variant's mean time and its ratio to the
first. bf16 autocast follows the config (`bf16: true` in the synth presets).

    python benchmarks/step_kernels.py synth_motion crab-plus-synth-motion --batches 8 annotations=synth_data/AVUIE_2

Results: see docs/training.md (Speed).
"""

from __future__ import annotations

import torch
from transformers import AutoModelForMultimodalLM
from transformers.models.qwen2_5_omni.modeling_qwen2_5_omni import Qwen2_5_VisionPatchEmbed

import crab_plus  # noqa: F401  (registers the Crab+ auto classes)
from crab_plus.modeling.modeling_crab_plus import patch_embed_sharing_weight
from ilora_overhead import timed_step  # sibling scripts (benchmarks/)
from length_grouping import collate_batch, load_mixture, parse_mixture_arguments, random_order


def with_conv3d_patch_embedding(model):
    """The model with the thinker's own Conv3d patch embedding on the same weight (the layout before stop 32)."""
    visual = model.model.visual
    visual.patch_embed = patch_embed_sharing_weight(Qwen2_5_VisionPatchEmbed, visual.patch_embed)
    return model


def main() -> None:
    args = parse_mixture_arguments(__doc__.split("\n\n")[0], batches=8, batches_help="batches, each timed 3 ways")
    samples, collator, training_args = load_mixture(args.config, args.model, args.overrides)
    order = random_order(len(samples), training_args.seed)
    size, bf16 = training_args.per_device_train_batch_size, bool(training_args.bf16)
    batches = [collate_batch(samples, collator, order, i, size) for i in range(args.batches + 1)]
    load = AutoModelForMultimodalLM.from_pretrained
    variants = {
        "Conv3d patches, sdpa": with_conv3d_patch_embedding(load(args.model, attn_implementation="sdpa")),
        "matmul patches, sdpa": load(args.model, attn_implementation="sdpa"),
        "matmul patches, eager": load(args.model, attn_implementation="eager"),
    }
    print(f"{torch.get_num_threads()} threads, bf16 {bf16}, batches of {size}")
    for model in variants.values():
        model.train()
        timed_step(model, batches[-1], bf16=bf16)  # warm-up on a batch that is not timed
    seconds = dict.fromkeys(variants, 0.0)
    for batch in batches[:-1]:  # alternate, so that all see the same machine
        for name, model in variants.items():
            seconds[name] += timed_step(model, batch, bf16=bf16)[0]
    first = next(iter(seconds.values()))
    for name, total in seconds.items():
        print(f"{name:22s} {total / args.batches:.3f} s per forward+backward, ratio {total / first:.2f}")


if __name__ == "__main__":
    main()
