"""``CrabPlusProcessor``: media + task -> the exact inputs of ``CrabPlusForConditionalGeneration``.

    processor.prepare(task="ave", video="clip.mp4")                 # audio from the clip's own track
    processor.prepare(task="v2a", video="clip.mp4", audio=["a.wav", "b.wav"], target="... <answer>2</answer>")

The prompt is the release's (shared/REFERENCE.md section 2): Qwen2.5-Omni's system prompt, then a user turn of
lead text + video (or image) placeholders + audio placeholders + the task instruction, then the assistant turn.
Video frames are resized to ``frame_size`` squares and cut into Qwen2.5-Omni's temporal patches here (no
torchvision); a single frame goes through the PIL-backend Qwen2-VL image processor; audio becomes Whisper
log-mel features. Each placeholder is expanded to exactly the number of features the model consumes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from PIL import Image
from transformers import BatchFeature, ProcessorMixin

from ..errors import MediaError, TaskError
from . import media as media_io
from .patches import video_patches

SYSTEM_PROMPT = ("You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable of perceiving "
                 "auditory and visual inputs, as well as generating text and speech.")
VIDEO, IMAGE, AUDIO = "<|VIDEO|>", "<|IMAGE|>", "<|AUDIO|>"
SPANS = {VIDEO: ("<|vision_bos|>", "<|vision_eos|>"), IMAGE: ("<|vision_bos|>", "<|vision_eos|>"),
         AUDIO: ("<|audio_bos|>", "<|audio_eos|>")}
END_OF_TURN = "<|im_end|>"
GENERATION_PROMPT = "<|im_start|>assistant\n"  # what add_generation_prompt appends: the assistant turn's opening
PLACEHOLDER = re.compile(r"<\|(VIDEO|IMAGE|AUDIO)\|>")
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\n" + SYSTEM_PROMPT + "<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for item in message['content'] %}"
    "{% if item['type'] == 'video' %}<|vision_bos|><|VIDEO|><|vision_eos|>"
    "{% elif item['type'] == 'image' %}<|vision_bos|><|IMAGE|><|vision_eos|>"
    "{% elif item['type'] == 'audio' %}<|audio_bos|><|AUDIO|><|audio_eos|>"
    "{% else %}{{ item['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}" + GENERATION_PROMPT + "{% endif %}"
)
MEDIA_KEYS = ("pixel_values_videos", "video_grid_thw", "video_second_per_grid", "pixel_values", "image_grid_thw")


def audio_token_count(mel_frames: int) -> int:
    """Tokens the Qwen2.5-Omni audio encoder makes of ``mel_frames`` log-mel frames (two stride-2 stages)."""
    return ((mel_frames - 1) // 2 + 1 - 2) // 2 + 1


class CrabPlusProcessor(ProcessorMixin):
    """Tokenizer + PIL-backend Qwen2-VL image processor + Whisper feature extractor, and the Crab+ prompt."""

    def __init__(self, image_processor=None, feature_extractor=None, tokenizer=None, chat_template=None,
                 frame_size: int = 224, **kwargs):
        self.frame_size = int(frame_size)
        super().__init__(image_processor, feature_extractor, tokenizer, chat_template=chat_template or CHAT_TEMPLATE,
                         **kwargs)

    # -- one call from media to model inputs ------------------------------------------------------------------

    def prepare(self, task, video=None, audio=None, question: str | None = None, options: Sequence[str] | None = None,
                frame_idx: int | None = None, target: str | None = None, return_tensors: str | None = "pt",
                description: str | None = None, *, video_fps: float | None = None,
                audio_sampling_rate: int | None = None, allow_silent: bool = False,
                limits: media_io.MediaLimits = media_io.MediaLimits()) -> BatchFeature:
        """Model inputs for one sample of ``task`` (a key or a Task); see the module docstring."""
        task = _task(task)
        if video is None:
            raise MediaError(f"task {task.key!r} needs a video (or image): pass video=<path, bytes or frames>.")
        videos = _as_list(video, task.num_videos, "video", task.key)
        audios = None if audio is None else _as_list(audio, task.num_audios, "audio", task.key)
        instruction = task.instruction(question=question, options=options, description=description)
        visuals, duration, seconds_per_frame = self._visual(task, videos, frame_idx, video_fps, limits)
        sound = self._audio(task, videos, audios, frame_idx, duration, audio_sampling_rate, allow_silent, limits)
        placeholder = IMAGE if task.visual_kind == "image" else VIDEO
        content = [{"type": "text", "text": task.lead_text + " "}, {"type": placeholder.strip("<|>").lower()},
                   {"type": "audio"}, {"type": "text", "text": instruction}]
        prompt = self.apply_chat_template([{"role": "user", "content": content}], tokenize=False,
                                          add_generation_prompt=True)
        media = {"images": [visuals]} if task.visual_kind == "image" else {"videos": [visuals]}
        return self(text=prompt, audio=[sound], target=target, return_tensors=return_tensors,
                    video_seconds_per_frame=seconds_per_frame, **media)

    def _visual(self, task, videos, frame_idx, video_fps, limits):
        """-> (frames (list of (H, W, 3)) or one image, clip duration, seconds between sampled frames)."""
        if task.visual_kind == "image" and media_io.is_image(videos[0]):
            return media_io.load_image(videos[0]), None, 1.0
        if task.visual_kind == "image" and _is_picture(videos[0]):  # an (H, W, 3) array or a PIL image
            return videos[0], None, 1.0
        frames, duration, step = [], None, 1.0
        for source in videos:
            with media_io.Video(source, fps=video_fps, limits=limits) as clip:
                times = _named(clip.name, task.policy.frame_times, clip.duration, frame_idx)
                frames.extend(clip.frames_at(times, size=(self.frame_size, self.frame_size)))
                duration = clip.duration if duration is None else duration
                step = (times[1] - times[0]) if len(times) > 1 else 1.0
        if task.visual_kind == "image":
            return frames[0], duration, 1.0
        return frames, duration, step

    def _audio(self, task, videos, audios, frame_idx, duration, sampling_rate, allow_silent, limits) -> np.ndarray:
        """The policy's audio windows, concatenated over the task's audio inputs: (samples,) float32 16 kHz."""
        policy = task.policy
        sources = audios if audios is not None else videos[:1]
        pieces = []
        for source in sources:
            name = media_io.describe(source) if not isinstance(source, np.ndarray) else "audio array"
            # the clip's own track: its windows follow the clip, so decode only up to the last one
            windows = (_named(name, policy.audio_windows, duration, frame_idx)
                       if audios is None and duration is not None else None)
            try:
                if audios is None and media_io.is_image(source):
                    raise MediaError(f"{name} is an image: pass the audio separately (audio=<file>).")
                if audios is None and isinstance(source, np.ndarray):
                    raise MediaError("a frame array has no audio track: pass audio=<file or array>.")
                until = max(end for _, end in windows) if windows else None
                sound = media_io.load_audio(source, sampling_rate, limits=limits, until=until)
            except MediaError as error:
                if not allow_silent or "no audio track" not in str(error):
                    raise
                sound = media_io.silence(policy.total_audio_seconds, name)
            if windows is None:  # a separate audio input: windows follow its own length
                windows = _named(name, policy.audio_windows, len(sound) / media_io.SAMPLING_RATE, frame_idx)
            pieces.append(media_io.audio_windows(sound, windows))
        return np.concatenate(pieces)

    # -- the usual transformers call ----------------------------------------------------------------------------

    def __call__(self, text: str | list[str] | None = None, images=None, videos=None, audio=None,
                 target: str | list[str] | None = None, return_tensors: str | None = "pt",
                 video_seconds_per_frame: float = 1.0, **kwargs: Any) -> BatchFeature:
        """``text`` holds one ``<|VIDEO|>`` / ``<|IMAGE|>`` / ``<|AUDIO|>`` placeholder per media item, in order;
        ``videos``: frame lists or (T, H, W, 3) arrays; ``images``: arrays or PIL images; ``audio``: 16 kHz float
        arrays. A list of texts gives a left-padded batch (media taken in order)."""
        if text is None:
            raise TaskError("CrabPlusProcessor needs text (with media placeholders); use prepare() for tasks.")
        if isinstance(text, list):
            return self._batch_call(text, images, videos, audio, target, return_tensors, video_seconds_per_frame)
        features: dict[str, Any] = {}
        counts = {VIDEO: [], IMAGE: [], AUDIO: []}
        if videos:
            self._add_videos(features, counts[VIDEO], videos, video_seconds_per_frame)
        if images:
            self._add_images(features, counts[IMAGE], images)
        if audio:
            self._add_audio(features, counts[AUDIO], audio)
        prompt = self._expand(text, counts)
        prompt_ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        input_ids, labels = list(prompt_ids), None
        if target is not None:
            target_ids = self.tokenizer(str(target).strip() + END_OF_TURN, add_special_tokens=False)["input_ids"]
            input_ids += target_ids
            labels = [-100] * len(prompt_ids) + target_ids  # only the assistant turn, through its end token
        features["input_ids"] = [input_ids]
        features["attention_mask"] = [[1] * len(input_ids)]
        if labels is not None:
            features["labels"] = [labels]
        return BatchFeature(features, tensor_type=return_tensors)

    def _add_videos(self, features, counts, videos, seconds_per_frame) -> None:
        rows, grids = [], []
        for frames in videos:
            patches, grid = self.video_patches(frames)
            rows.append(patches)
            grids.append(grid)
            counts.append(int(np.prod(grid)) // self.image_processor.merge_size**2)
        features["pixel_values_videos"] = np.concatenate(rows)
        features["video_grid_thw"] = np.array(grids, dtype=np.int64)
        features["video_second_per_grid"] = np.full(len(grids), self.image_processor.temporal_patch_size
                                                    * seconds_per_frame, dtype=np.float32)

    def _add_images(self, features, counts, images) -> None:
        resized = [self._square(image) for image in images]
        output = self.image_processor(images=resized, return_tensors="np")
        features["pixel_values"] = output["pixel_values"]
        features["image_grid_thw"] = output["image_grid_thw"]
        merge = self.image_processor.merge_size**2
        counts.extend(int(np.prod(grid)) // merge for grid in output["image_grid_thw"])

    def _add_audio(self, features, counts, audio) -> None:
        mels, masks = [], []
        for samples in audio:
            samples = np.asarray(samples, dtype=np.float32)
            with _one_torch_thread():
                output = self.feature_extractor(samples, sampling_rate=media_io.SAMPLING_RATE,
                                                return_attention_mask=True, padding="longest", truncation=False,
                                                return_tensors="np")
            mels.append(output["input_features"][0])  # (mel_bins, frames)
            masks.append(output["attention_mask"][0])
            counts.append(audio_token_count(int(output["attention_mask"][0].sum())))
        longest = max(m.shape[-1] for m in mels)
        features["input_features"] = np.stack([np.pad(m, ((0, 0), (0, longest - m.shape[-1]))) for m in mels])
        features["feature_attention_mask"] = np.stack([np.pad(m, (0, longest - len(m))) for m in masks]).astype(np.int64)

    def _square(self, image) -> Image.Image:
        image = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image, dtype=np.uint8))
        return image.convert("RGB").resize((self.frame_size, self.frame_size), Image.BICUBIC)

    def video_patches(self, frames) -> tuple[np.ndarray, tuple[int, int, int]]:
        """Frames -> Qwen2.5-Omni video patch rows (grid_t * grid_h * grid_w, 3 * tps * patch**2) and the grid.

        Frames already ``frame_size`` square (prepare() decodes them so) skip PIL. A frame count that is not a
        multiple of the temporal patch size repeats the last frame."""
        size = (self.frame_size, self.frame_size)
        square = [f if isinstance(f, np.ndarray) and f.shape[:2] == size and f.dtype == np.uint8
                  else np.asarray(self._square(f)) for f in frames]
        ip = self.image_processor
        rows, grid = video_patches(np.stack(square), mean=ip.image_mean, std=ip.image_std, patch_size=ip.patch_size,
                                   temporal_patch_size=ip.temporal_patch_size, merge_size=ip.merge_size,
                                   rescale=ip.rescale_factor)
        return rows, tuple(int(g) for g in grid)

    def _expand(self, text: str, counts: dict[str, list[int]]) -> str:
        """Each placeholder -> as many copies as its media item has features; a count mismatch is an error."""
        found = {key: 0 for key in counts}

        def replace(match: re.Match) -> str:
            key = match.group(0)
            index = found[key]
            found[key] += 1
            if index >= len(counts[key]):
                raise TaskError(f"the text has more {key} placeholders than {key.strip('<|>').lower()} inputs.")
            return key * counts[key][index]

        expanded = PLACEHOLDER.sub(replace, text)
        for key, values in counts.items():
            if found[key] != len(values):
                raise TaskError(f"{len(values)} {key.strip('<|>').lower()} input(s) but {found[key]} {key} placeholder(s) "
                                "in the text; put one placeholder per media item.")
        return expanded

    def _batch_call(self, texts, images, videos, audio, target, return_tensors, seconds_per_frame) -> BatchFeature:
        queues = {VIDEO: list(videos or []), IMAGE: list(images or []), AUDIO: list(audio or [])}
        targets = target if isinstance(target, list) else [target] * len(texts)
        samples = []
        for text, sample_target in zip(texts, targets):
            taken = {key: [queues[key].pop(0) for _ in range(text.count(key))] for key in queues}
            samples.append(self(text=text, videos=taken[VIDEO], images=taken[IMAGE], audio=taken[AUDIO],
                                target=sample_target, return_tensors="pt", video_seconds_per_frame=seconds_per_frame))
        return self.pad(samples, padding_side="left", return_tensors=return_tensors)

    # -- batching, decoding ------------------------------------------------------------------------------------

    def pad(self, samples: Sequence[BatchFeature | dict], padding_side: str = "left",
            return_tensors: str | None = "pt") -> BatchFeature:
        """Samples of :meth:`prepare` -> one batch: token rows padded (left for generation, right for training),
        media rows concatenated in sample order, mel features padded to the longest with their masks."""
        if padding_side not in ("left", "right"):
            raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
        samples = [{k: torch.as_tensor(v) for k, v in s.items()} for s in samples]
        length = max(s["input_ids"].shape[-1] for s in samples)
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        batch: dict[str, Any] = {}
        for key, fill in (("input_ids", pad_id), ("attention_mask", 0), ("labels", -100)):
            if any(key in s for s in samples):
                rows = [s[key].reshape(-1) for s in samples]
                batch[key] = torch.stack([_pad_row(row, length, fill, padding_side) for row in rows])
        for key in MEDIA_KEYS:
            present = [s[key] for s in samples if key in s]
            if present:
                batch[key] = torch.cat(present)
        audio = [s for s in samples if "input_features" in s]
        if audio:
            frames = max(s["input_features"].shape[-1] for s in audio)
            batch["input_features"] = torch.cat([
                torch.nn.functional.pad(s["input_features"], (0, frames - s["input_features"].shape[-1])) for s in audio])
            batch["feature_attention_mask"] = torch.cat([
                torch.nn.functional.pad(s["feature_attention_mask"], (0, frames - s["feature_attention_mask"].shape[-1]))
                for s in audio])
        return BatchFeature(batch, tensor_type=return_tensors)

    def parse(self, task, text: str):
        """The typed answer of generated ``text`` for ``task`` (Unparsed when it does not parse)."""
        return _task(task).parse(text)

    def apply_chat_template(self, conversation, chat_template=None, **kwargs):
        """Render messages with the saved (Qwen2.5-Omni) chat template. With ``tokenize=True`` the media the
        messages name (``{"type": "video", "video": path}``, ``"image"``, ``"audio"``; paths, bytes or arrays) are
        decoded with crab_plus' own PyAV/soundfile code (videos: ``num_frames`` uniform frames, default 10) and the
        result of ``__call__`` is returned, as in transformers."""
        if not kwargs.pop("tokenize", False):
            return super().apply_chat_template(conversation, chat_template=chat_template, **kwargs)
        kwargs.pop("return_dict", None)
        num_frames = int(kwargs.pop("num_frames", 10))
        return_tensors = kwargs.pop("return_tensors", "pt")
        limits = kwargs.pop("limits", media_io.MediaLimits())
        text = super().apply_chat_template(conversation, chat_template=chat_template, tokenize=False, **kwargs)
        conversations = conversation if conversation and isinstance(conversation[0], list) else [conversation]
        media: dict[str, list] = {"video": [], "image": [], "audio": []}
        for message in (m for messages in conversations for m in messages):
            for item in message["content"] if isinstance(message.get("content"), list) else []:
                kind = item.get("type")
                if kind in media:
                    source = item.get(kind, item.get("path", item.get("url")))
                    if source is None:
                        raise MediaError(f"a {kind!r} item of the conversation names no {kind}: add '{kind}': <path>.")
                    media[kind].append(source)
        videos, seconds_per_frame = [], 1.0
        for source in media["video"]:
            with media_io.Video(source, limits=limits) as clip:
                times = ((np.arange(num_frames) + 0.5) * clip.duration / num_frames).tolist()
                videos.append(clip.frames_at(times, size=(self.frame_size, self.frame_size)))
                seconds_per_frame = clip.duration / num_frames
        images = [media_io.load_image(s) if isinstance(s, (str, bytes)) or hasattr(s, "read") else s
                  for s in media["image"]]
        audio = [s if isinstance(s, np.ndarray) else media_io.load_audio(s, limits=limits) for s in media["audio"]]
        texts = text if isinstance(text, list) else [text]
        return self(text=texts if len(texts) > 1 else texts[0], videos=videos or None, images=images or None,
                    audio=audio or None, return_tensors=return_tensors, video_seconds_per_frame=seconds_per_frame)

    def batch_decode(self, *args, **kwargs):
        return self.tokenizer.batch_decode(*args, **kwargs)

    def decode(self, *args, **kwargs):
        return self.tokenizer.decode(*args, **kwargs)


def _is_picture(value) -> bool:
    return isinstance(value, Image.Image) or (isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[-1] == 3)


def _named(name: str, policy_method, *args):
    """Call a MediaPolicy method; its MediaError (e.g. frame_idx outside the clip) names the input."""
    try:
        return policy_method(*args)
    except MediaError as error:
        raise MediaError(f"{name}: {error}") from None


@contextmanager
def _one_torch_thread():
    """Run the log-mel (a few small torch ops per clip) on one intra-op thread, then restore the setting.

    More threads do not speed up a 10-60 s spectrogram, but when the cores are busy (DataLoader workers, other
    jobs) their synchronisation made it ~15x slower in our measurements (benchmarks/processor_throughput.py)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _pad_row(row: torch.Tensor, length: int, fill: int, side: str) -> torch.Tensor:
    padding = row.new_full((length - len(row),), fill)
    return torch.cat([padding, row] if side == "left" else [row, padding])


def _task(task):
    from ..tasks import Task, get_task

    return task if isinstance(task, Task) else get_task(task)


def _as_list(value, count: int, kind: str, key: str) -> list:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) != count:
        raise MediaError(f"task {key!r} takes {count} {kind}{'s' if count > 1 else ''}, got {len(values)}; "
                         f"pass {kind}=" + ("[first, second]" if count > 1 else "<one input>") + ".")
    return values
