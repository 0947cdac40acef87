"""``crab-plus evaluate``: generate on a test split, parse with the task registry, compute each task's metric.

Flow: load model + processor -> load the split -> for each mode ("both", and "no_audio"/"no_video" when
ablating) generate greedily in batches of one task (progress bar), appending to the predictions file -> parse
-> metric inputs (``crab_plus.tasks.metric_inputs``) -> ``compute_task_metric`` -> metrics JSON + markdown.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from ..errors import ConfigError, TaskError
from ..pipelines.loading import load_model_for_inference
from .ablation import ABLATE_TO_MODE, ablate_batch, swap_media
from .predictions import PredictionStore, model_fingerprint
from .scoring import modality_markdown, modality_table, score_task, segmentation_masks

logger = logging.getLogger(__name__)


@dataclass
class EvaluationConfig:
    model: str  # a crab-plus model folder, an adapter folder (crab-plus train output), "tiny" or "baseline"
    data: str  # the AVUIE_2 folder (or a JSONL file of samples)
    out: str
    split: str = "test"
    tasks: list[str] | None = None
    batch_size: int = 4
    max_new_tokens: int = 512
    predictions: str | None = None  # default: out/predictions.jsonl
    ablate: list[str] = field(default_factory=list)  # "audio", "video", "other-audio", "other-video"
    sam_model: str | None = None
    media_root: str | None = None
    max_samples_per_task: int | None = None

    def __post_init__(self):
        unknown = sorted(set(self.ablate) - set(ABLATE_TO_MODE))
        if unknown:
            raise ConfigError(f"--ablate {' '.join(unknown)}: use one or more of {', '.join(ABLATE_TO_MODE)}.")
        if self.batch_size < 1:
            raise ConfigError(f"--batch-size must be >= 1, got {self.batch_size}.")

    @property
    def modes(self) -> list[str]:
        return ["both"] + [ABLATE_TO_MODE[a] for a in dict.fromkeys(self.ablate)]


def load_test_samples(config: EvaluationConfig) -> dict[str, list]:
    """-> {task key: samples} of the split; every requested task must have samples."""
    from ..data.sources import samples_by_task
    from ..tasks import get_task

    for key in config.tasks or ():
        get_task(key)  # unknown key -> TaskError listing the valid ones
    path = Path(config.data)
    if path.is_dir():
        absent = [key for key in config.tasks or () if not (path / key / f"{config.split}.json").is_file()]
        if absent:
            raise TaskError(f"no {config.split} data for task(s) {', '.join(absent)} in {config.data} (no "
                            f"{absent[0]}/{config.split}.json); leave them out of --tasks.")
    by_task = samples_by_task(path, config.split, config.tasks, config.media_root)
    missing = [key for key in config.tasks or () if key not in by_task]
    if missing:
        raise TaskError(f"no {config.split} data for task(s) {', '.join(missing)} in {config.data}; "
                        f"tasks with {config.split} data: {', '.join(sorted(by_task)) or 'none'}.")
    if not by_task:
        raise ConfigError(f"the {config.split} split of {config.data} is empty: nothing to evaluate.")
    if config.max_samples_per_task:
        by_task = {k: v[: config.max_samples_per_task] for k, v in by_task.items()}
    return {k: by_task[k] for k in sorted(by_task)}


def task_id_order(model_path: str, by_task) -> list[str]:
    """Task keys in the task-id order the model was trained with (``crab_plus_training.json`` of a
    ``crab-plus train`` folder), then any other evaluated task. The I-LoRA "task" router needs the same ids."""
    info = Path(model_path) / "crab_plus_training.json"
    trained = json.loads(info.read_text())["task_keys"] if info.is_file() else []
    return trained + [key for key in by_task if key not in trained]


def sample_key(sample, index: int) -> str:
    return str(sample.id) if sample.id is not None else str(index)


@torch.no_grad()
def generate_texts(model, collator, task_key: str, samples: Sequence, mode: str, store: PredictionStore,
                   batch_size: int, max_new_tokens: int, progress=None) -> list[str]:
    """Generated text of every sample (greedy), reusing what the predictions file already holds.

    ``collator``: a left-padding ``CrabPlusCollator``; its ``task_ids`` go to I-LoRA's "task" router if any.
    """
    from ..training.routing import task_routing

    processor = collator.processor
    texts: dict[int, str] = {}
    todo = []
    for i, sample in enumerate(samples):
        known = store.get(task_key, sample_key(sample, i), mode)
        if known is not None:
            texts[i] = known
            if progress is not None:
                progress.update(1)
        else:
            todo.append(i)
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        prompts = [replace(swap_media(samples, i, mode), target=None) for i in chunk]  # prompts only
        batch = dict(collator(prompts))
        task_ids = batch.pop("task_ids")
        batch = ablate_batch(batch, mode, processor)
        batch = {k: v.to(model.device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
        with task_routing(model, task_ids):
            output = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False)
        new_tokens = output[:, batch["input_ids"].shape[1]:]  # (B, generated) after the left-padded prompt
        decoded = processor.batch_decode(new_tokens, skip_special_tokens=True)
        store.add([{"task": task_key, "id": sample_key(samples[i], i), "mode": mode, "text": text}
                   for i, text in zip(chunk, decoded)])
        texts.update(zip(chunk, decoded))
        if progress is not None:
            progress.update(len(chunk))
    return [texts[i] for i in range(len(samples))]


def evaluate(config: EvaluationConfig) -> dict:
    """Run the evaluation; writes predictions JSONL, metrics.json and metrics.md into ``config.out``.

    Returns ``{"metrics": {mode: {task: result}}, "modality": {...} (with --ablate), "paths": {...}}``.
    """
    from tqdm.auto import tqdm

    from ..tasks import get_task
    from ..tasks.metric_inputs import MASK_METRICS

    by_task = load_test_samples(config)
    train_only = [key for key in by_task if not get_task(key).evaluated]
    if train_only and config.tasks:
        raise TaskError(f"task {train_only[0]!r} is train-only (no metric in the release); leave it out of --tasks.")
    for key in train_only:  # no --tasks: every task with data and a metric
        logger.info("skipping %s: train-only task (no metric in the release)", key)
        del by_task[key]
    if not by_task:
        raise ConfigError(f"the {config.split} split of {config.data} holds only train-only tasks: nothing to evaluate.")
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    store, texts_of = _text_source(config, by_task)
    sam = None
    if config.sam_model:
        from .sam_masks import load_mask_predictor

        sam = load_mask_predictor(config.sam_model)
    data_root = Path(config.data) if Path(config.data).is_dir() else Path(config.data).parent
    mask_roots = [Path(config.media_root)] if config.media_root else []
    mask_roots += [data_root, *(data_root / key for key in by_task)]
    total = sum(len(v) for v in by_task.values()) * len(config.modes)
    metrics: dict[str, dict[str, dict]] = {}
    texts_by_mode: dict[str, dict[str, list[str]]] = {}
    masks_by_mode: dict[str, dict[str, tuple]] = {}
    with tqdm(total=total, desc="evaluate", unit="sample") as progress:
        for mode in config.modes:
            for key, samples in by_task.items():
                progress.set_postfix(task=key, mode=mode)
                texts = texts_of(key, samples, mode, progress)
                texts_by_mode.setdefault(mode, {})[key] = texts
                masks = references = None
                if sam is not None:
                    masks, references = segmentation_masks(sam, key, samples, texts, mask_roots)
                elif get_task(key).metric in MASK_METRICS:
                    raise TaskError(f"task {key!r} is scored on masks: give --sam-model PATH (a SAM-family model) or --sam-model box (the predicted box, filled).")
                masks_by_mode.setdefault(mode, {})[key] = (masks, references)
                metrics.setdefault(mode, {})[key] = score_task(key, samples, texts, masks, references)
    result = {"model": config.model, "split": config.split, "metrics": metrics}
    if len(config.modes) > 1:
        result["modality"] = modality_table(by_task, metrics, texts_by_mode, masks_by_mode)
    paths = write_outputs(result, out)
    result["paths"] = {k: str(v) for k, v in paths.items()} | ({"predictions": str(store.path)} if store else {})
    return result


def _text_source(config: EvaluationConfig, by_task: dict):
    """-> (prediction store or None, texts_of(task key, samples, mode, progress) -> texts): generation by the
    model, or ``model == "baseline"``: the trivial baseline of crab_plus.evaluation.baselines (no model, no store)."""
    from ..data import CrabPlusCollator
    from .baselines import BASELINE_MODEL, baseline_texts

    if config.model == BASELINE_MODEL:
        if len(config.modes) > 1:
            raise ConfigError("the baseline sees neither modality; --ablate does not apply to it.")
        from ..data.sources import samples_by_task

        train = samples_by_task(Path(config.data), "train", list(by_task), config.media_root)

        def baseline(key, samples, mode, progress):
            texts = baseline_texts(key, train.get(key, []), samples)
            if progress is not None:
                progress.update(len(samples))
            return texts

        return None, baseline
    model, processor = load_model_for_inference(config.model)
    store = PredictionStore(config.predictions or Path(config.out) / "predictions.jsonl", model_fingerprint(model),
                            config.model)
    collator = CrabPlusCollator(processor, task_id_order(config.model, by_task), padding_side="left")

    def generated(key, samples, mode, progress):
        return generate_texts(model, collator, key, samples, mode, store, config.batch_size, config.max_new_tokens,
                              progress)

    return store, generated


def write_outputs(result: dict, out: Path) -> dict[str, Path]:
    """metrics.json and metrics.md (one table per mode, plus the modality table when ablating)."""
    from .report import metrics_markdown

    paths = {"metrics": out / "metrics.json", "markdown": out / "metrics.md"}
    paths["metrics"].write_text(json.dumps({k: v for k, v in result.items() if k != "paths"}, indent=2))
    text = f"# Evaluation of {result['model']} ({result['split']} split)\n\n" + metrics_markdown(result["metrics"])
    if "modality" in result:
        text += "\n## Modality reliance\n\n" + modality_markdown(result["modality"])
    paths["markdown"].write_text(text)
    return paths
