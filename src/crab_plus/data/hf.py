"""Export samples to a ``datasets.Dataset`` (and back), lazily: rows hold media *paths*; the collator decodes.

Columns follow the JSONL schema (:mod:`crab_plus.data.jsonl`): task, videos, audios, frame_idx, question,
options, description, target, answer (the typed ground truth in the task's answer format), id, and extra (a JSON
string, since dataset-specific fields differ from task to task and Arrow needs one type per column).
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from .jsonl import SCHEMA_KEYS, sample_from_record, sample_to_record
from .sample import Sample

_STRING_COLUMNS = ("task", "question", "description", "target", "answer", "id", "extra")
_LIST_COLUMNS = ("videos", "audios", "options")


def hf_features():
    """The ``datasets.Features`` of an exported dataset."""
    from datasets import Features, List, Value

    features = {name: Value("string") for name in _STRING_COLUMNS}
    features.update({name: List(Value("string")) for name in _LIST_COLUMNS})
    features["frame_idx"] = Value("int64")
    return Features(features)


def to_hf_dataset(samples: Iterable[Sample]):
    """A ``datasets.Dataset`` with one row per sample (paths only; nothing is decoded)."""
    from datasets import Dataset

    rows = []
    for sample in samples:
        record = sample_to_record(sample)
        row: dict[str, Any] = {name: record.get(name) for name in (*_STRING_COLUMNS, *_LIST_COLUMNS, "frame_idx")}
        row["extra"] = json.dumps(record.get("extra", {}), ensure_ascii=False)
        rows.append(row)
    return Dataset.from_list(rows, features=hf_features())


def sample_from_row(row: dict[str, Any], parse_answer: bool = True, index: int = 0) -> Sample:
    """The Sample of one exported row (or of an already-built Sample, returned as is).

    ``parse_answer=False`` skips parsing the ground truth (the collator does not need it).
    """
    if isinstance(row, Sample):
        return row
    # Columns other than the schema's (e.g. added by Dataset.map) are ignored.
    record = {k: row[k] for k in SCHEMA_KEYS if k != "extra" and row.get(k) is not None}
    extra = row.get("extra")
    record["extra"] = json.loads(extra) if isinstance(extra, str) else (extra or {})
    return sample_from_record(record, file="<dataset row>", index=index, parse_answer=parse_answer)
