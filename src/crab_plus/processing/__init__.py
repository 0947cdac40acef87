"""Media decoding and writing, per-task media policies, and CrabPlusProcessor."""

from .media import MediaLimits
from .processing_crab_plus import CrabPlusProcessor

__all__ = ["CrabPlusProcessor", "MediaLimits"]
