"""Each task's headline score and the markdown tables of evaluation results.

A metric returns several numbers; tables and the transfer study need one per task: :data:`PRIMARY_KEYS` names
it (and whether higher is better: Ref-AVS null S is lower-is-better).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# metric name -> (headline result key, higher is better)
PRIMARY_KEYS: dict[str, tuple[str, bool]] = {
    "accuracy": ("accuracy", True),
    "music_avqa_accuracy": ("accuracy", True),
    "ave_accuracy": ("accuracy", True),
    "avvp_f1": ("segment_type_av", True),
    "arig_ciou_auc": ("ciou", True),
    "segmentation_miou_fscore": ("miou", True),
    "refavs_null_s": ("null_s", False),
    "caption_metrics": ("cider", True),
}


def primary_score(metric_name: str, result: Mapping[str, float]) -> float | None:
    """The headline number of a metric result (e.g. accuracy, AVVP Type@AV segment F1, S4 mIoU); None when the
    result lacks it (e.g. Ref-AVS evaluated on its null split only)."""
    key, _ = PRIMARY_KEYS[metric_name]
    return float(result[key]) if key in result else None


def higher_is_better(metric_name: str) -> bool:
    return PRIMARY_KEYS[metric_name][1]


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "" if value is None else str(value)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A GitHub markdown table; floats with 4 decimals, None as an empty cell."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def metrics_markdown(metrics: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """``metrics[mode][task] = result`` -> one table per mode: task, metric, every result key of the task."""
    parts = []
    for mode, by_task in metrics.items():
        parts.append(f"### {mode}\n")
        rows = []
        for task, result in by_task.items():
            values = ", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                               for k, v in result.items() if k not in ("metric",))
            rows.append([task, result.get("metric", ""), values])
        parts.append(markdown_table(["task", "metric", "results"], rows))
    return "\n".join(parts)
