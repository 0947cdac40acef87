"""crab-plus metric `accuracy` as a local `evaluate` module (inputs: docs/metrics.md)."""

import evaluate

from crab_plus.evaluation.metrics.evaluate_glue import PlainInputs


class Accuracy(PlainInputs, evaluate.Metric):
    metric_name = "accuracy"
