"""crab-plus metric `avvp_f1` as a local `evaluate` module (inputs: docs/metrics.md)."""

import evaluate

from crab_plus.evaluation.metrics.evaluate_glue import PlainInputs


class AvvpF1(PlainInputs, evaluate.Metric):
    metric_name = "avvp_f1"
