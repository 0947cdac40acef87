"""crab-plus metric `ave_accuracy` as a local `evaluate` module (inputs: docs/metrics.md)."""

import evaluate

from crab_plus.evaluation.metrics.evaluate_glue import PlainInputs


class AveAccuracy(PlainInputs, evaluate.Metric):
    metric_name = "ave_accuracy"
