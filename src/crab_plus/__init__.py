"""crab-plus: Crab+ unified audio-visual scene understanding, native to the Hugging Face stack.

Importing this package registers Crab+ with transformers' auto classes (see ``crab_plus.registration``).
"""

from .errors import (
    AdapterError,
    AnnotationError,
    CheckpointError,
    ConfigError,
    CrabPlusError,
    MediaError,
    PlaceholderMismatchError,
    TaskError,
)
from .ilora import ILoraConfig
from .modeling import CrabPlusConfig, CrabPlusForConditionalGeneration, CrabPlusModel
from .processing import CrabPlusProcessor
from .registration import register_all
from .tasks import TASKS, Task, get_task, register_task

register_all()

__version__ = "0.1.0.dev0"

__all__ = [
    "AdapterError",
    "AnnotationError",
    "CheckpointError",
    "ConfigError",
    "CrabPlusConfig",
    "CrabPlusError",
    "CrabPlusForConditionalGeneration",
    "CrabPlusModel",
    "CrabPlusProcessor",
    "ILoraConfig",
    "MediaError",
    "PlaceholderMismatchError",
    "TASKS",
    "Task",
    "TaskError",
    "get_task",
    "register_task",
]
