"""Token lengths of training samples, estimated without decoding their media, for length-grouped batches.

``train_sampling_strategy: group_by_length`` (a ``TrainingArguments`` field) makes the Trainer batch samples of
similar length together, so that less of each batch is padding. The stock Trainer reads lengths from a
``datasets.Dataset`` column; Crab+ training samples are a list whose media are decoded by the collator, and
decoding every clip up front would cost about as much as an epoch. So each sample's length is estimated: the exact
token count of the first sample of its task (decoded once), plus the difference in instruction and target tokens.
Media token counts differ only between clips of different lengths within a task, which the estimate ignores.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..data.sample import Sample


def _text_tokens(processor, sample: Sample) -> int:
    """Tokens of the sample's own text: its task instruction (question, options, description) and its target."""
    from ..tasks import get_task

    instruction = get_task(sample.task).instruction(question=sample.question, options=sample.options,
                                                    description=sample.description)
    target = sample.target or ""
    return len(processor.tokenizer(instruction)["input_ids"]) + len(processor.tokenizer(target)["input_ids"])


def estimate_lengths(samples: Sequence[Sample], collator) -> list[int]:
    """Estimated ``input_ids`` length of each sample, as ``collator`` (a ``CrabPlusCollator``) would make it."""
    exact: dict[str, tuple[int, int]] = {}  # task -> (token count, text tokens) of its first sample
    lengths = []
    for sample in samples:
        text = _text_tokens(collator.processor, sample)
        if sample.task not in exact:
            exact[sample.task] = (int(collator([sample])["input_ids"].shape[1]), text)
        full, first_text = exact[sample.task]
        lengths.append(full + text - first_text)
    return lengths
