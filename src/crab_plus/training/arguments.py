"""The arguments of ``crab-plus train``: a YAML/JSON file plus command-line overrides, parsed by HfArgumentParser.

Four dataclasses: :class:`ModelArguments`, :class:`DataArguments`, :class:`AdapterArguments` and transformers'
own ``TrainingArguments``. A config file is a flat mapping of their field names (as in the presets shipped in
``crab_plus/training/presets``); overrides are ``--name value`` pairs that win over the file. Unknown keys are a
:class:`~crab_plus.errors.ConfigError` naming them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

PRESETS_DIR = Path(__file__).parent / "presets"
LESSON_PROMPTS = ("full", "none")
RELEASE_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class ModelArguments:
    model_name_or_path: str = field(metadata={"help": "crab-plus folder to start from ('tiny' builds the tiny random model)"})
    dtype: str = field(default="float32", metadata={"help": "weights dtype while training: float32, bfloat16, float16"})
    attn_implementation: str | None = field(default=None, metadata={"help": "transformers' attention implementation: eager, sdpa, ... (default: the model's, sdpa)"})


@dataclass
class DataArguments:
    annotations: str | None = field(default=None, metadata={"help": "AVUIE_2 folder ({task}/{split}.json) or a JSONL file of samples"})
    media_root: str | None = field(default=None, metadata={"help": "root of the media paths (default: annotations' parent)"})
    tasks: list[str] | None = field(default=None, metadata={"help": "task keys to train on (default: all found; with lessons alone, the lessons' tasks)"})
    split: str = field(default="train")
    mixture: str = field(default="proportional", metadata={"help": "proportional | temperature"})
    mixture_temperature: float = field(default=1.0, metadata={"help": "T of temperature sampling (n_t^(1/T))"})
    max_samples_per_task: int | None = field(default=None)
    task_weights: list[str] | None = field(default=None, metadata={"help": "task:weight multipliers of the mixing weights, e.g. avqa:2 ks:2 (default 1 each)"})
    mixture_size: int | None = field(default=None, metadata={"help": "samples in the mixture (default: the sum of the task sizes; with task_weights, give enough that no task is down-sampled)"})
    lessons: int | None = field(default=None, metadata={"help": "this many generated text-only lessons (crab_plus.data.synth.lessons): instead of annotations, or mixed in with them"})
    lesson_tasks: list[str] | None = field(default=None, metadata={"help": "the lessons' tasks, some of a2v, v2a, avqa, ref_avs (default: tasks when lessons are the only data, else a2v, v2a)"})
    lesson_prompt: str = field(default="full", metadata={"help": "full: a lesson is the task's chat prompt (random tokens for the media) and the reasoning; none: the assistant turn alone"})

    def __post_init__(self):
        if self.annotations is None and self.lessons is None:
            raise ConfigError("give the training data as annotations=<folder or JSONL>, lessons=<count> "
                              "(text-only matching lessons) or both (lessons mixed in with the annotations).")
        if self.lessons is not None and self.lessons < 1:
            raise ConfigError(f"lessons={self.lessons}: give a positive number of lessons.")
        if self.lesson_prompt not in LESSON_PROMPTS:
            raise ConfigError(f"lesson_prompt={self.lesson_prompt!r}: choose one of {', '.join(LESSON_PROMPTS)}.")
        if self.lesson_tasks is not None and self.lessons is None:
            raise ConfigError("lesson_tasks is given but lessons is not: give lessons=<count> too, or drop it.")
        if self.lessons is not None and self.lesson_task_keys() is not None:
            from ..data.synth.lessons import check_lesson_tasks

            check_lesson_tasks(self.lesson_task_keys(), with_prompt=self.lesson_prompt == "full")
        self.task_weight_map()  # a malformed entry fails here, before any data is read

    def lesson_task_keys(self) -> list[str] | None:
        """The lessons' tasks as given: ``lesson_tasks``, else ``tasks`` when lessons are the only data; None for the
        default (a2v, v2a)."""
        if self.lesson_tasks is not None:
            return self.lesson_tasks
        return self.tasks if self.annotations is None else None

    def task_weight_map(self) -> dict[str, float]:
        """``["avqa:2", "ks:1.5"]`` -> ``{"avqa": 2.0, "ks": 1.5}``."""
        weights = {}
        for item in self.task_weights or ():
            task, _, value = str(item).partition(":")
            try:
                weight = float(value)
            except ValueError:
                weight = None
            if weight is None or not task.strip():
                raise ConfigError(f"task_weights entry {item!r} is not task:weight (e.g. avqa:2).")
            weights[task.strip()] = weight
        return weights


@dataclass
class AdapterArguments:
    adapter: str = field(default="ilora", metadata={"help": "ilora | lora | none (train the parts in train_parts)"})
    r: int = field(default=8)
    lora_alpha: int = field(default=16)
    lora_dropout: float = field(default=0.05)
    num_heads: int = field(default=3, metadata={"help": "I-LoRA B heads"})
    router: str = field(default="token", metadata={"help": "I-LoRA router: token | sequence | task"})
    top_k: int | None = field(default=None)
    load_balance_weight: float = field(default=0.0)
    param_budget: int | None = field(default=None, metadata={"help": "pick r so the adapter has about this many trainable parameters (LoRA vs I-LoRA at the same budget)"})
    target_modules: list[str] = field(default_factory=lambda: list(RELEASE_TARGETS))
    train_parts: list[str] = field(default_factory=list, metadata={"help": "backbone parts trained in full: vision audio text lm_head"})

    def __post_init__(self):
        if self.adapter not in ("ilora", "lora", "none"):
            raise ConfigError(f"adapter={self.adapter!r} is not known; use ilora, lora or none.")
        if self.adapter == "none" and not self.train_parts:
            raise ConfigError("adapter=none trains nothing: name train_parts (vision, audio, text, lm_head).")


def _as_argv(values: dict) -> list[str]:
    """{"learning_rate": 1e-4, "tasks": ["ave", "ks"], "bf16": True} -> ["--learning_rate", "0.0001", ...]."""
    argv = []
    for key, value in values.items():
        if value is None:
            continue
        argv.append(f"--{key}")
        argv.extend(str(v) for v in value) if isinstance(value, (list, tuple)) else argv.append(str(value))
    return argv


def read_config_file(path: str | Path) -> dict:
    """A YAML or JSON mapping; a preset name ("release", "cpu_tiny") reads the shipped preset."""
    path = Path(path)
    if not path.exists() and (PRESETS_DIR / f"{path}.yaml").is_file():
        path = PRESETS_DIR / f"{path}.yaml"
    if not path.is_file():
        presets = ", ".join(p.stem for p in PRESETS_DIR.glob("*.yaml"))
        raise ConfigError(f"training config {path} does not exist; give a YAML/JSON file or a preset ({presets}).")
    text = path.read_text()
    if path.suffix == ".json":
        values = json.loads(text)
    else:
        import yaml

        values = yaml.safe_load(text)
    if not isinstance(values, dict):
        raise ConfigError(f"training config {path} must be a mapping of argument names to values.")
    return values


def parse_train_arguments(config: str | Path | dict | None = None, overrides: list[str] | None = None):
    """-> (ModelArguments, DataArguments, AdapterArguments, TrainingArguments) from a file and overrides."""
    from transformers import HfArgumentParser, TrainingArguments

    values = config if isinstance(config, dict) else (read_config_file(config) if config is not None else {})
    parser = HfArgumentParser((ModelArguments, DataArguments, AdapterArguments, TrainingArguments))
    known = {action.dest for action in parser._actions}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown training config keys: {', '.join(unknown)}. See `crab-plus train --help`.")
    try:
        *parsed, remaining = parser.parse_args_into_dataclasses(
            args=_as_argv(values) + list(overrides or []), return_remaining_strings=True
        )
    except SystemExit as error:  # argparse reports bad values by exiting
        raise ConfigError(f"invalid training arguments (see the message above): exit status {error.code}") from error
    except ConfigError:
        raise
    except ValueError as error:  # TrainingArguments' own checks (e.g. bf16 without a GPU)
        raise ConfigError(f"invalid training arguments: {error}") from error
    if remaining:
        raise ConfigError(f"unknown training arguments: {' '.join(remaining)}. See `crab-plus train --help`.")
    data_args, training_args = parsed[1], parsed[3]
    if data_args.lessons is not None and training_args.train_sampling_strategy == "group_by_length":
        raise ConfigError("train_sampling_strategy: group_by_length needs annotation data alone; the text-only "
                          "lessons have no length estimate: use the default 'random'.")
    return tuple(parsed)
