"""One entry point for "the samples of these tasks from this data source", shared by training and evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError
from .sample import Sample


def samples_by_task(source: str | Path, split: str, tasks: Sequence[str] | None = None,
                    media_root: str | None = None) -> dict[str, list[Sample]]:
    """{task: samples} from an AVUIE_2 folder (``{task}/{split}.json``) or a JSONL file, kept to ``tasks``.

    Callers decide what an empty result or a task without samples means for them."""
    from .avuie import load_avuie
    from .jsonl import load_jsonl

    path = Path(source)
    if path.is_dir():
        loaded = load_avuie(path, split, tasks=tasks, media_root=media_root)
    elif path.is_file():
        loaded = load_jsonl(path, media_root=media_root)
    else:
        raise ConfigError(f"{str(path)!r} is neither an AVUIE_2 folder nor a JSONL file.")
    by_task: dict[str, list[Sample]] = {}
    for sample in loaded:
        if tasks is None or sample.task in tasks:
            by_task.setdefault(sample.task, []).append(sample)
    return by_task
