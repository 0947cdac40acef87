"""crab-plus metric `music_avqa_accuracy` as a local `evaluate` module (inputs: docs/metrics.md)."""

import evaluate

from crab_plus.evaluation.metrics.evaluate_glue import PlainInputs


class MusicAvqaAccuracy(PlainInputs, evaluate.Metric):
    metric_name = "music_avqa_accuracy"
