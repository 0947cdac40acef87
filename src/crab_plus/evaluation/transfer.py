"""``crab-plus transfer``: does training on several tasks at once help or hurt each task, with LoRA and I-LoRA?

For every method (LoRA, I-LoRA at the same parameter budget) it trains one adapter per task and one adapter on
all the tasks, evaluates each on the test split, and reports per task the relative change multi vs single and,
per method, the share of tasks with positive transfer (the paper's "55% negative with LoRA, 88% positive with
I-LoRA" figure). Runs already finished (an ``eval/metrics.json`` in their folder) are reused, so a killed
study continues where it stopped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .report import PRIMARY_KEYS
from .transfer_report import TransferRow, write_transfer_report

logger = logging.getLogger(__name__)
METHODS = ("lora", "ilora")


@dataclass
class TransferConfig:
    tasks: list[str]
    data: str
    out: str
    config: str = "cpu_tiny"  # training config file or preset; the study sets adapter, tasks, output_dir
    overrides: Sequence[str] = ()
    methods: Sequence[str] = METHODS
    batch_size: int = 4
    max_new_tokens: int = 64
    max_eval_samples: int | None = None

    def __post_init__(self):
        if len(self.tasks) < 2:
            raise ConfigError("the transfer study needs at least two tasks (--tasks a b ...).")
        unknown = sorted(set(self.methods) - set(METHODS))
        if unknown:
            raise ConfigError(f"unknown method(s) {unknown}; use lora and/or ilora.")


def ilora_budget(config: dict, overrides: Sequence[str]) -> int:
    """Trainable parameters of the I-LoRA adapter the config describes (the LoRA runs get the same budget)."""
    from ..training.arguments import parse_train_arguments
    from ..training.model import adapter_parameter_count, load_backbone

    model_args, _, adapter_args, _ = parse_train_arguments({**config, "adapter": "ilora"}, list(overrides))
    model, _ = load_backbone(model_args)
    return adapter_parameter_count(model, "ilora", adapter_args.r, adapter_args.target_modules, adapter_args.num_heads)


def train_and_evaluate(study: TransferConfig, base: dict, method: str, tasks: list[str], name: str,
                       budget: int) -> dict:
    """One run of the study (skipped when its metrics exist) -> its metrics for mode "both"."""
    from ..training.run import run_training
    from .runner import EvaluationConfig, evaluate

    run_dir = Path(study.out) / "runs" / name
    metrics_file = run_dir / "eval" / "metrics.json"
    if not metrics_file.is_file():
        config = {**base, "adapter": method, "tasks": tasks, "annotations": study.data, "output_dir": str(run_dir)}
        if method == "lora":
            config["param_budget"] = budget
        logger.info("transfer study: training %s", name)
        run_training(config, list(study.overrides))
        evaluate(EvaluationConfig(model=str(run_dir), data=study.data, out=str(run_dir / "eval"), tasks=tasks,
                                  batch_size=study.batch_size, max_new_tokens=study.max_new_tokens,
                                  max_samples_per_task=study.max_eval_samples))
    return json.loads(metrics_file.read_text())["metrics"]["both"]


def run_transfer(study: TransferConfig) -> tuple[list[TransferRow], dict[str, Path]]:
    """Train and evaluate every run of the study; write transfer.csv / .md / .png into ``study.out``."""
    from ..training.arguments import read_config_file

    base = read_config_file(study.config)
    budget = ilora_budget(base, study.overrides)
    rows = []
    for method in study.methods:
        multi = train_and_evaluate(study, base, method, list(study.tasks), f"{method}-multi", budget)
        for task in study.tasks:
            single = train_and_evaluate(study, base, method, [task], f"{method}-{task}", budget)[task]
            key, higher = PRIMARY_KEYS[single["metric"]]
            rows.append(TransferRow(method, task, key, float(single[key]), float(multi[task][key]), higher))
    paths = write_transfer_report(rows, study.out)
    (Path(study.out) / "transfer.json").write_text(json.dumps(
        {"tasks": list(study.tasks), "methods": list(study.methods), "param_budget": budget,
         "rows": [{**r.__dict__, "gain": r.gain, "relative_change": r.relative_change} for r in rows]}, indent=2))
    return rows, paths
