"""Multi-task mixture: how many samples of each task one training epoch sees, deterministic by seed.

For task i with n_i samples (after its cap c_i: n_i' = min(n_i, c_i)) the mixing weight is

    proportional:  p_i = n_i' / sum_j n_j'
    temperature:   p_i = n_i'^(1/T) / sum_j n_j'^(1/T)     (T = 1 is proportional, T -> inf is uniform)

with task weights w_i (default 1) multiplying each task's term, numerator and sum alike (a task of weight 2 is
drawn twice as often as an unweighted task of its size); and the epoch draws round(total * p_i) samples of task i
(largest-remainder rounding, so the counts add up to ``total`` exactly; ``total`` defaults to sum_j n_j'). A task
drawn more often than it has samples repeats its samples (whole shuffled passes first); a task drawn less often
takes a seeded subset. Each task's draw uses its own random stream (seeded by the seed and the task key), so
adding a task does not change another's subset.
The result is shuffled across tasks with the seed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Generic, Literal, Mapping, Sequence, TypeVar

import numpy as np

from ..errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class MixtureRow:
    task: str
    available: int  # samples the task has
    capped: int  # after its cap
    weight: float  # mixing weight p_i
    drawn: int  # samples of the task in the mixture

    @property
    def passes(self) -> float:
        """How many times over the (capped) task data the mixture goes: > 1 means up-sampled."""
        return self.drawn / self.capped if self.capped else 0.0


@dataclass
class MixtureReport:
    """The effective mixture: per task, samples available, after the cap, weight, drawn and share."""

    strategy: str
    temperature: float | None
    seed: int
    rows: list[MixtureRow] = field(default_factory=list)
    task_weights: dict[str, float] = field(default_factory=dict)  # the w_i given (others are 1)

    @property
    def total(self) -> int:
        return sum(r.drawn for r in self.rows)

    def share(self, task: str) -> float:
        """The task's effective share of the mixture (drawn / total)."""
        row = next(r for r in self.rows if r.task == task)
        return row.drawn / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {r.task: {"available": r.available, "capped": r.capped, "weight": r.weight, "drawn": r.drawn,
                         "share": self.share(r.task), "passes": r.passes} for r in self.rows}

    def table(self) -> str:
        header = ("task", "available", "capped", "drawn", "share", "passes")
        body = [(r.task, str(r.available), str(r.capped), str(r.drawn), f"{self.share(r.task):.1%}",
                 f"{r.passes:.2f}") for r in self.rows]
        footer = ("total", str(sum(r.available for r in self.rows)), str(sum(r.capped for r in self.rows)),
                  str(self.total), "100.0%" if self.total else "0.0%", "")
        rows = [header, *body, footer]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        title = f"mixture: {self.strategy}" + (f" (T={self.temperature:g})" if self.temperature is not None else "")
        if self.task_weights:
            title += ", task weights " + ", ".join(f"{t} {w:g}" for t, w in self.task_weights.items())
        title += f", seed {self.seed}"
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
                 for row in rows]
        return "\n".join([title, *lines])

    def __str__(self) -> str:
        return self.table()


@dataclass
class Mixture(Generic[T]):
    """The mixed samples (shuffled across tasks) and the report of the mixture."""

    samples: list[T]
    report: MixtureReport

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self):
        return iter(self.samples)

    def __getitem__(self, index: int) -> T:
        return self.samples[index]


