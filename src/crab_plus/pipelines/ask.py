"""``crab-plus ask``: one clip, one question, through the audio-visual-understanding pipeline."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..errors import CheckpointError

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent.parent / "shipped_model"


def has_shipped_model() -> bool:
    """Whether the installed package holds its shipped model (config.json in SHIPPED_MODEL_DIR)."""
    return (SHIPPED_MODEL_DIR / "config.json").is_file()


def shipped_model_path() -> Path:
    """The small Crab+ trained on generated scenes that ships inside the package (issue 6)."""
    if not has_shipped_model():
        raise CheckpointError(
            f"the model shipped with crab-plus is missing from {SHIPPED_MODEL_DIR} (an incomplete install?); reinstall "
            "crab-plus, or pass --model PATH (a crab-plus folder, e.g. from `crab-plus package` or `crab-plus "
            "convert omni SRC DST`)."
        )
    return SHIPPED_MODEL_DIR


def answer_to_json(answer: Any) -> Any:
    """A typed answer as plain JSON data: {"type": <class name>, <fields>...}."""
    if dataclasses.is_dataclass(answer):
        return {"type": type(answer).__name__, **{f.name: answer_to_json(getattr(answer, f.name))
                                                  for f in dataclasses.fields(answer)}}
    if isinstance(answer, (list, tuple)):
        return [answer_to_json(item) for item in answer]
    return answer


def ask(video: str, *, audio: str | None = None, task: str | None = None, question: str | None = None,
        options: list[str] | None = None, frame_idx: int | None = None, description: str | None = None,
        model: str | None = None, max_new_tokens: int = 512) -> dict:
    """-> {"task", "text", "answer" (JSON data), "answer_text"} for one clip."""
    from transformers import pipeline

    from ..tasks import get_task

    if task is not None:
        get_task(task)  # an unknown key fails here, listing the valid ones, before the model loads
    pipe = pipeline("audio-visual-understanding", model=str(model or shipped_model_path()))
    result = pipe(video=video, audio=audio, task=task, question=question, options=options, frame_idx=frame_idx,
                  description=description, max_new_tokens=max_new_tokens)
    answer = result["answer"]
    return {"task": result["task"], "text": result["text"], "answer": answer_to_json(answer),
            "answer_text": describe_answer(answer, result["text"])}


def describe_answer(answer: Any, text: str = "") -> str:
    """A typed answer as short text: ``label=dog``, ``index=1``...; Unparsed shows its reason and the text."""
    data = answer_to_json(answer)
    if isinstance(data, dict) and data.get("type") == "Unparsed":
        return f"(unparsed: {data.get('reason')}) {text or data.get('text', '')}"
    if isinstance(data, dict):
        fields = {k: v for k, v in data.items() if k != "type"}
        return ", ".join(f"{k}={v}" for k, v in fields.items())
    return str(data)
