"""crab-plus metric `caption_metrics` as a local `evaluate` module (inputs: docs/metrics.md)."""

import evaluate

from crab_plus.evaluation.metrics.evaluate_glue import PlainInputs


class CaptionMetrics(PlainInputs, evaluate.Metric):
    metric_name = "caption_metrics"
