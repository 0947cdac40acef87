"""What a load did: how many samples per task, and every record that was skipped or looks wrong, with where.

Loaders either raise on the first bad record (``errors="raise"``) or skip it and list it here
(``errors="skip"``); nothing is dropped without an entry in :attr:`LoadReport.skipped`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

from ..errors import AnnotationError
from .sample import Sample


@dataclass(frozen=True)
class Problem:
    """One skipped record (or file) or one warning. ``index`` is the record index in a JSON list file, or the
    1-based line number in a JSONL file (``line=True``); ``None`` when the whole file is concerned."""

    file: str
    index: int | None
    field: str | None
    message: str
    line: bool = False

    @classmethod
    def from_error(cls, error: AnnotationError, line: bool = False) -> "Problem":
        return cls(error.file or "?", error.index, error.field, error.reason, line)

    @property
    def location(self) -> str:
        if self.index is None:
            where = self.file
        elif self.line:
            where = f"{self.file}:{self.index}"
        else:
            where = f"{self.file}[{self.index}]"
        return where

    def __str__(self) -> str:
        """``file:line: field: message`` (JSONL), ``file[index]: field: message`` (JSON list files)."""
        return f"{self.location}: {self.field + ': ' if self.field else ''}{self.message}"


@dataclass
class LoadReport:
    """Per-task counts of loaded samples, skipped records and warnings of one load."""

    files: list[str] = field(default_factory=list)
    loaded: Counter = field(default_factory=Counter)
    seen: Counter = field(default_factory=Counter)
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def total_loaded(self) -> int:
        return sum(self.loaded.values())

    @property
    def ok(self) -> bool:
        """True when nothing was skipped."""
        return not self.skipped

    def summary(self, max_problems: int = 20) -> str:
        """A printable table (task, records seen, loaded, skipped) followed by the first problems."""
        tasks = sorted(set(self.seen) | set(self.loaded))
        rows = [("task", "records", "loaded", "skipped")]
        rows += [(t, str(self.seen[t]), str(self.loaded[t]), str(self.seen[t] - self.loaded[t])) for t in tasks]
        rows.append(("total", str(sum(self.seen.values())), str(self.total_loaded),
                     str(sum(self.seen.values()) - self.total_loaded)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                 for r in rows]
        for title, problems in (("skipped", self.skipped), ("warnings", self.warnings)):
            if problems:
                lines.append(f"{title} ({len(problems)}):")
                lines += [f"  {p}" for p in problems[:max_problems]]
                if len(problems) > max_problems:
                    lines.append(f"  ... and {len(problems) - max_problems} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass
class LoadResult:
    """Samples of a load plus its report; iterating or indexing it goes over the samples."""

    samples: list[Sample]
    report: LoadReport

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def __getitem__(self, index: int) -> Sample:
        return self.samples[index]

    def by_task(self) -> dict[str, list[Sample]]:
        """Samples grouped by task key (the input of :func:`crab_plus.data.mix_tasks`)."""
        groups: dict[str, list[Sample]] = {}
        for sample in self.samples:
            groups.setdefault(sample.task, []).append(sample)
        return groups
