"""Training with the HF Trainer: arguments, presets, accelerate configs."""

from pathlib import Path

from .arguments import AdapterArguments, DataArguments, ModelArguments, parse_train_arguments

ACCELERATE_DIR = Path(__file__).parent / "accelerate"

__all__ = ["ACCELERATE_DIR", "AdapterArguments", "DataArguments", "ModelArguments", "parse_train_arguments"]
