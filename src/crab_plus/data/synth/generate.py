"""Write an AV-Synth dataset: ``out/AVUIE_2/{task}/{train,test}.json`` plus the media they point at.

The layout is the AV-UIE v2 release's (crab_plus.data.release_layout), so ``crab_plus.data.load_avuie(
out / "AVUIE_2", split)`` loads it unchanged: clip tasks keep media in ``{task}/video/`` and ``{task}/audio/``,
single-frame tasks give paths relative to ``{task}/``. Each record also carries ``conflict`` (audio and vision
disagree) and, for s4/ms3/ref_avs, ``mask_path`` (the exact ground-truth mask, a PNG, for evaluation).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ...errors import ConfigError, TaskError
from .annotate import target_text
from .example import Example, Media
from .recipes import RECIPES
from .render_audio import render_audio
from .render_video import render_clip, render_frame
from .scene import SAMPLE_RATE, Scene, scene_rng

SYNTH_TASKS = tuple(RECIPES)
SPLITS = ("train", "test")
AAC_CODERS = ("default", "fast")  # ffmpeg's AAC coders that make_synth offers (default: twoloop)


@dataclass
class SynthReport:
    """What :func:`make_synth` wrote."""

    root: str                                                  # the AVUIE_2 folder
    counts: dict[str, dict[str, int]] = field(default_factory=dict)     # task -> split -> records
    conflicts: dict[str, dict[str, int]] = field(default_factory=dict)  # task -> split -> conflict records
    seconds: float = 0.0       # wall-clock time
    cpu_seconds: float = 0.0   # CPU time of this process (independent of other load on the machine)

    @property
    def clips(self) -> int:
        return sum(sum(split.values()) for split in self.counts.values())

    @property
    def clips_per_second(self) -> float:
        return self.clips / self.seconds if self.seconds > 0 else float("inf")

    def summary(self) -> str:
        lines = [f"{'task':<10} {'train':>6} {'test':>6} {'conflict':>9}"]
        for task, splits in self.counts.items():
            conflict = sum(self.conflicts[task].values())
            lines.append(f"{task:<10} {splits.get('train', 0):>6} {splits.get('test', 0):>6} {conflict:>9}")
        per_cpu = self.clips / self.cpu_seconds if self.cpu_seconds > 0 else float("inf")
        lines.append(f"wrote {self.clips} samples in {self.seconds:.1f} s: {self.clips_per_second:.1f} clips/s "
                     f"({per_cpu:.1f} clips per CPU-second) to {self.root}")
        return "\n".join(lines)


def split_sizes(n: int, test_fraction: float, test_count: int | None = None) -> dict[str, int]:
    """Records per split for ``n`` per task: ``test_count`` test (default ``round(n * test_fraction)``), the rest
    train. Test sample i is the same scene whatever ``n`` is, so more train samples keep the test split."""
    test = int(round(n * test_fraction)) if test_count is None else test_count
    return {"train": n - test, "test": test}


def make_synth(out: str | os.PathLike, n: int, seed: int = 0, tasks: Iterable[str] | None = None,
               test_fraction: float = 0.2, size: int = 112, fps: float = 4.0, progress: bool = True,
               test_count: int | None = None, aac_coder: str = "default") -> SynthReport:
    """Generate ``n`` samples per task (split into train/test by ``test_fraction``, or ``test_count`` test samples
    when given) under ``out/AVUIE_2``; only the given tasks' folders are written.

    Deterministic by ``seed``: the same arguments give identical annotation files (each sample draws from its own
    generator keyed by seed, task, split and index, so asking for more tasks or samples never changes the others).
    size: side of the square frames in pixels (answer coordinates are always in the 224x224 frame).
    fps: frame rate of the clips (MUSIC-AVQA-style 60 s clips use 1 fps).
    aac_coder: ffmpeg's AAC coder for the clips' soundtracks: "default" (the data of the shipped model) or "fast"
        (a sixth of the encoding time, which is 70 % of the 60 s QA clips' time; the decoded audio as close to the
        rendered one: benchmarks/aac_encoding.py). Annotations do not depend on it.
    """
    keys = _check_arguments(n, tasks, test_fraction, size, fps, test_count)
    if aac_coder not in AAC_CODERS:
        raise ConfigError(f"aac_coder={aac_coder!r} is not known; use one of {', '.join(AAC_CODERS)}.")
    from tqdm.auto import tqdm

    root = os.path.join(os.fspath(out), "AVUIE_2")
    report = SynthReport(root)
    sizes = split_sizes(n, test_fraction, test_count)
    writer = _MediaWriter(size, fps, None if aac_coder == "default" else {"aac_coder": aac_coder})
    start, cpu_start = time.perf_counter(), time.process_time()
    with tqdm(total=n * len(keys), desc="synth", unit="clip", disable=not progress) as bar:
        for key in keys:
            report.counts[key], report.conflicts[key] = {}, {}
            for split in SPLITS:
                if sizes[split] == 0:
                    continue
                records = []
                for index in range(sizes[split]):
                    example = RECIPES[key](scene_rng(seed, key, split, index), split, index, size)
                    writer.write(os.path.join(root, key), example.media)
                    records.append(_final_record(key, example))
                    bar.update(1)
                _write_json(os.path.join(root, key, f"{split}.json"), records)
                report.counts[key][split] = len(records)
                report.conflicts[key][split] = sum(r["conflict"] for r in records)
    report.seconds = time.perf_counter() - start
    report.cpu_seconds = time.process_time() - cpu_start
    return report


def _check_arguments(n: int, tasks, test_fraction: float, size: int, fps: float,
                     test_count: int | None) -> list[str]:
    keys = list(SYNTH_TASKS) if tasks is None else ([tasks] if isinstance(tasks, str) else list(tasks))
    unknown = [k for k in keys if k not in RECIPES]
    if unknown or not keys:
        raise TaskError(f"AV-Synth has no recipe for task(s) {unknown or keys}; valid: {', '.join(SYNTH_TASKS)}.")
    if not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be a positive number of samples per task, got {n!r}.")
    if test_count is not None and (not isinstance(test_count, int) or not 0 <= test_count < n):
        raise ConfigError(f"test count {test_count!r} must be a whole number from 0 to n - 1 = {n - 1}, so that at "
                          "least one training sample is left.")
    if not 0.0 <= test_fraction < 1.0 or split_sizes(n, test_fraction, test_count)["train"] < 1:
        raise ConfigError(f"test fraction {test_fraction} leaves no training sample out of n={n}; use a fraction "
                          "in [0, 1) that keeps at least one training sample.")
    if not 32 <= size <= 1024 or size % 2:
        raise ConfigError(f"size must be an even number of pixels between 32 and 1024 (h264 needs even sides), "
                          f"got {size}.")
    if not 0.5 <= fps <= 60:
        raise ConfigError(f"fps must be between 0.5 and 60, got {fps}.")
    return keys


def _final_record(key: str, example: Example) -> dict:
    record = dict(example.record)
    record[example.target_field] = target_text(key, example.answer, example.reasoning)
    record["conflict"] = example.conflict
    return record


def _write_json(path: str, records: list[dict]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(records, handle, indent=1)
        handle.write("\n")


class _MediaWriter:
    """Renders and writes one example's media; a scene used by several files is rendered once."""

    def __init__(self, size: int, fps: float, aac_options: dict[str, str] | None = None):
        self.size, self.fps, self.aac_options = size, fps, aac_options

    def write(self, task_dir: str, media: list[Media]) -> None:
        audio_cache: dict[int, np.ndarray] = {}

        def audio_of(scene: Scene) -> np.ndarray:
            if id(scene) not in audio_cache:
                audio_cache[id(scene)] = render_audio(scene)
            return audio_cache[id(scene)]

        for item in media:
            path = os.path.join(task_dir, item.path)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if item.kind in ("video", "video+audio"):
                fps = item.fps or self.fps
                frames = render_clip(item.scene, self.size, fps)  # (T, size, size, 3) uint8
                audio = audio_of(item.scene) if item.kind == "video+audio" else None
                _write_mp4(path, frames, fps, audio, self.aac_options)
            elif item.kind == "audio":
                _write_wav(path, audio_of(item.scene))
            elif item.kind == "frame":
                _write_png(path, render_frame(item.scene, item.time, self.size)[0])
            elif item.kind == "mask":
                _, masks = render_frame(item.scene, item.time, self.size)
                union = np.zeros((self.size, self.size), bool)
                for i in item.objects:
                    union |= masks[i]
                _write_png(path, union.astype(np.uint8) * 255)
            else:
                raise ValueError(f"unknown media kind {item.kind!r}")


def _write_mp4(path: str, frames: np.ndarray, fps: float, audio: np.ndarray | None,
               aac_options: dict[str, str] | None) -> None:
    from ...processing.encode import write_video

    write_video(path, frames, fps=fps, audio=audio, sample_rate=SAMPLE_RATE, audio_codec_options=aac_options)


def _write_wav(path: str, audio: np.ndarray) -> None:
    from ...processing.encode import write_audio

    write_audio(path, audio, SAMPLE_RATE, subtype="PCM_16")


def _write_png(path: str, image: np.ndarray) -> None:
    from PIL import Image

    Image.fromarray(image).save(path, compress_level=1)
