"""Tiny training runs shared by the training tests and the DDP script they launch (not a test module).

Samples are real tiny model inputs (crab_plus.testing.tiny_model_inputs) of equal length, so a batch is a plain
concatenation; labels cover the last tokens only, like an assistant turn.
"""

from __future__ import annotations

import torch
from peft import LoraConfig, get_peft_model
from transformers import TrainingArguments

from crab_plus.modeling import freeze_backbone
from crab_plus.testing import tiny_crab_plus_model, tiny_model_inputs
from crab_plus.training.trainer import CrabPlusTrainer

TASK_KEYS = ["ave", "ks"]


def tiny_samples(config, n: int = 8) -> list[dict]:
    samples = []
    for i in range(n):
        inputs = tiny_model_inputs(config, seed=i)
        labels = inputs["input_ids"].clone()
        labels[:, :-4] = -100  # the "answer" is the last 4 tokens
        samples.append({**inputs, "labels": labels, "task_ids": torch.tensor([i % len(TASK_KEYS)]),
                        "sample_ids": torch.tensor([i])})
    return samples


def collate(samples: list[dict]) -> dict:
    """Equal-length samples -> one batch (token rows stacked, patch/mel rows concatenated)."""
    return {key: torch.cat([s[key] for s in samples]) for key in samples[0]}


class RecordingTrainer(CrabPlusTrainer):
    """Remembers the sample ids of every training batch, in order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: list[list[int]] = []

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if model.training:
            self.seen.append(inputs["sample_ids"].tolist())
        return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)


def tiny_lora_model():
    model = tiny_crab_plus_model(seed=0)
    freeze_backbone(model)
    return get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                            init_lora_weights=False))


def tiny_trainer(output_dir, *, model=None, n_samples: int = 8, callbacks=None, **arguments) -> RecordingTrainer:
    model = model if model is not None else tiny_lora_model()
    defaults = dict(per_device_train_batch_size=2, num_train_epochs=1, learning_rate=1e-2, logging_steps=1,
                    save_strategy="no", report_to="none", use_cpu=True, seed=7, remove_unused_columns=False,
                    dataloader_num_workers=0, disable_tqdm=True)
    args = TrainingArguments(output_dir=str(output_dir), **{**defaults, **arguments})
    return RecordingTrainer(model=model, args=args, train_dataset=tiny_samples(model.config, n_samples),
                            data_collator=collate, task_keys=TASK_KEYS, callbacks=callbacks)


def adapter_state(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def tiny_ilora_model(**config):
    from crab_plus import ILoraConfig

    model = tiny_crab_plus_model(seed=0)
    freeze_backbone(model)
    settings = dict(r=4, lora_alpha=8, num_heads=3, target_modules=["q_proj", "v_proj"])
    return get_peft_model(model, ILoraConfig(**{**settings, **config}))
