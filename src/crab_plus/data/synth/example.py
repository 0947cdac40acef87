"""What a recipe returns: one annotation record, its ground truth, and the media files to render for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .scene import Scene


@dataclass(frozen=True)
class Media:
    """One file to write, at ``path`` relative to the task folder (``AVUIE_2/{task}/``).

    kind: ``"video"`` (mp4, h264, no audio track), ``"video+audio"`` (mp4, h264 + aac), ``"audio"`` (wav),
        ``"frame"`` (png of the frame at ``time``) or ``"mask"`` (png, 255 on the union of ``objects``' masks at
        ``time``, 0 elsewhere).
    fps: frame rate of a video (None: the generator's ``--fps``).
    """

    path: str
    kind: str
    scene: Scene
    time: float = 0.0
    objects: tuple[int, ...] = ()
    fps: float | None = None


@dataclass
class Example:
    """One generated sample.

    record: the release fields of the task (without the target text, which the generator adds).
    answer: the typed ground truth (crab_plus.tasks.answers) the target is formatted from.
    reasoning: the short explanation put before the structured answer.
    target_field: where the target text goes (``label``, ``label_content``, ``output``).
    conflict: True when audio and vision disagree, i.e. an answer from vision alone would be wrong or a guess.
    """

    record: dict
    answer: object
    reasoning: str
    target_field: str
    conflict: bool
    media: list[Media] = field(default_factory=list)
