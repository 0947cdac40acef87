"""Evaluation of Crab+ tasks: the paper's metrics as plain functions, a name-keyed dispatcher and local
``evaluate`` modules (``metric_path``)."""

from .evaluate_modules import metric_path
from .metrics import METRIC_NAMES, MetricInputError, compute_task_metric

__all__ = ["METRIC_NAMES", "MetricInputError", "compute_task_metric", "metric_path"]
