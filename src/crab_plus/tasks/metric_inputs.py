"""Typed answers -> the plain data of each task's metric (docs/metrics.md), for predictions and references.

``metric_input(task, answer)`` converts one answer; ``metric_inputs(task, answers, samples)`` builds the
``(predictions, references, kwargs)`` triple ``compute_task_metric(task.metric, ...)`` takes. Segmentation
answers (a box and points) are prompts, not masks: their predictions are the masks of the SAM stage
(``crab_plus.evaluation.sam_masks.SamMaskPredictor.predict_answer``) and their references ground-truth masks.
"""

from __future__ import annotations

from typing import Any, Sequence

import re

import numpy as np

from ..errors import TaskError
from .answers import Choice, Unparsed

MASK_METRICS = ("segmentation_miou_fscore", "refavs_null_s")


def _is_mask(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == 2


def metric_input(task, answer: Any) -> Any:
    """One answer as its metric's plain data: a label string, ``(label, start, end)`` events, an AVVP dict,
    an ``[x1, y1, x2, y2]`` box, a caption, or a 2-D mask passed through (segmentation). Unparsed / None ->
    None (scored as wrong)."""
    if answer is None or isinstance(answer, Unparsed):
        return None
    if _is_mask(answer) and task.metric in MASK_METRICS + ("arig_ciou_auc",):
        return answer
    if not isinstance(answer, task.answer_format.answer_type):
        raise TaskError(f"task {task.key!r} answers with {task.answer_format.answer_type.__name__}, "
                        f"got {type(answer).__name__}.")
    if task.answer_format.to_metric is None:
        raise TaskError(f"task {task.key!r} answers with a box and points, which its metric ({task.metric}) does "
                        "not take: turn them into a mask with crab_plus.evaluation.sam_masks.SamMaskPredictor."
                        "predict_answer(frame, answer) and pass the mask.")
    return task.answer_format.to_metric(answer)


def metric_inputs(task, answers: Sequence[Any], samples: Sequence[Any], masks: Sequence[Any] | None = None,
                  reference_masks: Sequence[Any] | None = None) -> tuple[list, list, dict]:
    """``(predictions, references, kwargs)`` for ``compute_task_metric(task.metric, ...)``.

    answers: parsed predictions (one per sample). samples: the evaluated ``crab_plus.data.Sample`` records
    (their ``ground_truth`` gives the references; MUSIC-AVQA's question types come from ``extra["type"]``).
    masks / reference_masks: predicted and true 2-D masks for the segmentation tasks (None items allowed in
    ``masks``: unparsed). A segmentation task's reference masks may also be the samples' ground truth.
    """
    from .registry import get_task

    task = get_task(task)
    if task.metric is None:
        raise TaskError(f"task {task.key!r} has no metric (train-only).")
    if len(answers) != len(samples):
        raise TaskError(f"{len(answers)} answers for {len(samples)} samples of task {task.key!r}; give one each.")
    if task.metric in MASK_METRICS:
        return _mask_inputs(task, answers, samples, masks, reference_masks)
    predictions = [metric_input(task, resolve_option(a, s.options)) for a, s in zip(answers, samples)]
    references = []
    for index, sample in enumerate(samples):
        reference = metric_input(task, sample.ground_truth)
        if reference is None:
            raise TaskError(f"sample {index} ({sample.id}) of task {task.key!r} has no parsed ground truth "
                            f"({sample.ground_truth}); it cannot be scored.")
        references.append(reference)
    kwargs: dict[str, Any] = {}
    if task.metric == "music_avqa_accuracy":
        kwargs["question_types"] = [_question_type(task, i, s) for i, s in enumerate(samples)]
    return predictions, references, kwargs


_OPTION_REF = re.compile(r"^\(?([A-Za-z]|\d{1,2})[).:]?(?:\s+(.*))?$")


def resolve_option(answer: Any, options: Sequence[str] | None) -> Any:
    """A ``Choice`` naming an option by its letter or number ("B", "(2)", "B. cat") -> the option's text, when the
    sample's ``options`` are known and the reference is valid; any other answer unchanged."""
    if not isinstance(answer, Choice) or not options or answer.option is None or answer.option in options:
        return answer
    found = _OPTION_REF.match(answer.option.strip())
    if not found:
        return answer
    ref, rest = found.group(1), found.group(2)
    index = int(ref) - 1 if ref.isdigit() else ord(ref.upper()) - ord("A")
    if not 0 <= index < len(options) or (rest and rest.strip().lower() != str(options[index]).lower()):
        return answer
    return Choice(index=index + 1, option=options[index])


def _question_type(task, index: int, sample) -> Any:
    value = (sample.extra or {}).get("type")
    if not value:
        raise TaskError(f"sample {index} ({sample.id}) of task {task.key!r} has no question type "
                        "(extra['type'], e.g. 'Audio-Visual'); MUSIC-AVQA accuracy is grouped by it.")
    return value


def _mask_inputs(task, answers, samples, masks, reference_masks) -> tuple[list, list, dict]:
    if masks is None:
        raise TaskError(f"task {task.key!r} is scored on masks: pass masks=[one 2-D mask per answer] from the "
                        "SAM stage (crab-plus evaluate --sam-model PATH).")
    if reference_masks is None:
        reference_masks = [s.ground_truth for s in samples]
        if not all(_is_mask(m) for m in reference_masks):
            raise TaskError(f"task {task.key!r} needs ground-truth masks: pass reference_masks=[one 2-D mask per "
                            "sample] (the annotation files hold none).")
    if len(masks) != len(samples) or len(reference_masks) != len(samples):
        raise TaskError(f"task {task.key!r}: {len(masks)} masks and {len(reference_masks)} reference masks for "
                        f"{len(samples)} samples; give one each.")
    predictions = [None if isinstance(a, Unparsed) or m is None else np.asarray(m) for a, m in zip(answers, masks)]
    return predictions, [np.asarray(m) for m in reference_masks], {}
