"""crab-plus metric `refavs_null_s` as a local `evaluate` module (inputs: docs/metrics.md)."""

import evaluate

from crab_plus.evaluation.metrics.evaluate_glue import PlainInputs


class RefavsNullS(PlainInputs, evaluate.Metric):
    metric_name = "refavs_null_s"