def mixing_weights(sizes: Mapping[str, int], strategy: str = "proportional",
                   temperature: float = 1.0, task_weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """p_i over tasks from their (capped) sizes and optional task weights w_i; see the module docstring."""
    if strategy not in ("proportional", "temperature"):
        raise ConfigError(f"unknown mixture strategy {strategy!r}; use 'proportional' or 'temperature'.")
    if strategy == "temperature" and not temperature > 0:
        raise ConfigError(f"temperature must be > 0, got {temperature!r}.")
    task_weights = dict(task_weights or {})
    _require_known_tasks("task_weights", task_weights, list(sizes))
    for task, w in task_weights.items():
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 <= w < float("inf"):
            raise ConfigError(f"task weight of {task!r} must be a finite number >= 0, got {w!r}.")
    exponent = 1.0 if strategy == "proportional" else 1.0 / temperature
    raw = {task: task_weights.get(task, 1.0) * float(n) ** exponent if n > 0 else 0.0 for task, n in sizes.items()}
    norm = sum(raw.values())
    if norm == 0:
        raise ConfigError("every task is empty (or capped to 0): nothing to mix.")
    return {task: value / norm for task, value in raw.items()}


def allocate(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Integer counts proportional to ``weights`` summing to ``total`` (largest remainder; ties by task order)."""
    exact = {task: total * w for task, w in weights.items()}
    counts = {task: int(np.floor(x)) for task, x in exact.items()}
    by_remainder = sorted(exact, key=lambda t: -(exact[t] - counts[t]))
    for task in by_remainder[: total - sum(counts.values())]:
        counts[task] += 1
    return counts


def mix_tasks(
    samples_by_task: Mapping[str, Sequence[T]],
    strategy: Literal["proportional", "temperature"] = "proportional",
    temperature: float = 2.0,
    caps: int | Mapping[str, int] | None = None,
    seed: int = 0,
    total: int | None = None,
    task_weights: Mapping[str, float] | None = None,
) -> Mixture[T]:
    """Mix the tasks' samples into one shuffled list; same inputs and seed -> same list.

    caps: a maximum number of samples per task (one int for all, or per task key), applied to the task's data
        before the weights are computed (T5-style examples-proportional mixing with a cap).
    total: size of the mixture (default: the sum of the capped task sizes).
    task_weights: a multiplier w_i of each named task's mixing weight (default 1), e.g. {"avqa": 2.0}.
    """
    tasks = list(samples_by_task)
    if isinstance(caps, Mapping):
        _require_known_tasks("caps", caps, tasks)
    capped = {t: min(len(samples_by_task[t]), _cap(caps, t)) for t in tasks}
    weights = mixing_weights(capped, strategy, temperature, task_weights)
    total = sum(capped.values()) if total is None else total
    if total < 0:
        raise ConfigError(f"total must be >= 0, got {total}.")
    counts = allocate(total, weights)
    mixed: list[T] = []
    for t in tasks:
        rng = np.random.default_rng([seed, zlib.crc32(t.encode())])
        pool = rng.permutation(len(samples_by_task[t]))[: capped[t]]  # the task's (capped) data
        mixed += [samples_by_task[t][int(i)] for i in _draw(pool, counts[t], rng)]
    order = np.random.default_rng([seed, 0x5EED]).permutation(len(mixed))
    report = MixtureReport(strategy, temperature if strategy == "temperature" else None, seed,
                           [MixtureRow(t, len(samples_by_task[t]), capped[t], weights[t], counts[t]) for t in tasks],
                           dict(task_weights or {}))
    return Mixture([mixed[int(i)] for i in order], report)


def _require_known_tasks(what: str, named: Mapping[str, object], tasks: list[str]) -> None:
    """A per-task setting (caps, task_weights) may only name tasks of the mixture."""
    unknown = sorted(set(named) - set(tasks))
    if unknown:
        raise ConfigError(f"{what} name task(s) not in the mixture: {unknown}; tasks: {tasks}.")


def _cap(caps: int | Mapping[str, int] | None, task: str) -> int:
    cap = caps if isinstance(caps, int) else (caps or {}).get(task)
    if cap is None:
        return np.iinfo(np.int64).max
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise ConfigError(f"cap for task {task!r} must be a non-negative int, got {cap!r}.")
    return cap


def _draw(pool: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` indices from ``pool``: whole shuffled passes over it, then a seeded part of one more pass."""
    if count == 0 or len(pool) == 0:
        return pool[:0]
    passes = [rng.permutation(pool) for _ in range(-(-count // len(pool)))]
    return np.concatenate(passes)[:count]
