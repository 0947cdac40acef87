"""``ILoraConfig``: the peft config of Interaction-aware LoRA (one shared A, ``num_heads`` routed B heads).

peft's ``PeftType`` enum is closed, so the method's type is the str-Enum member ``ILoraPeftType.ILORA``: it
compares and hashes equal to ``"ILORA"`` (what ``adapter_config.json`` stores) and has the ``.value`` that
transformers' adapter integration reads.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

from peft.config import PeftConfig

from ..errors import ConfigError

ROUTERS = ("token", "sequence", "task")
RELEASE_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class ILoraPeftType(str, enum.Enum):
    ILORA = "ILORA"


@dataclass
class ILoraConfig(PeftConfig):
    """Configuration of an I-LoRA adapter (shared/REFERENCE.md section 4).

    For each target ``nn.Linear`` ``y = W x + b`` the adapter adds
    ``(lora_alpha / r) * sum_i g_i * B_i(A(dropout(x)))`` with ``g = softmax(R x / router_temperature)`` in fp32.

    Router kinds: ``"token"`` (the release: one weight vector per token from the layer's own input),
    ``"sequence"`` (one vector per sample from the mean of its tokens), ``"task"`` (a learned vector per task id,
    ``num_tasks`` of them, handed to the model with :func:`crab_plus.ilora.task_ids_context`).
    ``top_k`` keeps the k largest router logits per token (renormalised); ``load_balance_weight > 0`` adds the
    coefficient of variation of head usage, averaged over layers, times that weight to the model's loss.
    """

    r: int = field(default=8, metadata={"help": "rank of the shared A and of every B head"})
    lora_alpha: float = field(default=16, metadata={"help": "scaling numerator: output scaled by lora_alpha / r"})
    lora_dropout: float = field(default=0.0, metadata={"help": "dropout on the adapter input"})
    num_heads: int = field(default=3, metadata={"help": "number of B heads (N)"})
    router: Literal["token", "sequence", "task"] = field(default="token", metadata={"help": "token|sequence|task"})
    num_tasks: int | None = field(default=None, metadata={"help": "task ids the 'task' router knows"})
    top_k: int | None = field(default=None, metadata={"help": "sparse routing: keep the k largest heads"})
    router_temperature: float = field(default=1.0, metadata={"help": "softmax temperature of the router"})
    load_balance_weight: float = field(default=0.0, metadata={"help": "weight of the head-usage CV loss"})
    target_modules: list[str] | str | None = field(
        default=None, metadata={"help": "module name suffixes (list) or a regex (str) of the nn.Linear to adapt"}
    )
    exclude_modules: list[str] | str | None = field(default=None, metadata={"help": "modules never adapted"})
    modules_to_save: list[str] | None = field(default=None, metadata={"help": "extra modules trained and saved"})
    init_weights: bool = field(default=True, metadata={"help": "B heads zero (adapter starts as identity)"})

    def __post_init__(self) -> None:
        super().__post_init__()
        self.peft_type = ILoraPeftType.ILORA
        if isinstance(self.target_modules, (list, tuple, set)):
            self.target_modules = list(self.target_modules)
        self._validate()

    def _validate(self) -> None:
        if self.r <= 0 or self.num_heads <= 0:
            raise ConfigError(f"r={self.r} and num_heads={self.num_heads} must be positive integers.")
        if self.router not in ROUTERS:
            raise ConfigError(f"router={self.router!r} is not known; use one of {', '.join(ROUTERS)}.")
        if self.router == "task" and not (self.num_tasks and self.num_tasks > 0):
            raise ConfigError("router='task' needs num_tasks=<number of task ids> (one learned routing per task).")
        if self.top_k is not None and not 1 <= self.top_k <= self.num_heads:
            raise ConfigError(f"top_k={self.top_k} must lie in 1..num_heads ({self.num_heads}), or be None.")
        if self.router_temperature <= 0:
            raise ConfigError(f"router_temperature={self.router_temperature} must be > 0.")
        if not 0.0 <= self.lora_dropout < 1.0:
            raise ConfigError(f"lora_dropout={self.lora_dropout} must lie in [0, 1).")
        if self.load_balance_weight < 0:
            raise ConfigError(f"load_balance_weight={self.load_balance_weight} must be >= 0.")
        if self.target_modules is None:
            raise ConfigError(
                "target_modules is required: module name suffixes such as ['q_proj', 'v_proj'] "
                "(ILoraConfig.release() has the release's list)."
            )

    @classmethod
    def release(cls, **overrides) -> "ILoraConfig":
        """The Crab+ release settings: N=3, r=128, alpha=256, dropout 0.1 on q,k,v,o,gate,up,down (by suffix)."""
        settings = dict(r=128, lora_alpha=256, lora_dropout=0.1, num_heads=3, router="token",
                        target_modules=list(RELEASE_TARGET_MODULES))
        return cls(**{**settings, **overrides})
