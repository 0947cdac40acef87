"""The predictions file of ``crab-plus evaluate``: JSONL, appended as batches finish, so a run can resume.

Line 1 is a header ``{"crab_plus_predictions": 1, "model_fingerprint": ..., "model": ...}``; every other line is
one generated answer ``{"task", "id", "mode", "text"}`` (mode: "both", "no_audio" or "no_video"). Resuming with a
different model (another fingerprint) is refused, so predictions of two models are never mixed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from ..errors import CheckpointError

FORMAT_VERSION = 1


def model_fingerprint(model: torch.nn.Module) -> str:
    """A short hash of the model's weights (names, shapes, a strided sample of values and sums of every tensor).

    Cheap even for a 7B model yet different for any retrained adapter or reseeded model, because every tensor
    contributes its sum. The sums are numpy's (one thread, a fixed order): torch's parallel sum rounds differently
    with another thread count, which made the same model look like another one.
    """
    digest = hashlib.sha256()
    with torch.no_grad():
        for name, tensor in sorted(model.state_dict().items()):
            flat = tensor.detach().reshape(-1)
            step = max(1, flat.numel() // 64)
            digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
            digest.update(flat[::step][:64].double().cpu().numpy().tobytes())
            digest.update(flat.double().cpu().numpy().sum().tobytes())
    return digest.hexdigest()[:16]


class PredictionStore:
    """Read what a predictions file already holds and append new predictions to it."""

    def __init__(self, path: str | Path, fingerprint: str, model_name: str = ""):
        self.path = Path(path)
        self.fingerprint = fingerprint
        self.done: dict[tuple[str, str, str], str] = {}
        if self.path.is_file() and self.path.stat().st_size > 0:
            self._read()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            header = {"crab_plus_predictions": FORMAT_VERSION, "model_fingerprint": fingerprint, "model": model_name}
            self.path.write_text(json.dumps(header) + "\n")

    def _read(self) -> None:
        lines = self.path.read_text().splitlines()
        try:
            header = json.loads(lines[0])
        except json.JSONDecodeError:
            header = {}
        if not isinstance(header, dict) or header.get("crab_plus_predictions") != FORMAT_VERSION:
            raise CheckpointError(f"{self.path} is not a crab-plus predictions file (no header line); "
                                  "give another --predictions path.")
        if header.get("model_fingerprint") != self.fingerprint:
            raise CheckpointError(
                f"{self.path} holds predictions of another model (fingerprint {header.get('model_fingerprint')}, "
                f"model {header.get('model')!r}); this model's fingerprint is {self.fingerprint}. Give another "
                "--predictions path or delete the file to start over.")
        for number, line in enumerate(lines[1:], start=2):
            try:
                record = json.loads(line)
                self.done[(record["task"], record["id"], record["mode"])] = record["text"]
            except (json.JSONDecodeError, KeyError, TypeError):
                if number == len(lines):  # a run killed while writing its last line: drop that line
                    self.path.write_text("\n".join(lines[:-1]) + "\n")
                    continue
                raise CheckpointError(f"{self.path} line {number} is not a prediction record; "
                                      "the file is damaged: delete it to start over.") from None

    def get(self, task: str, sample_id: str, mode: str) -> str | None:
        return self.done.get((task, sample_id, mode))

    def add(self, records: list[dict]) -> None:
        """Append ``{"task", "id", "mode", "text"}`` records (one flush per batch)."""
        with self.path.open("a") as handle:
            for record in records:
                handle.write(json.dumps(record) + "\n")
                self.done[(record["task"], record["id"], record["mode"])] = record["text"]
