"""Scoring generated text: parse with the task registry, build metric inputs, compute the task's metric; the
segmentation mask stage (SAM) and the modality-reliance table. No generation here (see ``runner``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import TaskError
from .report import markdown_table, primary_score


def is_conflict(sample) -> bool:
    """True when the sample's ``conflict`` field says its audio and vision disagree."""
    value = (sample.extra or {}).get("conflict")
    if isinstance(value, dict):
        return bool(value.get("conflict", value))
    return bool(value)


REFAVS_SPLITS = {"test_s": "seen", "test_u": "unseen", "test_n": "null"}


def score_task(task_key: str, samples: Sequence, texts: Sequence[str], masks=None, reference_masks=None) -> dict:
    """Parse ``texts`` with the task and compute its metric -> result dict (+ "metric", "unparsed").

    ``masks`` / ``reference_masks``: predicted (SAM stage) and true masks of a mask-scored task. Ref-AVS samples
    carrying their test split (``extra["split"]``: test_s / test_u / test_n) are scored per split as in the
    paper: mIoU and F-score on seen and unseen (``miou_seen``...; ``miou``/``fscore`` over both) and the null
    S-metric on the null split.
    """
    from ..tasks import get_task, metric_inputs
    from .metrics import compute_task_metric

    task = get_task(task_key)
    answers = [task.parse(text) for text in texts]
    unparsed = sum(type(a).__name__ == "Unparsed" for a in answers)
    groups = {"": list(range(len(samples)))}
    if task_key == "ref_avs" and any((s.extra or {}).get("split") in REFAVS_SPLITS for s in samples):
        groups = {}
        for i, sample in enumerate(samples):
            groups.setdefault(REFAVS_SPLITS.get((sample.extra or {}).get("split"), "seen"), []).append(i)
        non_null = [i for name, rows in groups.items() if name != "null" for i in rows]
        if non_null:
            groups[""] = non_null
    result: dict = {"metric": task.metric}
    for name, rows in groups.items():
        metric = "refavs_null_s" if name == "null" else task.metric
        picked = [samples[i] for i in rows]
        predictions, references, kwargs = metric_inputs(task, _pick(answers, rows), picked, masks=_pick(masks, rows),
                                                        reference_masks=_pick(reference_masks, rows))
        scores = compute_task_metric(metric, predictions, references, **kwargs)
        result.update(scores if not name else {f"{k}_{name}" if name != "null" or k == "num_samples" else k: v
                                               for k, v in scores.items()})
    result["unparsed"] = unparsed
    return result


def _pick(items, indices):
    return None if items is None else [items[i] for i in indices]


MODE_COLUMNS = {"both": "audio+video", "no_video": "audio only", "no_audio": "video only",
                "other_video": "another clip's video", "other_audio": "another clip's audio"}


def modality_table(by_task: dict, metrics: dict, texts_by_mode: dict, masks_by_mode: dict) -> dict[str, dict]:
    """Per task: the headline score per mode, and on the samples whose audio and vision disagree the score per
    mode (``conflict/<mode>``), with their count."""
    table = {}
    for key, samples in by_task.items():
        metric = metrics["both"][key]["metric"]
        row: dict = {"metric": metric}
        for mode in metrics:
            row[mode] = primary_score(metric, metrics[mode][key])
        conflicting = [i for i, s in enumerate(samples) if is_conflict(s)]
        row["conflict_samples"] = len(conflicting)
        if conflicting:
            subset = [samples[i] for i in conflicting]
            for mode in metrics:
                texts = _pick(texts_by_mode[mode][key], conflicting)
                masks, references = masks_by_mode[mode][key]
                subset_result = score_task(key, subset, texts, _pick(masks, conflicting), _pick(references, conflicting))
                row[f"conflict/{mode}"] = primary_score(metric, subset_result)
        table[key] = row
    return table


def modality_markdown(table: dict[str, dict]) -> str:
    modes = [m for m in MODE_COLUMNS if any(m in row for row in table.values())]
    header = ["task", "metric", *(MODE_COLUMNS[m] for m in modes), "conflict samples",
              *(f"conflict: {MODE_COLUMNS[m]}" for m in modes)]
    rows = [[key, row["metric"], *(row.get(m) for m in modes), row["conflict_samples"],
             *(row.get(f"conflict/{m}") for m in modes)] for key, row in table.items()]
    return markdown_table(header, rows)


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def load_frame(path: str, second: float | None = None):
    """The RGB frame (H, W, 3) uint8 of an image file, or of a clip at ``second`` (the first frame at or after it)."""
    import numpy as np
    from PIL import Image

    if Path(path).suffix.lower() in IMAGE_SUFFIXES:
        return np.asarray(Image.open(path).convert("RGB"))
    import av

    with av.open(path) as container:
        stream = container.streams.video[0]
        last = None
        for frame in container.decode(stream):
            last = frame
            if frame.time is not None and frame.time + 1e-6 >= (second or 0.0):
                break
        if last is None:
            from ..errors import MediaError

            raise MediaError(f"{path} has no video frame to segment.")
        return last.to_ndarray(format="rgb24")


def reference_mask(sample, roots: Sequence[Path]):
    """The sample's ground-truth mask (bool (H, W)) from its ``mask_path`` field, looked up under ``roots``."""
    import numpy as np
    from PIL import Image

    relative = (sample.extra or {}).get("mask_path")
    if not relative:
        raise TaskError(f"sample {sample.id} of task {sample.task!r} has no mask_path: segmentation is scored "
                        "against ground-truth masks.")
    for root in [Path("/"), *roots]:
        candidate = root / relative
        if candidate.is_file():
            return np.asarray(Image.open(candidate).convert("L")) > 127
    raise TaskError(f"mask {relative!r} of sample {sample.id} not found under {', '.join(map(str, roots))}.")


def segmentation_masks(sam, task_key: str, samples: Sequence, texts: Sequence[str], roots: Sequence[Path]):
    """-> (predicted masks, reference masks) for a mask-scored task (None, None for other tasks).

    Each answer's box and points prompt SAM on the sample's frame; unparsed or "does not exist" answers give an
    empty mask (SamMaskPredictor.predict_answer)."""
    from ..tasks import get_task
    from ..tasks.metric_inputs import MASK_METRICS

    task = get_task(task_key)
    if task.metric not in MASK_METRICS:
        return None, None
    predicted, references = [], []
    for sample, text in zip(samples, texts):
        frame = load_frame(sample.videos[0], sample.frame_idx)
        predicted.append(sam.predict_answer(frame, task.parse(text)))
        references.append(reference_mask(sample, roots))
    return predicted, references
