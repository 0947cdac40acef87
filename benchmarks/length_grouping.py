"""How much of a training step is padding, and what length-grouped batches save, side by side in one run.

A batch is padded to its longest sample, and the decoder computes on the padding too. In the shipped model's
multi-task mixture a 60 s avqa clip (about 520 tokens) and an S4 frame (about 310) often share a batch. With
`train_sampling_strategy: group_by_length` (docs/training.md) the Trainer batches samples of similar length
together (crab_plus.training.lengths estimates the lengths without decoding media). This script draws the same
number of batches both ways from one training config's mixture and, alternating between the two, times a forward
and backward pass of each on the given model; it prints the share of padding and the time ratio.

    python benchmarks/length_grouping.py synth_motion crab-plus-synth-backbone --batches 24 annotations=synth_data/AVUIE_2

Results (stage 1c's mixture of the shipped recipe, 24 batches of 8 each way, the stop-24 stage 1b model, 2 threads,
stop 28): padding 24.6 % of the tokens with random batches and 0.8 % grouped; 0.965 and 0.766 s per forward and
backward, a ratio of 0.79. A whole stage 1c and stage 2 trained grouped took 0.79 and 0.86 of the time, but the
model lost ks, ARIG and Ref-AVS (model card, (23)): grouped batches are nearly single-task.
"""

from __future__ import annotations

import argparse
import time

import torch
from transformers import AutoModelForMultimodalLM, AutoProcessor
from transformers.trainer_pt_utils import LengthGroupedSampler

import crab_plus  # noqa: F401  (registers the Crab+ auto classes)
from crab_plus.data import CrabPlusCollator
from crab_plus.training.arguments import parse_train_arguments
from crab_plus.training.lengths import estimate_lengths
from crab_plus.training.run import load_training_samples, overrides_from_cli
from ilora_overhead import step  # a sibling script (benchmarks/ is the script's folder)


def batches(order: list[int], batch_size: int, count: int) -> list[list[int]]:
    """``count`` batches spread evenly over the epoch (a length-grouped epoch starts with its longest batches)."""
    every = len(order) // batch_size // count
    return [order[i * every * batch_size:(i * every + 1) * batch_size] for i in range(count)]


def load_mixture(config: str, model: str, overrides: list[str]) -> tuple[list, CrabPlusCollator, object]:
    """A training config's mixed samples, a collator with the model's processor, and its TrainingArguments."""
    _, data_args, _, training_args = parse_train_arguments(config, overrides_from_cli(overrides))
    samples, task_keys, _ = load_training_samples(data_args, training_args.seed)
    collator = CrabPlusCollator(AutoProcessor.from_pretrained(model), task_keys)
    return samples, collator, training_args


def model_inputs(batch) -> dict:
    """A collated batch without its ``task_ids`` (the Trainer reads them; the model does not take them)."""
    return {k: v for k, v in batch.items() if k != "task_ids"}


def random_order(count: int, seed: int) -> list[int]:
    """The indices 0..count-1 in a permutation seeded by ``seed`` (the config's), as the step benchmarks draw them."""
    return torch.randperm(count, generator=torch.Generator().manual_seed(seed)).tolist()


def collate_batch(samples: list, collator: CrabPlusCollator, order: list[int], index: int, size: int) -> dict:
    """Batch number ``index`` of ``size`` samples taken in ``order``, collated, without its task ids."""
    return model_inputs(collator([samples[j] for j in order[index * size:(index + 1) * size]]))


def step_seconds(model, batch) -> float:
    """One timed forward and backward pass (ilora_overhead's), without the batch's task ids."""
    return step(model, model_inputs(batch))


def parse_mixture_arguments(description: str, batches: int, batches_help: str) -> argparse.Namespace:
    """The step-timing benchmarks' arguments: config, model, --batches and the config's key=value overrides."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("config", help="a training config file or preset (its data and mixture are used)")
    parser.add_argument("model", help="a Crab+ model folder to time the steps on")
    parser.add_argument("--batches", type=int, default=batches, help=batches_help)
    parser.add_argument("overrides", nargs="*", help="key=value overrides of the config (e.g. annotations=...)")
    return parser.parse_intermixed_args()  # the overrides may follow --batches


def main() -> None:
    args = parse_mixture_arguments(__doc__.split("\n\n")[0], batches=24, batches_help="batches per strategy")

    samples, collator, training_args = load_mixture(args.config, args.model, args.overrides)
    start = time.perf_counter()
    lengths = estimate_lengths(samples, collator)
    print(f"{len(samples)} samples, lengths estimated in {time.perf_counter() - start:.1f} s "
          f"(mean {sum(lengths) / len(lengths):.0f} tokens)")

    size = training_args.per_device_train_batch_size
    generator = torch.Generator().manual_seed(training_args.seed)
    random_order = torch.randperm(len(samples), generator=generator).tolist()
    grouped_order = list(LengthGroupedSampler(size, lengths=lengths, generator=generator))
    drawn = {"random": batches(random_order, size, args.batches), "grouped": batches(grouped_order, size, args.batches)}

    model = AutoModelForMultimodalLM.from_pretrained(args.model)
    model.train()
    seconds = {name: 0.0 for name in drawn}
    tokens = {name: [0, 0] for name in drawn}  # [real tokens, padded tokens]
    step_seconds(model, collator([samples[i] for i in drawn["random"][0]]))  # warm-up
    for pair in zip(drawn["random"], drawn["grouped"]):  # alternate, so that both see the same machine
        for name, ids in zip(drawn, pair):
            batch = collator([samples[i] for i in ids])
            tokens[name][0] += int(batch["attention_mask"].sum())
            tokens[name][1] += batch["attention_mask"].numel()
            seconds[name] += step_seconds(model, batch)
    for name in drawn:
        real, padded = tokens[name]
        print(f"{name:8s} padding {1 - real / padded:5.1%} of {padded} tokens, "
              f"{seconds[name] / args.batches:.3f} s per forward+backward")
    print(f"grouped / random step time: {seconds['grouped'] / seconds['random']:.2f}")


if __name__ == "__main__":
    main()
