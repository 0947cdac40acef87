"""Data for Crab+: the normalised Sample, the AV-UIE v2 loader, the JSONL schema for users' own data, export to
``datasets``, the multi-task mixture and the training collator.

>>> from crab_plus.data import load_avuie, mix_tasks
>>> train = load_avuie("AVUIE_2", "train", media_root="AVUIE_2")        # doctest: +SKIP
>>> mixture = mix_tasks(train.by_task(), strategy="temperature", temperature=2.0, seed=42)  # doctest: +SKIP
>>> print(mixture.report)                                                # doctest: +SKIP
>>> collator = CrabPlusCollator(processor, padding_side="right")         # doctest: +SKIP
>>> batch = collator(mixture.samples[:4])  # input_ids, labels, media tensors, task_ids  # doctest: +SKIP
"""

from .avuie import load_avuie
from .collator import CrabPlusCollator
from .hf import sample_from_row, to_hf_dataset
from .jsonl import load_jsonl, sample_from_record, sample_to_record, validate, write_jsonl
from .mixture import Mixture, MixtureReport, mix_tasks
from .release_layout import RELEASE_LAYOUTS, ReleaseLayout
from .report import LoadReport, LoadResult, Problem
from .sample import Sample

__all__ = [
    "CrabPlusCollator",
    "LoadReport",
    "LoadResult",
    "Mixture",
    "MixtureReport",
    "Problem",
    "RELEASE_LAYOUTS",
    "ReleaseLayout",
    "Sample",
    "load_avuie",
    "load_jsonl",
    "mix_tasks",
    "sample_from_record",
    "sample_from_row",
    "sample_to_record",
    "to_hf_dataset",
    "validate",
    "write_jsonl",
]
