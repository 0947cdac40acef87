"""``crab-plus router-map``: the paper's routing visualisation. For each task, the mean I-LoRA router weight of
every head (over the task's tokens), per adapted layer and averaged over layers, drawn as heatmaps.

Outputs: ``map.png`` (tasks x heads, averaged over layers), ``<stem>_layers.png`` (layers x task/head) and
``<stem>.json`` with the numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from .plots import heatmap_png


def task_head_matrix(stats: Mapping[str, np.ndarray]) -> np.ndarray:
    """``stats[task]`` (layers, heads) -> (tasks, heads): each task's head weights averaged over layers."""
    return np.stack([np.asarray(v, dtype=float).mean(axis=0) for v in stats.values()])


def layer_matrix(stats: Mapping[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """-> (layers, tasks * heads) matrix and its column labels "task/h<i>"."""
    columns, labels = [], []
    for task, values in stats.items():
        values = np.asarray(values, dtype=float)  # (layers, heads)
        for head in range(values.shape[1]):
            columns.append(values[:, head])
            labels.append(f"{task}/h{head}")
    return np.stack(columns, axis=1), labels


def write_router_map(stats: Mapping[str, np.ndarray], layer_names: Sequence[str], out: str | Path) -> dict[str, Path]:
    """Draw the two heatmaps and write the numbers; ``out`` is the PNG path of the task x head map."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tasks = list(stats)
    num_heads = np.asarray(next(iter(stats.values()))).shape[1]
    paths = {"map": out, "layers": out.with_name(f"{out.stem}_layers.png"), "json": out.with_suffix(".json")}
    heatmap_png(task_head_matrix(stats), tasks, [f"head {i}" for i in range(num_heads)], paths["map"],
                title="Router weight per task")
    matrix, labels = layer_matrix(stats)
    heatmap_png(matrix, list(layer_names), labels, paths["layers"], cell=44,
                title="Router weight: layer x task/head")
    paths["json"].write_text(json.dumps({"layers": list(layer_names), "heads": num_heads,
                                         "weights": {t: np.asarray(v).tolist() for t, v in stats.items()}}, indent=2))
    return paths


BLOCK = re.compile(r"^(.*?\.(?:layers|blocks)\.\d+)\.")


def group_by_block(layer_names: Sequence[str], weights: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Average the adapted modules of one transformer block: (modules, N) -> (blocks, N) and block names
    (``model.language_model.layers.3``); modules outside numbered blocks stay on their own."""
    blocks: dict[str, list[int]] = {}
    for i, name in enumerate(layer_names):
        match = BLOCK.match(name)
        blocks.setdefault(match.group(1) if match else name, []).append(i)
    return list(blocks), np.stack([weights[rows].mean(axis=0) for rows in blocks.values()])


@torch.no_grad()
def collect_routing(model, collator, by_task: Mapping[str, Sequence], batch_size: int = 4):
    """Run every sample (prompt and, when present, its target) through ``model`` while recording the router.

    -> ({task: (blocks, heads) array}, block names). Per-sample weights come from the language model's adapted
    layers (the encoders flatten their batch, so their routing cannot be told apart by sample).
    """
    from ..ilora import record_routing
    from ..training.routing import task_routing

    labels: list[str] = []
    with record_routing(model) as recorder:
        for task, samples in by_task.items():
            for start in range(0, len(samples), batch_size):
                chunk = list(samples[start:start + batch_size])
                batch = dict(collator(chunk))
                task_ids = batch.pop("task_ids")
                batch.pop("labels", None)
                batch = {k: v.to(model.device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
                with task_routing(model, task_ids):
                    model(**batch)
                labels += [task] * len(chunk)
    per_task = recorder.by_task(labels)  # {task: (modules, heads)}
    names = recorder.batched_layer_names
    stats, blocks = {}, names
    for task, weights in per_task.items():
        blocks, stats[task] = group_by_block(names, weights.numpy())
    return stats, blocks


def router_map(adapter: str, data: str, out: str | Path, *, split: str = "test", tasks: list[str] | None = None,
               max_samples_per_task: int = 16, batch_size: int = 4, media_root: str | None = None) -> dict[str, Path]:
    """``crab-plus router-map``: load an I-LoRA adapter folder, route samples of every task, draw the maps."""
    from ..data import CrabPlusCollator
    from ..errors import AdapterError
    from ..training.routing import router_heads
    from .runner import EvaluationConfig, load_model_for_inference, load_test_samples, task_id_order

    model, processor = load_model_for_inference(adapter)
    if not router_heads(model):
        raise AdapterError(f"{adapter} has no I-LoRA adapter: the routing map needs one (adapter: ilora).")
    config = EvaluationConfig(model=adapter, data=data, out=str(Path(out).parent), split=split, tasks=tasks,
                              media_root=media_root, max_samples_per_task=max_samples_per_task)
    by_task = load_test_samples(config)
    collator = CrabPlusCollator(processor, task_id_order(adapter, by_task), padding_side="right")
    stats, blocks = collect_routing(model, collator, by_task, batch_size)
    return write_router_map(stats, blocks, out)


