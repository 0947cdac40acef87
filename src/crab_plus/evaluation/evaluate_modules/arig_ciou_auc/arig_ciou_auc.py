"""crab-plus metric `arig_ciou_auc` as a local `evaluate` module (inputs: docs/metrics.md)."""

import evaluate

from crab_plus.evaluation.metrics.evaluate_glue import PlainInputs


class ArigCiouAuc(PlainInputs, evaluate.Metric):
    metric_name = "arig_ciou_auc"
