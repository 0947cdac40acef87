"""Evaluation: metrics (plain functions and local ``evaluate`` modules, ``metric_path``) and the segmentation
mask stage (``sam_masks``)."""

from .evaluate_modules import metric_path
from .metrics import METRIC_NAMES, MetricInputError, compute_task_metric

__all__ = ["METRIC_NAMES", "MetricInputError", "compute_task_metric", "metric_path"]
