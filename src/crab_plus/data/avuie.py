"""Load the AV-UIE v2 release's annotation files (``root/{task}/{split}.json``) into normalised samples.

The per-task field layout is :data:`crab_plus.data.release_layout.RELEASE_LAYOUTS`; the task's own behaviour
(parser, instruction, policy) comes from the task registry. ``errors="raise"`` stops at the first bad record
with an AnnotationError naming the file, the record index and the field; ``errors="skip"`` loads the good
records and lists every skipped record and file in the report.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Iterable, Literal

from tqdm.auto import tqdm

from ..errors import AnnotationError, CrabPlusError, TaskError
from .fields import MISSING, first_present, read_field
from .paths import resolve_media_path
from .release_layout import FIELD_KINDS, RELEASE_LAYOUTS, ReleaseLayout
from .report import LoadReport, LoadResult, Problem
from .sample import Sample

logger = logging.getLogger(__name__)

ErrorMode = Literal["raise", "skip"]


def load_avuie(
    root: str | os.PathLike,
    split: str,
    tasks: Iterable[str] | str | None = None,
    media_root: str | os.PathLike | None = None,
    errors: ErrorMode = "raise",
    allow_absolute_paths: bool = False,
    check_media: bool = True,
) -> LoadResult:
    """Samples of ``split`` (``"train"``/``"test"``) from the AV-UIE v2 folder ``root`` (the ``AVUIE_2`` folder).

    tasks: task keys to load (default: every task folder under ``root`` holding ``{split}.json``).
    media_root: folder holding ``{task}/video``, ``{task}/audio`` and the frame folders (default: ``root``).
        Relative media paths must stay inside it.
    errors: ``"raise"`` (first bad record or file -> AnnotationError) or ``"skip"`` (skip it, list it in the
        report; a summary is logged as a warning).
    allow_absolute_paths: accept absolute media paths in records (default: an error).
    check_media: check that every media file exists.
    """
    if errors not in ("raise", "skip"):
        raise CrabPlusError(f"errors must be 'raise' or 'skip', got {errors!r}.")
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise AnnotationError(f"the AV-UIE v2 root {root!r} is not a folder; pass the AVUIE_2 folder.", file=root)
    loader = _SplitLoader(split, os.fspath(media_root) if media_root is not None else root, errors,
                          allow_absolute_paths, check_media)
    for key, file in _annotation_files(root, split, tasks, loader):
        loader.load_file(key, file)
    if loader.report.skipped:
        logger.warning("AV-UIE v2 %s: skipped %d record(s)/file(s)\n%s", split, len(loader.report.skipped),
                       loader.report.summary())
    return LoadResult(loader.samples, loader.report)


def _annotation_files(root: str, split: str, tasks, loader: "_SplitLoader") -> list[tuple[str, str]]:
    if tasks is None:
        found = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, f"{split}.json")))
        if not found:
            raise AnnotationError(f"no {split}.json under any task folder of {root}; expected "
                                  f"{root}/<task>/{split}.json (e.g. {root}/ave/{split}.json).", file=root)
        pairs = []
        for key in found:
            file = os.path.join(root, key, f"{split}.json")
            if key in RELEASE_LAYOUTS:
                pairs.append((key, file))
            else:
                loader.fail(AnnotationError(f"unknown task key {key!r} (folder name); release tasks: "
                                            f"{', '.join(RELEASE_LAYOUTS)}.", file=file))
        return pairs
    keys = [tasks] if isinstance(tasks, str) else list(tasks)
    unknown = [k for k in keys if k not in RELEASE_LAYOUTS]
    if unknown:
        raise TaskError(f"no AV-UIE v2 release layout for task(s) {unknown}; release tasks: "
                        f"{', '.join(RELEASE_LAYOUTS)}. Load your own tasks' data with crab_plus.data.load_jsonl.")
    return [(k, os.path.join(root, k, f"{split}.json")) for k in keys]


@dataclass
class _SplitLoader:
    split: str
    media_root: str
    errors: ErrorMode
    allow_absolute_paths: bool
    check_media: bool

    def __post_init__(self) -> None:
        self.samples: list[Sample] = []
        self.report = LoadReport()
        self._ids: dict[str, tuple[str, int]] = {}

    def fail(self, error: AnnotationError) -> None:
        if self.errors == "raise":
            raise error
        self.report.skipped.append(Problem.from_error(error))

    def load_file(self, key: str, file: str) -> None:
        from ..tasks import get_task

        task = get_task(key)
        self.report.files.append(file)
        try:
            records = _read_record_list(file)
        except AnnotationError as error:
            self.fail(error)
            return
        self.report.seen[key] += len(records)
        for index, record in enumerate(tqdm(records, desc=f"{key}/{self.split}", leave=False,
                                            disable=len(records) < 5000)):
            try:
                sample = self._sample(key, task, RELEASE_LAYOUTS[key], record, file, index)
            except AnnotationError as error:
                self.fail(error)
                continue
            self.samples.append(sample)
            self.report.loaded[key] += 1

    def _sample(self, key: str, task, layout: ReleaseLayout, record: object, file: str, index: int) -> Sample:
        if not isinstance(record, dict):
            raise AnnotationError(f"a record must be a JSON object, got {type(record).__name__}.", file=file,
                                  index=index)
        where = dict(file=file, index=index)
        consumed: set[str] = set()

        def media(alternatives: tuple[str, ...], subdir: str) -> str:
            name = first_present(record, alternatives)
            if name is None:
                raise AnnotationError(f"missing required media field {' or '.join(map(repr, alternatives))}.",
                                      field=alternatives[0], **where)
            consumed.add(name)
            task_dir = os.path.join(self.media_root, key)
            base = os.path.join(task_dir, subdir) if layout.media_subdirs else task_dir
            return resolve_media_path(record.get(name), base, self.media_root,
                                      allow_absolute=self.allow_absolute_paths, check_exists=self.check_media,
                                      field=name, **where)

        def text_slot(alternatives: tuple[str, ...], kind: str = "str"):
            if not alternatives:
                return None
            name = first_present(record, alternatives) or alternatives[0]
            consumed.add(name)
            return read_field(record, name, FIELD_KINDS.get(name, kind), **where)

        question = text_slot(layout.question)
        options = text_slot(layout.options, "list_of_str")
        description = text_slot(layout.description)
        frame_idx = self._frame_idx(layout, record, consumed, where)
        answer_text = self._answer_text(layout, record, where)
        target = read_field(record, layout.target, "str", required=False, **where)
        consumed.add(layout.target)
        if target is MISSING and answer_text is None and layout.answer_in_record:
            answers = f" and the answer field(s) {', '.join(layout.answer_fields)}" if layout.answer else ""
            raise AnnotationError(f"missing the target text {layout.target!r}{answers}; a record of this task "
                                  "needs its answer.", field=layout.target, **where)
        target = None if target is MISSING else target
        sample_id = self._unique_id(key, layout, record, frame_idx, where)
        videos = [media(alternatives, "video") for alternatives in layout.videos]
        audios = [media(alternatives, "audio") for alternatives in layout.audios]

        ground_truth = None
        source = answer_text if answer_text is not None else target
        if source is not None:
            ground_truth = task.parse(source)
            if _is_unparsed(ground_truth):
                self.report.warnings.append(Problem(file, index, layout.target if answer_text is None else None,
                                                    f"ground truth did not parse: {ground_truth}"))
        self._ids[sample_id] = (file, index)
        return Sample(task=key, videos=videos, audios=audios, frame_idx=frame_idx, question=question,
                      options=options, description=description, target=target, ground_truth=ground_truth,
                      id=sample_id, extra={k: v for k, v in record.items() if k not in consumed})

    @staticmethod
    def _frame_idx(layout: ReleaseLayout, record: dict, consumed: set[str], where: dict) -> int | None:
        if not layout.frame_idx:
            return None
        name = first_present(record, layout.frame_idx)
        if name is not None:
            consumed.add(name)
            return read_field(record, name, "int", **where)
        if layout.frame_default is None:
            raise AnnotationError(f"missing required field {layout.frame_idx[0]!r} (the frame second).",
                                  field=layout.frame_idx[0], **where)
        try:
            return layout.frame_default(record)
        except ValueError as error:
            raise AnnotationError(f"{error}; add a frame_idx field.", field=layout.frame_idx[0], **where) from None

    @staticmethod
    def _answer_text(layout: ReleaseLayout, record: dict, where: dict) -> str | None:
        """The structured answer in the release's answer text, or None when the record lacks its fields."""
        if layout.answer is None or any(record.get(f) is None for f in layout.answer_fields):
            return None
        values = {f: read_field(record, f, FIELD_KINDS.get(f, "str"), **where) for f in layout.answer_fields}
        return layout.answer.format(**values)

    def _unique_id(self, key: str, layout: ReleaseLayout, record: dict, frame_idx: int | None, where: dict) -> str:
        if not layout.id_fields:
            return f"{key}/{self.split}/{where['index']}"
        parts = [str(read_field(record, f, FIELD_KINDS.get(f, "id"), **where)) for f in layout.id_fields]
        sample_id = f"{key}:" + ":".join(parts) + (f"@{frame_idx}" if frame_idx is not None else "")
        if sample_id in self._ids:
            first_file, first_index = self._ids[sample_id]
            raise AnnotationError(
                f"duplicate id {sample_id!r} (fields {', '.join(layout.id_fields)}), first seen at record "
                f"{first_index} of {first_file}; remove the duplicate or load with errors='skip'.",
                field=layout.id_fields[0], **where)
        return sample_id


def _read_record_list(file: str) -> list:
    """The JSON list of a release annotation file; AnnotationError (file-level) when missing, unreadable,
    not a list, or empty."""
    if not os.path.isfile(file):
        raise AnnotationError("annotation file not found; check the root folder and the split name.", file=file)
    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotationError(f"cannot read the file as UTF-8 text ({error}).", file=file) from None
    if not text.strip():
        raise AnnotationError("the file is empty; expected a JSON list of records.", file=file)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnnotationError(f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).",
                              file=file) from None
    if not isinstance(records, list):
        raise AnnotationError(f"expected a JSON list of records, got a JSON {type(records).__name__}.", file=file)
    if not records:
        raise AnnotationError("the file holds no records (an empty list).", file=file)
    return records


def _is_unparsed(answer: object) -> bool:
    from ..tasks.answers import Unparsed

    return isinstance(answer, Unparsed)
