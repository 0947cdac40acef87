"""Evaluation: metrics, the segmentation mask stage, evaluation runs."""
