"""The one normalised sample type every data source turns into (AV-UIE v2 files, users' JSONL, AV-Synth).

A :class:`Sample` holds media *paths* (never decoded media: decoding happens in the collator), the text slots
of the task's instruction, the training target and the typed ground truth the evaluator compares against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sample:
    """One instruction sample of one task.

    task: a registered task key (``crab_plus.tasks.get_task(task)``).
    videos: visual media paths; one for most tasks, two for ``a2v``; for single-frame tasks (s4, ms3, ref_avs,
        arig) the path of the image (or of the clip the frame is taken from).
    audios: audio media paths; one for most tasks, two for ``v2a``; may be empty when the audio comes from the
        video's own track.
    frame_idx: the second (frame index) a single-frame task looks at; ``None`` for clip tasks.
    question / options / description: the instruction slots (MUSIC-AVQA and AVQA questions, AVQA options,
        the Ref-AVS referring expression).
    target: the assistant text to train on (reasoning + structured answer); ``None`` for test data without it.
    ground_truth: the typed answer (``crab_plus.tasks.answers``) obtained with the task's parser; ``None``
        when the record carries no answer (e.g. S4/MS3 test frames, whose ground truth is a mask).
    id: a stable identifier, unique within a load.
    extra: dataset-specific fields (e.g. MUSIC-AVQA question ``type``, Ref-AVS ``split``, ``conflict``), kept
        as plain JSON values.
    """

    task: str
    videos: list[str] = field(default_factory=list)
    audios: list[str] = field(default_factory=list)
    frame_idx: int | None = None
    question: str | None = None
    options: list[str] | None = None
    description: str | None = None
    target: str | None = None
    ground_truth: Any = None
    id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def media_paths(self) -> list[str]:
        """Every media path of the sample, visual first."""
        return [*self.videos, *self.audios]
