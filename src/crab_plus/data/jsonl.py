"""The JSONL schema of a normalised sample, for users' own data: read, write, validate.

One JSON object per line (blank lines are ignored)::

    {"task": "ave",                          # required: a registered task key (crab_plus.TASKS)
     "videos": ["clips/a.mp4"],              # visual media paths: task.num_videos of them (2 for a2v)
     "audios": ["audio/a.wav"],              # optional: [] (audio from the video's own track) or task.num_audios
     "frame_idx": 3,                         # the frame second; required by single-frame tasks (s4, ms3, ...)
     "question": "...", "options": ["..."], "description": "...",   # the task instruction's slots, if it has them
     "target": "reasoning ... <answer>dog</answer>",                 # optional: text to train on
     "answer": "<answer>dog</answer>",       # optional: answer text in the task's format (ground truth); when
                                             #   absent the ground truth is parsed from "target"
     "id": "clip-a",                         # optional, unique in the file; default "<file stem>:<line>"
     "extra": {"split": "test_s"}}           # optional: any JSON object (dataset-specific fields)

Relative media paths are relative to the JSONL file's folder (or ``media_root``) and must stay inside it;
absolute paths are accepted unless ``allow_absolute_paths=False``. Errors name the file and the 1-based line.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable

from ..errors import AnnotationError, CrabPlusError, TaskError
from .fields import MISSING, read_field
from .paths import resolve_media_path
from .report import LoadReport, LoadResult, Problem
from .sample import Sample

SCHEMA_KEYS = ("task", "videos", "audios", "frame_idx", "question", "options", "description", "target", "answer",
               "id", "extra")
_SLOTS = {"question": "str", "description": "str", "options": "list_of_str"}


def sample_from_record(
    record: Any,
    *,
    file: str,
    index: int,
    base: str | None = None,
    root: str | None = None,
    allow_absolute_paths: bool = True,
    check_media: bool = False,
    parse_answer: bool = True,
) -> Sample:
    """A Sample from one schema record, checked field by field (AnnotationError naming file, index, field).

    ``base``: folder relative media paths are joined to (None: paths are kept as given, e.g. already resolved).
    ``root``: the folder they must stay inside (default ``base``).
    """
    from ..tasks import TASKS

    where = dict(file=file, index=index)
    if not isinstance(record, dict):
        raise AnnotationError(f"expected a JSON object, got {type(record).__name__}.", **where)
    unknown = sorted(set(record) - set(SCHEMA_KEYS))
    if unknown:
        raise AnnotationError(f"unknown key(s) {unknown}; the schema's keys are {', '.join(SCHEMA_KEYS)} "
                              "(put dataset-specific fields in \"extra\").", field=unknown[0], **where)
    key = read_field(record, "task", "str", **where)
    if key not in TASKS:
        raise AnnotationError(f"unknown task key {key!r}; registered tasks: {', '.join(TASKS)} "
                              "(register your own with crab_plus.tasks.register_task).", field="task", **where)
    task = TASKS[key]

    def paths(name: str, expected: tuple[int, ...]) -> list[str]:
        values = record.get(name, [])
        if not isinstance(values, list) or len(values) not in expected:
            counts = " or ".join(str(n) for n in expected)
            raise AnnotationError(f"task {key!r} takes a list of {counts} path(s), got {values!r:.120}.",
                                  field=name, **where)
        if base is None:
            return [read_field({name: v}, name, "str", **where) for v in values]
        return [resolve_media_path(v, base, root or base, allow_absolute=allow_absolute_paths,
                                   check_exists=check_media, field=name, **where) for v in values]

    videos = paths("videos", (task.num_videos,))
    audios = paths("audios", (0, task.num_audios) if task.num_audios == 1 else (task.num_audios,))
    frame_idx = read_field(record, "frame_idx", "int", required=task.policy.needs_frame_idx, **where)
    slots = {name: read_field(record, name, kind, required=False, **where) for name, kind in _SLOTS.items()}
    slots = {name: None if value is MISSING else value for name, value in slots.items()}
    try:
        task.instruction(**slots)
    except TaskError as error:
        field = next((name for name in _SLOTS if name in str(error) and slots[name] is None), None)
        raise AnnotationError(f"the task's instruction cannot be built: {error}", field=field, **where) from None
    target = read_field(record, "target", "str", required=False, **where)
    answer = read_field(record, "answer", "str", required=False, **where)
    sample_id = read_field(record, "id", "id", required=False, **where)
    extra = record.get("extra", {})
    if not isinstance(extra, dict):
        raise AnnotationError(f"expected a JSON object, got {type(extra).__name__}.", field="extra", **where)
    target = None if target is MISSING else target
    source = answer if answer is not MISSING else target
    return Sample(
        task=key, videos=videos, audios=audios, frame_idx=None if frame_idx is MISSING else frame_idx,
        options=slots["options"], question=slots["question"], description=slots["description"], target=target,
        ground_truth=task.parse(source) if parse_answer and source is not None else None,
        id=None if sample_id is MISSING else str(sample_id), extra=dict(extra),
    )


def sample_to_record(sample: Sample) -> dict[str, Any]:
    """The schema record of a Sample; the typed ground truth is written as ``answer`` in the task's format."""
    from ..tasks import get_task
    from ..tasks.answers import Unparsed

    record: dict[str, Any] = {"task": sample.task, "videos": list(sample.videos), "audios": list(sample.audios)}
    for name in ("frame_idx", "question", "options", "description", "target"):
        if getattr(sample, name) is not None:
            record[name] = getattr(sample, name)
    if sample.ground_truth is not None and not isinstance(sample.ground_truth, Unparsed):
        record["answer"] = get_task(sample.task).format_answer(sample.ground_truth)
    if sample.id is not None:
        record["id"] = sample.id
    if sample.extra:
        record["extra"] = sample.extra
    return record


