"""The AV-UIE v2 release's annotation field layout, per task, in one table.

Facts from the release (``AVUIE_2/{task}/{train,test}.json``, a JSON list per file, and the release data code):

- Clip tasks name their media by file name; the files live in ``AVUIE_2/{task}/video/`` and
  ``AVUIE_2/{task}/audio/``. Single-frame tasks (s4, ms3, arig, ref_avs) give paths relative to
  ``AVUIE_2/{task}/``; their frame field is ``image_path`` in train files and ``visual_path`` in test files.
- The target text is in ``label``, ``label_content``, ``new_label`` (ucf) or ``output`` (ref_avs). Test files may
  carry no target; their answer comes from structured fields (``correct_video``, ``answer``, ``event`` +
  ``start_time`` + ``end_time``, ...), rendered here in the release's test-time answer text.
- The frame a single-frame task looks at: ``frame_idx``; in train files S4 uses frame 0, ARIG the number in the
  image file name (``.../3.jpg`` -> 3) and Ref-AVS ``idx``.
- Ref-AVS test files give the referring expression in ``object`` (train: ``description``).

This module is data; :mod:`crab_plus.data.avuie` executes it. The task itself (instruction, parser, policy)
comes from :func:`crab_plus.tasks.get_task`.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, replace
from typing import Callable


@dataclass(frozen=True)
class ReleaseLayout:
    """Where one task's fields are in a release record.

    videos / audios: one entry per media input; each entry lists the field names that may hold it (the first
        present is used).
    media_subdirs: True when media sit in ``{task}/video/`` and ``{task}/audio/``; False when paths are
        relative to ``{task}/``.
    target: field holding the target text (optional in a record when ``answer`` can be built).
    answer: the structured answer text (``str.format`` over the record) used for the ground truth, or None.
    question / options / description: fields filling the instruction slots (alternatives, first present wins).
    frame_idx: fields giving the frame second (first present wins); ``frame_default`` computes it when all
        are absent (None: one of the fields is required).
    id_fields: fields that together identify a record (empty: the record's position is its id).
    answer_in_record: False for tasks whose test ground truth is not in the annotation (masks: s4, ms3,
        ref_avs), so a record may carry neither target nor answer; otherwise one of them is required.
    """

    videos: tuple[tuple[str, ...], ...] = (("video_path",),)
    audios: tuple[tuple[str, ...], ...] = (("audio_path",),)
    media_subdirs: bool = True
    target: str = "label"
    answer: str | None = None
    question: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    description: tuple[str, ...] = ()
    frame_idx: tuple[str, ...] = ()
    frame_default: Callable[[dict], int] | None = None
    id_fields: tuple[str, ...] = ()
    answer_in_record: bool = True

    @property
    def answer_fields(self) -> tuple[str, ...]:
        """Record fields the answer template reads (``top_left[0]`` reads ``top_left``)."""
        if self.answer is None:
            return ()
        names = (name for _, name, _, _ in string.Formatter().parse(self.answer) if name)
        return tuple(dict.fromkeys(name.split("[")[0].split(".")[0] for name in names))


def _first_frame(record: dict) -> int:
    return 0


def _frame_from_image_name(record: dict) -> int:
    """ARIG train records: the frame second is the image file's name (``.../3.jpg`` -> 3)."""
    name = record.get("image_path") or record.get("visual_path")
    stem = os.path.splitext(os.path.basename(str(name)))[0]
    if not stem.isdigit():
        raise ValueError(f"no frame_idx field and the image name {name!r} is not a frame number")
    return int(stem)


_FRAME_FIELD = (("image_path", "visual_path"),)
_EMOTION = "<answer>{emotion}</answer>"
_SEGMENTATION = ReleaseLayout(videos=_FRAME_FIELD, media_subdirs=False, target="label_content",
                              id_fields=("vid", "uid"), answer_in_record=False)

RELEASE_LAYOUTS: dict[str, ReleaseLayout] = {
    "a2v": ReleaseLayout(videos=(("video1_path",), ("video2_path",)), answer="<answer>{correct_video}</answer>"),
    "v2a": ReleaseLayout(audios=(("audio1_path",), ("audio2_path",)), answer="<answer>{correct_audio}</answer>"),
    "ks": ReleaseLayout(answer="<answer>{action}</answer>"),
    "ucf": ReleaseLayout(target="new_label", answer="<answer>{label}</answer>"),
    "meld": ReleaseLayout(answer="<answer>{Emotion}</answer>"),
    "mer24": ReleaseLayout(answer="<answer>{discrete}</answer>"),
    "cremad": ReleaseLayout(answer=_EMOTION),
    "mafw": ReleaseLayout(answer=_EMOTION),
    "dfew": ReleaseLayout(answer=_EMOTION),
    "avqa": ReleaseLayout(question=("question",), answer="{answer}", id_fields=("question_id",)),
    "avqa_thu": ReleaseLayout(question=("question_text",), options=("multi_choice",), answer="{answer}",
                              id_fields=("id",)),
    "ave": ReleaseLayout(target="label_content", answer="event:{event} start_time:{start_time} end_time:{end_time}"),
    "unav": ReleaseLayout(target="label_content"),
    "avvp": ReleaseLayout(target="label_content", answer="{event}"),
    "s4": replace(_SEGMENTATION, frame_idx=("frame_idx",), frame_default=_first_frame),
    "ms3": replace(_SEGMENTATION, frame_idx=("frame_idx",)),
    "arig": ReleaseLayout(
        videos=_FRAME_FIELD, media_subdirs=False, target="label_content",
        answer="The sounding object is {a_obj}. Its coordinates are "
               "<obj>({top_left[0]},{top_left[1]})({bottom_right[0]},{bottom_right[1]})</obj>.",
        frame_idx=("frame_idx",), frame_default=_frame_from_image_name),
    "ref_avs": ReleaseLayout(videos=_FRAME_FIELD, media_subdirs=False, target="output",
                             description=("object", "description"), frame_idx=("frame_idx", "idx"),
                             id_fields=("vid", "uid", "fid"), answer_in_record=False),
    "avcap": ReleaseLayout(target="label_content"),
}

# Value kinds of the fields the loader reads (every other read field is a string).
FIELD_KINDS: dict[str, str] = {
    "frame_idx": "int", "idx": "int",
    "correct_video": "choice", "correct_audio": "choice",
    "start_time": "number", "end_time": "number",
    "multi_choice": "list_of_str",
    "top_left": "point", "bottom_right": "point",
    "question_id": "id", "id": "id", "vid": "id", "uid": "id", "fid": "id",
}
