"""crab-plus metric `segmentation_miou_fscore` as a local `evaluate` module (inputs: docs/metrics.md)."""

import evaluate

from crab_plus.evaluation.metrics.evaluate_glue import PlainInputs


class SegmentationMiouFscore(PlainInputs, evaluate.Metric):
    metric_name = "segmentation_miou_fscore"
