"""Pipelines: audio-visual-understanding."""
from .audio_visual_understanding import AudioVisualUnderstandingPipeline

__all__ = ["AudioVisualUnderstandingPipeline"]
