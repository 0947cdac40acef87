from .configuration_crab_plus import CrabPlusConfig
from .freezing import BACKBONE_PARTS, count_parameters, freeze_backbone
from .modeling_crab_plus import CrabPlusForConditionalGeneration, CrabPlusModel

__all__ = [
    "BACKBONE_PARTS",
    "CrabPlusConfig",
    "CrabPlusForConditionalGeneration",
    "CrabPlusModel",
    "count_parameters",
    "freeze_backbone",
]
