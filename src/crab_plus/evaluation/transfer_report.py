"""The numbers of the transfer study: per task and method, multi-task vs single-task score, relative change, and
the share of tasks with positive transfer; written as CSV, markdown and a PNG bar chart."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from .plots import bar_chart_png
from .report import markdown_table


@dataclass(frozen=True)
class TransferRow:
    method: str  # "lora" or "ilora"
    task: str
    metric: str  # the headline result key, e.g. "accuracy"
    single: float  # score of the adapter trained on this task alone
    multi: float  # score of the adapter trained on all tasks of the study
    higher_is_better: bool = True

    @property
    def gain(self) -> float:
        """multi - single, signed so that > 0 always means the multi-task adapter is better."""
        return (self.multi - self.single) if self.higher_is_better else (self.single - self.multi)

    @property
    def relative_change(self) -> float | None:
        """gain / |single| (None when the single-task score is 0: the sign of ``gain`` still counts)."""
        return self.gain / abs(self.single) if self.single != 0 else None

    @property
    def transfer(self) -> str:
        return "positive" if self.gain > 0 else ("negative" if self.gain < 0 else "none")


def positive_share(rows: list[TransferRow]) -> dict[str, float]:
    """Per method: the share of its tasks whose multi-task score beats the single-task one."""
    shares = {}
    for method in dict.fromkeys(r.method for r in rows):
        own = [r for r in rows if r.method == method]
        shares[method] = sum(r.gain > 0 for r in own) / len(own)
    return shares


def negative_share(rows: list[TransferRow]) -> dict[str, float]:
    shares = {}
    for method in dict.fromkeys(r.method for r in rows):
        own = [r for r in rows if r.method == method]
        shares[method] = sum(r.gain < 0 for r in own) / len(own)
    return shares


def transfer_markdown(rows: list[TransferRow]) -> str:
    table = markdown_table(
        ["method", "task", "metric", "single-task", "multi-task", "relative change", "transfer"],
        [[r.method, r.task, r.metric, r.single, r.multi,
          "n/a" if r.relative_change is None else f"{100 * r.relative_change:+.1f}%", r.transfer] for r in rows])
    positive, negative = positive_share(rows), negative_share(rows)
    summary = markdown_table(["method", "tasks", "positive transfer", "negative transfer"],
                             [[m, sum(r.method == m for r in rows), f"{100 * positive[m]:.0f}%",
                               f"{100 * negative[m]:.0f}%"] for m in positive])
    return table + "\n" + summary


def write_transfer_report(rows: list[TransferRow], out_dir: str | Path) -> dict[str, Path]:
    """transfer.csv, transfer.md and transfer.png (relative change in % per task, one bar per method)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "transfer.csv", "markdown": out / "transfer.md", "png": out / "transfer.png"}
    with paths["csv"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["method", "task", "metric", "single", "multi", "gain", "relative_change", "transfer"])
        for r in rows:
            writer.writerow([r.method, r.task, r.metric, r.single, r.multi, r.gain,
                             "" if r.relative_change is None else r.relative_change, r.transfer])
    paths["markdown"].write_text(transfer_markdown(rows))
    groups: dict[str, dict[str, float]] = {}
    for r in rows:  # bars: relative change in %, or the absolute gain in points when the single score is 0
        change = r.relative_change if r.relative_change is not None else r.gain
        groups.setdefault(r.task, {})[r.method] = 100 * change
    bar_chart_png(groups, paths["png"], title="Multi-task vs single-task: relative change (%)")
    return paths


def rows_from_scores(scores: Mapping[str, Mapping[str, Mapping[str, tuple[str, float, bool]]]]) -> list[TransferRow]:
    """``scores[method]["single"|"multi"][task] = (metric key, value, higher_is_better)`` -> rows."""
    rows = []
    for method, by_kind in scores.items():
        for task, (key, single, better) in by_kind["single"].items():
            rows.append(TransferRow(method, task, key, single, by_kind["multi"][task][1], better))
    return rows
