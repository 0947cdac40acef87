"""The paper's metrics as plain, typed functions on plain data (labels, (label, start, end) events in seconds,
``[x1, y1, x2, y2]`` boxes, binary numpy masks, caption strings), plus :func:`compute_task_metric`.

Every function returns a ``dict`` of floats (fractions in [0, 1] unless documented) and a ``num_samples`` count;
a prediction of ``None`` stands for generated text that did not parse and is scored as wrong.
"""

from .captioning import bleu, caption_metrics, cider_d, rouge_l_sample, tokenize_caption
from .classification import accuracy, music_avqa_accuracy, music_avqa_group, normalize_label
from .common import MetricInputError
from .dispatch import METRIC_NAMES, METRICS, compute_task_metric
from .grounding import arig_ciou_auc, box_iou, map_iou, success_auc
from .segmentation import mask_jaccard_fscore, null_s, refavs_null_s, segmentation_miou_fscore
from .temporal import AVVP_KEYS, ave_segment_accuracy, avvp_f1, avvp_sample_scores, segment_labels

__all__ = [
    "AVVP_KEYS",
    "METRICS",
    "METRIC_NAMES",
    "MetricInputError",
    "accuracy",
    "arig_ciou_auc",
    "ave_segment_accuracy",
    "avvp_f1",
    "avvp_sample_scores",
    "bleu",
    "box_iou",
    "caption_metrics",
    "cider_d",
    "compute_task_metric",
    "map_iou",
    "mask_jaccard_fscore",
    "music_avqa_accuracy",
    "music_avqa_group",
    "normalize_label",
    "null_s",
    "refavs_null_s",
    "rouge_l_sample",
    "segment_labels",
    "segmentation_miou_fscore",
    "success_auc",
    "tokenize_caption",
]
