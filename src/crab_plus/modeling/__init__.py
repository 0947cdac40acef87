from .configuration_crab_plus import CrabPlusConfig
from .modeling_crab_plus import CrabPlusForConditionalGeneration, CrabPlusModel

__all__ = ["CrabPlusConfig", "CrabPlusModel", "CrabPlusForConditionalGeneration"]
