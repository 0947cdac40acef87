"""``CrabPlusCollator``: a list of samples (``Sample`` objects or rows of :func:`to_hf_dataset`) -> one padded
batch of model inputs, decoded and tokenised by the processor, plus the task id of each sample.

Media are decoded here, not at load time. Labels cover only the assistant turn (the processor masks the rest);
``task_ids`` (LongTensor (B,)) index ``collator.task_keys`` and feed I-LoRA's "task" router and the Trainer's
per-task statistics (``CrabPlusTrainer(task_keys=collator.task_keys)``).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import AnnotationError, ConfigError, TaskError
from .hf import sample_from_row
from .sample import Sample


class CrabPlusCollator:
    """Collate samples with ``processor.prepare`` per sample and ``processor.pad`` over the batch.

    processor: a ``CrabPlusProcessor``.
    tasks: the fixed task list task ids index (default: every registered task, in registry order; pass the same
        list to training and evaluation so ids mean the same).
    padding_side: ``"right"`` for training, ``"left"`` for generation.
    """

    def __init__(self, processor, tasks: Sequence[str] | None = None, padding_side: str = "right"):
        from ..tasks import TASKS

        if padding_side not in ("left", "right"):
            raise ConfigError(f"padding_side must be 'left' or 'right', got {padding_side!r}.")
        self.processor = processor
        self.task_keys = list(tasks) if tasks is not None else list(TASKS)
        unknown = [k for k in self.task_keys if k not in TASKS]
        if unknown:
            raise TaskError(f"unknown task key(s) {unknown}; registered tasks: {', '.join(TASKS)}.")
        self._ids = {key: i for i, key in enumerate(self.task_keys)}
        self.padding_side = padding_side

    def __call__(self, features: Sequence[Sample | dict[str, Any]]):
        import torch

        samples = [sample_from_row(f, parse_answer=False, index=i) for i, f in enumerate(features)]
        with_target = [s.target is not None for s in samples]
        if any(with_target) and not all(with_target):
            missing = [s.id or i for i, s in enumerate(samples) if s.target is None]
            raise AnnotationError(f"a batch mixes samples with and without a target (no target: {missing}); "
                                  "training batches need targets on every sample, generation batches on none.")
        prepared = [self.prepare(i, s) for i, s in enumerate(samples)]
        batch = self.processor.pad(prepared, padding_side=self.padding_side)
        batch["task_ids"] = torch.tensor([self._ids[s.task] for s in samples], dtype=torch.long)  # (B,)
        return batch

    def prepare(self, index: int, sample: Sample):
        """One sample (``index``: its place in the batch, for errors) -> ``processor.prepare``'s features."""
        if sample.task not in self._ids:
            raise TaskError(f"sample {sample.id or index} has task {sample.task!r}, which is not in the collator's "
                            f"task list {self.task_keys}; pass tasks=[...] including it.")
        return self.processor.prepare(
            task=sample.task,
            video=_one_or_list(sample.videos),
            audio=_one_or_list(sample.audios),
            question=sample.question,
            options=sample.options,
            frame_idx=sample.frame_idx,
            description=sample.description,
            target=sample.target,
        )


def _one_or_list(paths: list[str]) -> str | list[str] | None:
    """None for no path (audio from the video's own track), the path for one, the list for two-clip tasks."""
    if not paths:
        return None
    return paths[0] if len(paths) == 1 else list(paths)