def write_jsonl(samples: Iterable[Sample], path: str | os.PathLike, relative_paths: bool = False) -> int:
    """Write samples as JSONL; returns the number written. ``relative_paths`` writes media paths relative to
    the file's folder (a portable dataset folder); otherwise they are written as absolute paths."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for sample in samples:
            record = sample_to_record(sample)
            for name in ("videos", "audios"):
                absolute = [os.path.abspath(p) for p in record[name]]
                record[name] = [os.path.relpath(p, folder) for p in absolute] if relative_paths else absolute
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def load_jsonl(
    path: str | os.PathLike,
    media_root: str | os.PathLike | None = None,
    errors: str = "raise",
    allow_absolute_paths: bool = True,
    check_media: bool = True,
) -> LoadResult:
    """Samples of a JSONL file (schema in this module's docstring) and the load report.

    errors: ``"raise"`` (first bad line -> AnnotationError with file and line) or ``"skip"`` (skip it and list it
    in the report). Duplicate ids are an error.
    """
    if errors not in ("raise", "skip"):
        raise CrabPlusError(f"errors must be 'raise' or 'skip', got {errors!r}.")
    path = os.fspath(path)
    report = LoadReport(files=[path])
    samples: list[Sample] = []

    def fail(error: AnnotationError) -> None:
        if errors == "raise":
            raise error
        report.skipped.append(Problem.from_error(error, line=True))

    base = os.path.abspath(os.fspath(media_root) if media_root is not None else os.path.dirname(path) or ".")
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        raise AnnotationError("file not found.", file=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotationError(f"cannot read the file as UTF-8 text ({error}).", file=path) from None
    if not any(line.strip() for line in lines):
        fail(AnnotationError("the file holds no records.", file=path))
        return LoadResult(samples, report)
    stem = os.path.splitext(os.path.basename(path))[0]
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise AnnotationError(f"not valid JSON (column {error.colno}: {error.msg}).", file=path,
                                      index=number) from None
            task_key = record.get("task") if isinstance(record, dict) else None
            report.seen[task_key if isinstance(task_key, str) else "?"] += 1
            sample = sample_from_record(record, file=path, index=number, base=base,
                                        allow_absolute_paths=allow_absolute_paths, check_media=check_media)
            sample.id = sample.id if sample.id is not None else f"{stem}:{number}"
            if sample.id in first_line:
                raise AnnotationError(f"duplicate id {sample.id!r}, first on line {first_line[sample.id]}.",
                                      file=path, index=number, field="id")
        except AnnotationError as error:
            fail(error)
            continue
        first_line[sample.id] = number
        samples.append(sample)
        report.loaded[sample.task] += 1
    return LoadResult(samples, report)


def validate(
    path: str | os.PathLike,
    media_root: str | os.PathLike | None = None,
    check_media: bool = True,
    split: str | None = None,
) -> LoadReport:
    """Check a JSONL file or an AV-UIE v2 folder without stopping at the first problem; the report lists them
    all (``report.ok`` is True when nothing would be skipped). For a folder, ``split`` picks one split
    (default: every ``train``/``test`` split present)."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        return load_jsonl(path, media_root=media_root, errors="skip", check_media=check_media).report
    from .avuie import load_avuie

    splits = [split] if split else [s for s in ("train", "test") if _has_split(path, s)] or ["train"]
    merged = LoadReport()
    for name in splits:
        report = load_avuie(path, name, media_root=media_root, errors="skip", check_media=check_media).report
        merged.files += report.files
        for task, count in report.seen.items():
            merged.seen[f"{task}/{name}"] += count
        for task, count in report.loaded.items():
            merged.loaded[f"{task}/{name}"] += count
        merged.skipped += report.skipped
        merged.warnings += report.warnings
    return merged


def _has_split(root: str, split: str) -> bool:
    return any(os.path.isfile(os.path.join(root, d, f"{split}.json")) for d in os.listdir(root))
