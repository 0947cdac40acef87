"""How much of a training step is building the batch: the collator against a forward and backward pass, side by side.

In `crab-plus train` a data-loader worker builds each batch (`CrabPlusCollator`: decode every sample's video and
audio with PyAV and soundfile, run the processor, pad) while the main process trains on the one before. On a
machine with two cores both compete for the same cores, so the batch's building adds to the step's time instead of
hiding behind it. This script draws random batches from one training config's mixture and, alternating, times
building each batch and a forward and backward pass on it (under bfloat16 autocast when the config trains in it,
e.g. with the override `bf16=true`); it prints both and their ratio.

    python benchmarks/batch_building.py synth_motion crab-plus-synth-motion --batches 12 annotations=synth_data/AVUIE_2

Results (stop 31's stage 1c mixture with a2v and v2a drawn 3x, that run's stage-1c model, bfloat16, 2 threads, 24
batches; model card, (26)): building a batch of 8 takes 0.101 s and 0.093 s in two runs, a forward and backward
pass 0.686 s and 0.644 s, ratios 0.15 and 0.14. A step of that stage took 0.95 s in the Trainer, where the
data-loader worker builds the next batch on the same two cores.
"""

from __future__ import annotations

import time

import torch
from transformers import AutoModelForMultimodalLM

import crab_plus  # noqa: F401  (registers the Crab+ auto classes)
from ilora_overhead import timed_step  # sibling scripts (benchmarks/)
from length_grouping import collate_batch, load_mixture, parse_mixture_arguments, random_order


def main() -> None:
    args = parse_mixture_arguments(__doc__.split("\n\n")[0], batches=12, batches_help="batches to build and train on")
    samples, collator, training_args = load_mixture(args.config, args.model, args.overrides)
    bf16 = bool(training_args.bf16)
    size = training_args.per_device_train_batch_size
    order = random_order(len(samples), training_args.seed)
    model = AutoModelForMultimodalLM.from_pretrained(args.model)
    model.train()
    print(f"{torch.get_num_threads()} threads, bf16 {bf16}, batches of {size}")

    def build(i: int) -> tuple[float, dict]:
        start = time.perf_counter()
        batch = collate_batch(samples, collator, order, i, size)
        return time.perf_counter() - start, batch

    timed_step(model, build(args.batches)[1], bf16=bf16)  # warm-up on a batch that is not timed
    building = training = 0.0
    for i in range(args.batches):  # alternate, so that both see the same machine
        build_seconds, batch = build(i)
        building += build_seconds
        training += timed_step(model, batch, bf16=bf16)[0]
    print(f"building a batch       {building / args.batches:.3f} s")
    print(f"forward and backward   {training / args.batches:.3f} s")
    print(f"building / training: {building / training:.2f}")


if __name__ == "__main__":
    main()
