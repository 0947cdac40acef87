"""``crab-plus router-map``: the paper's routing visualisation. For each task, the mean I-LoRA router weight of
every head (over the task's tokens), per adapted layer and averaged over layers, drawn as heatmaps.

Outputs: ``map.png`` (tasks x heads, averaged over layers), ``<stem>_layers.png`` (layers x task/head) and
``<stem>.json`` with the numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

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
