"""What `bf16: true` saves on a CPU: a training step in float32 and under bfloat16 autocast, side by side in one run.

With `bf16: true` and `use_cpu: true` the Trainer runs each forward pass under `torch.autocast("cpu",
dtype=torch.bfloat16)`: matmuls and attention compute in bfloat16, the weights, their gradients and the optimizer
stay float32. On a CPU with AVX512-BF16 or AMX (oneDNN uses them) that is faster; on one without, bfloat16 is
emulated and may be slower. This script draws random batches from one training config's mixture and, alternating,
times a forward and backward pass of each both ways on the given model; it prints the time ratio and how far the
bfloat16 loss is from the float32 one.

    python benchmarks/mixed_precision.py synth_motion crab-plus-synth-backbone --batches 12 annotations=synth_data/AVUIE_2

Results (stage 1c's mixture, 12 batches of 8, the stop-24 stage 1b model, 2 threads of an AMD EPYC with
AVX512-BF16, stop 29): 0.894 s float32, 0.681 s bf16, a ratio of 0.76 (the same in a second run; 0.72 with a first
draft of this script); the loss differs by 0.10 % at most. In a whole Trainer run the gain was smaller: a stage 1c
with bf16 and 18 % fewer tokens a sample took 1,421 s, stop 28's float32 ones 1,841 s (model card, (24)).
"""

from __future__ import annotations

import torch
from transformers import AutoModelForMultimodalLM

import crab_plus  # noqa: F401  (registers the Crab+ auto classes)
from ilora_overhead import timed_step  # sibling scripts (benchmarks/)
from length_grouping import collate_batch, load_mixture, parse_mixture_arguments, random_order


def main() -> None:
    args = parse_mixture_arguments(__doc__.split("\n\n")[0], batches=12, batches_help="batches, each timed both ways")

    samples, collator, training_args = load_mixture(args.config, args.model, args.overrides)
    size = training_args.per_device_train_batch_size
    order = random_order(len(samples), training_args.seed)
    batches = [collate_batch(samples, collator, order, i, size) for i in range(args.batches)]

    model = AutoModelForMultimodalLM.from_pretrained(args.model)
    model.train()
    print(f"oneDNN bfloat16 in hardware: {torch.ops.mkldnn._is_mkldnn_bf16_supported()}, "
          f"{torch.get_num_threads()} threads")
    timed_step(model, batches[0], bf16=False), timed_step(model, batches[0], bf16=True)  # warm-up
    seconds = {"float32": 0.0, "bf16": 0.0}
    loss_gaps = []
    for batch in batches:  # alternate, so that both see the same machine
        fp32_seconds, fp32_loss = timed_step(model, batch, bf16=False)
        bf16_seconds, bf16_loss = timed_step(model, batch, bf16=True)
        seconds["float32"] += fp32_seconds
        seconds["bf16"] += bf16_seconds
        loss_gaps.append(abs(bf16_loss - fp32_loss) / fp32_loss)
    for name, total in seconds.items():
        print(f"{name:8s} {total / args.batches:.3f} s per forward+backward")
    print(f"bf16 / float32 step time: {seconds['bf16'] / seconds['float32']:.2f}; "
          f"loss differs by {100 * max(loss_gaps):.2f} % at most ({100 * sum(loss_gaps) / len(loss_gaps):.2f} % mean)")


if __name__ == "__main__":
    main()
