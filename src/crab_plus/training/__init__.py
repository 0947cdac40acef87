"""Training with the HF Trainer: arguments, presets, accelerate configs, the model builder, CrabPlusTrainer and
its per-task callbacks."""

from pathlib import Path

from .arguments import AdapterArguments, DataArguments, ModelArguments, parse_train_arguments
from .callbacks import PerTaskLossCallback, RouterStatsCallback
from .model import build_model_for_training
from .trainer import CrabPlusTrainer

ACCELERATE_DIR = Path(__file__).parent / "accelerate"

__all__ = [
    "ACCELERATE_DIR",
    "AdapterArguments",
    "CrabPlusTrainer",
    "DataArguments",
    "ModelArguments",
    "PerTaskLossCallback",
    "RouterStatsCallback",
    "build_model_for_training",
    "parse_train_arguments",
]
