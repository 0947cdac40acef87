"""``run_training``: config file + overrides -> data, model, ``CrabPlusTrainer`` -> an adapter folder.

The output folder holds what ``crab-plus evaluate`` and ``PeftModel.from_pretrained`` need: the adapter (or the
full model for ``adapter: none``), the processor, ``crab_plus_training.json`` (task keys in task-id order, the
parsed arguments) and the Trainer's ``checkpoint-*`` folders. ``model_name_or_path: tiny`` first writes the tiny
random model to ``output_dir/base`` so that the adapter's base model is a real folder.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from functools import partial
from pathlib import Path

from ..errors import CheckpointError, ConfigError
from .arguments import DataArguments, parse_train_arguments

logger = logging.getLogger(__name__)
TRAINING_INFO = "crab_plus_training.json"


def load_training_samples(data_args: DataArguments, seed: int):
    """-> (mixed samples, task keys in task-id order, mixture report)."""
    from ..data import mix_tasks
    from ..data.sources import samples_by_task

    path = Path(data_args.annotations)
    by_task = samples_by_task(path, data_args.split, data_args.tasks, data_args.media_root)
    if not by_task:
        raise ConfigError(f"no {data_args.split} samples found in {path} for tasks {data_args.tasks or 'any'}.")
    missing = sorted(set(data_args.tasks or ()) - set(by_task))
    if missing:
        raise ConfigError(f"no {data_args.split} samples for task(s) {', '.join(missing)} in {path}.")
    task_keys = sorted(by_task)
    mixture = mix_tasks({k: by_task[k] for k in task_keys}, strategy=data_args.mixture,
                        temperature=data_args.mixture_temperature, caps=data_args.max_samples_per_task, seed=seed,
                        task_weights=data_args.task_weight_map(), total=data_args.mixture_size)
    return mixture.samples, task_keys, mixture.report


def _training_data(data_args: DataArguments, seed: int):
    """-> (samples, task keys, mixture report or None, collator class): annotations, text-only lessons, or both (the
    lessons appended to the annotations' mixture; the Trainer's sampler shuffles them in)."""
    from ..data import CrabPlusCollator
    from ..data.synth.lessons import LESSON_TASKS, LessonCollator, MixedCollator, make_lessons

    lesson_tasks = list(data_args.lesson_task_keys() or LESSON_TASKS)
    with_prompt = data_args.lesson_prompt == "full"
    if data_args.annotations is None:
        collator = partial(LessonCollator, with_prompt=with_prompt, lesson_tasks=lesson_tasks)
        return make_lessons(data_args.lessons, seed, lesson_tasks), lesson_tasks, None, collator
    samples, task_keys, report = load_training_samples(data_args, seed)
    logger.info("training mixture:\n%s", report)
    if data_args.lessons is None:
        return samples, task_keys, report, partial(CrabPlusCollator, padding_side="right")
    missing = [task for task in lesson_tasks if task not in task_keys]
    if missing:
        raise ConfigError(f"lessons of {missing} are mixed in, but the annotations have no {missing} samples: "
                          f"choose lesson_tasks among the annotations' tasks {task_keys}.")
    logger.info("plus %d text-only lessons of %s", data_args.lessons, ", ".join(lesson_tasks))
    lessons = make_lessons(data_args.lessons, seed, lesson_tasks)
    collator = partial(MixedCollator, with_prompt=with_prompt, lesson_tasks=lesson_tasks)
    return list(samples) + lessons, task_keys, report, collator


def _sample_lengths(training_args, samples, data_collator) -> list[int] | None:
    """Estimated token lengths of the samples when batches are grouped by length; None otherwise."""
    if training_args.train_sampling_strategy != "group_by_length":
        return None  # (text-only lessons cannot ask for it: parse_train_arguments refuses)
    from .lengths import estimate_lengths

    return estimate_lengths(samples, data_collator)


def _materialise_tiny(output_dir: Path, seed: int, main_process_first) -> str:
    """Write the tiny random model + processor to ``output_dir/base`` once (main process first) -> its path."""
    base = output_dir / "base"
    with main_process_first():
        if not (base / "config.json").is_file():
            from ..testing import tiny_crab_plus

            model, processor = tiny_crab_plus(seed=seed)
            model.save_pretrained(base)
            processor.save_pretrained(base)
    return str(base)


def run_training(config=None, overrides: list[str] | None = None, *, resume: bool = False, callbacks=None):
    """Train as configured; returns the ``CrabPlusTrainer`` after training (its ``state`` holds the logs).

    ``resume``: continue from the last ``checkpoint-*`` in ``output_dir`` (the data order continues exactly
    where the checkpoint left it: the Trainer skips the batches it had already seen).
    """
    from transformers.trainer_utils import get_last_checkpoint

    from .model import build_model_for_training
    from .trainer import CrabPlusTrainer

    model_args, data_args, adapter_args, training_args = parse_train_arguments(config, overrides)
    output_dir = Path(training_args.output_dir)
    checkpoint = None
    if resume:
        checkpoint = get_last_checkpoint(str(output_dir)) if output_dir.is_dir() else None
        if checkpoint is None:
            raise CheckpointError(f"--resume: no checkpoint-* folder in {output_dir}; train without --resume, "
                                  "or set save_strategy/save_steps so that checkpoints are written.")
    samples, task_keys, mixture_report, collator = _training_data(data_args, training_args.seed)
    if model_args.model_name_or_path == "tiny":
        model_args.model_name_or_path = _materialise_tiny(output_dir, 0, training_args.main_process_first)
    model, processor = build_model_for_training(model_args, adapter_args, seed=training_args.seed,
                                                task_keys=task_keys)
    data_collator = collator(processor, task_keys)
    trainer = CrabPlusTrainer(
        model=model, args=training_args, train_dataset=samples, processing_class=processor,
        data_collator=data_collator, task_keys=task_keys, callbacks=callbacks,
        sample_lengths=_sample_lengths(training_args, samples, data_collator),
    )
    trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model()
    if trainer.is_world_process_zero():
        info = {"task_keys": task_keys, "model": asdict(model_args), "data": asdict(data_args),
                "adapter": asdict(adapter_args)}
        if mixture_report is not None:
            info["mixture"] = mixture_report.as_dict()
        (output_dir / TRAINING_INFO).write_text(json.dumps(info, indent=2, default=str))
    return trainer


def exit_distributed_run(accelerator) -> None:
    """End a multi-process run's process here, once every process is done; a no-op in a single process.

    Left to the interpreter's normal exit, a multi-process CPU run sometimes aborts after it has finished
    ("terminate called without an active exception", SIGABRT): a gloo worker thread still releasing a finished
    collective's tensors must take the GIL to drop their Python objects, and a thread that takes the GIL while
    Python finalises is killed with pthread_exit, which C++ turns into std::terminate (seen in a core dump with
    torch 2.13). So after a barrier and the process group's teardown, the process flushes its output and leaves
    with ``os._exit``, skipping the finalisation that races those threads.
    """
    if accelerator.num_processes <= 1:
        return
    import os
    import sys

    accelerator.wait_for_everyone()
    accelerator.end_training()  # trackers finish, the process group is destroyed
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def overrides_from_cli(items: list[str]) -> list[str]:
    """``["learning_rate=1e-3", "tasks=ave,ks", "--seed", "3"]`` -> HfArgumentParser argv (``--key value``)."""
    argv = []
    for item in items:
        if item.startswith("--"):
            argv.append(item)
        elif "=" in item:
            key, value = item.split("=", 1)
            argv.append(f"--{key}")
            argv.extend(value.split(",") if "," in value else [value])
        elif argv:
            argv.append(item)  # a value following a --key
        else:
            raise ConfigError(f"override {item!r} is not key=value (e.g. learning_rate=1e-3 or tasks=ave,ks).")
    return argv
