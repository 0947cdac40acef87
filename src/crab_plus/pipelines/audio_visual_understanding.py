"""``pipeline("audio-visual-understanding")``: a clip (video + its audio, or a separate audio) and a task in, the
generated text and its typed answer out.

    pipe = pipeline("audio-visual-understanding")            # the small Crab+ shipped with the package
    pipe = pipeline("audio-visual-understanding", model="path/to/crab-plus")
    pipe(video="clip.mp4", task="ave")                       # {"task", "text", "answer"}
    pipe(video="clip.mp4", question="What is making the sound?")   # free-form: the QA task's template
    pipe([{"video": "a.mp4", "task": "ks"}, {"video": "b.mp4", "task": "ave"}], batch_size=2)   # a list

Samples of one call are batched ``batch_size`` at a time with left padding. Generation is greedy with at most
512 new tokens (the release's inference settings) unless generate kwargs say otherwise. For segmentation tasks,
a ``sam_model`` (a SAM-family folder or model) adds ``"mask"``: the parsed box and points prompt it on the frame
at ``frame_idx``.
"""

from __future__ import annotations

from typing import Any

from transformers import GenerationConfig
from transformers.pipelines import Pipeline

FREE_FORM_TASK = "avqa"  # a question without a task key uses MUSIC-AVQA's open QA template
SAMPLE_KEYS = ("video", "audio", "task", "question", "options", "frame_idx", "description")
MASK_FAMILIES = ("segmentation", "referring_segmentation")


class AudioVisualUnderstandingPipeline(Pipeline):
    _load_processor = True
    _load_tokenizer = False
    _load_feature_extractor = False
    _load_image_processor = False
    _pipeline_calls_generate = True
    _default_generation_config = GenerationConfig(max_new_tokens=512, do_sample=False)

    def __init__(self, *args, sam_model: Any = None, **kwargs):
        super().__init__(*args, **kwargs)
        from .loading import attach_packaged_adapter

        self.model = attach_packaged_adapter(self.model)  # a packaged model folder carries its adapter in adapter/
        self.mask_predictor = None
        if sam_model is not None:
            from ..evaluation.sam_masks import load_mask_predictor

            self.mask_predictor = load_mask_predictor(sam_model)

    # -- the call ----------------------------------------------------------------------------------------------

    def __call__(self, inputs: dict | list[dict] | None = None, *, batch_size: int | None = None, **kwargs):
        """One sample from keyword arguments (``video=..., task=...``) or a dict; a list of dicts gives a list."""
        sample_kwargs = {k: kwargs.pop(k) for k in SAMPLE_KEYS if k in kwargs}
        if inputs is None:
            samples, single = [sample_kwargs], True
        elif isinstance(inputs, dict):
            samples, single = [{**sample_kwargs, **inputs}], True
        else:
            samples, single = [{**sample_kwargs, **s} for s in inputs], False
        preprocess_params, forward_params, postprocess_params = self._sanitize_parameters(**kwargs)
        size = max(1, batch_size or self._batch_size or 1)
        results = []
        for start in range(0, len(samples), size):
            chunk = [self.preprocess(s, **preprocess_params) for s in samples[start:start + size]]
            batch = self.processor.pad([c["inputs"] for c in chunk], padding_side="left")
            generated = self._forward({"inputs": batch}, **forward_params)["generated"]
            for sample, row in zip(chunk, generated):
                results.append(self.postprocess({**sample, "generated": row}, **postprocess_params))
        return results[0] if single else results

    # -- Pipeline's four steps ---------------------------------------------------------------------------------

    def _sanitize_parameters(self, generate_kwargs: dict | None = None, allow_silent: bool | None = None, **kwargs):
        preprocess = {} if allow_silent is None else {"allow_silent": allow_silent}
        forward = {"generate_kwargs": {**(generate_kwargs or {}), **kwargs}}
        return preprocess, forward, {}

    def preprocess(self, sample: dict, allow_silent: bool = False) -> dict:
        from ..tasks import get_task

        unknown = sorted(set(sample) - set(SAMPLE_KEYS))
        if unknown:
            from ..errors import TaskError

            raise TaskError(f"unknown sample keys {unknown}; a sample has {', '.join(SAMPLE_KEYS)}.")
        task = get_task(sample.get("task") or FREE_FORM_TASK)
        inputs = self.processor.prepare(
            task, video=sample.get("video"), audio=sample.get("audio"), question=sample.get("question"),
            options=sample.get("options"), frame_idx=sample.get("frame_idx"), description=sample.get("description"),
            allow_silent=allow_silent, return_tensors=None,
        )
        return {"task": task, "sample": sample, "inputs": inputs}

    def _forward(self, model_inputs: dict, generate_kwargs: dict | None = None) -> dict:
        batch = model_inputs["inputs"].to(self.device)
        generate_kwargs = self._prepare_generate_kwargs(dict(generate_kwargs or {}))
        output = self.model.generate(**batch, **generate_kwargs)
        return {"generated": output[:, batch["input_ids"].shape[1]:]}  # (batch, new tokens)

    def postprocess(self, model_outputs: dict) -> dict:
        task = model_outputs["task"]
        text = self.processor.tokenizer.decode(model_outputs["generated"], skip_special_tokens=True).strip()
        result = {"task": task.key, "text": text, "answer": self.processor.parse(task, text)}
        if self.mask_predictor is not None and task.family in MASK_FAMILIES:
            result["mask"] = self._mask(task, model_outputs["sample"], result["answer"])
        return result

    def _mask(self, task, sample: dict, answer):
        """The answer's box and points prompted on the frame the task looked at (original resolution)."""
        from ..processing import media

        source = sample["video"][0] if isinstance(sample["video"], (list, tuple)) else sample["video"]
        if media.is_image(source):
            frame = media.load_image(source)
        else:
            with media.Video(source) as clip:
                frame = clip.frames_at(task.policy.frame_times(clip.duration, sample.get("frame_idx")))[0]
        return self.mask_predictor.predict_answer(frame, answer)

    def save_pretrained(self, save_directory: str, **kwargs) -> None:
        """Model and processor only: transformers' version also writes ``custom_pipelines`` into the config, after
        which loading by task name would demand trust_remote_code."""
        self.model.save_pretrained(save_directory, **kwargs)
        self.processor.save_pretrained(save_directory)
