"""Throughput of ``CrabPlusProcessor.prepare`` against a plain transformers/PyAV baseline (issue 3, Performance).

Writes N generated 10 s 640x360 h264+aac clips (and one 60 s clip) into a temporary folder, then, clip by clip
and interleaved (the order alternates so neither side profits from a warmer cache or a quieter machine):

- ours: ``processor.prepare(task="ave", video=path)`` with a release-size processor (224x224 frames, 128-bin
  Whisper log-mel), i.e. decoding, the ave policy, patches, log-mel, prompt and tokens;
- baseline: ``transformers.video_utils.load_video(path, backend="pyav")`` sampling the *same* 10 frames, each
  frame resized to 224x224 and passed through the same image processor, plus the clip's audio decoded with
  PyAV (16 kHz mono) and passed through the same WhisperFeatureExtractor.

Then the 60 s clip against a 10 s clip, same policy (ave: 10 frames, the first 10 s of audio).
The last two lines are the ratios: "throughput ratio (ours / baseline): X" (target >= 2) and
"60 s / 10 s time ratio: Y" (target <= 1.5).

    OMP_NUM_THREADS=2 python benchmarks/processor_throughput.py [--clips 20] [--keyframe-interval SECONDS]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

FPS = 25.0
SIZE = (640, 360)  # width, height


def clip_frames(seconds: float, seed: int) -> np.ndarray:
    """(T, 360, 640, 3) uint8: a textured colour field panning across the frame with a moving square (motion a
    codec compensates, like real footage, rather than fresh noise every frame)."""
    rng = np.random.default_rng(seed)
    width, height = SIZE
    count = int(round(seconds * FPS))
    x = np.linspace(0, 1, 2 * width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, 2 * height, dtype=np.float32)[:, None]
    phase = rng.uniform(0, 2 * np.pi, 3)
    field = np.stack([127 + 90 * np.sin(2 * np.pi * (2 * x + y * (c + 1)) + phase[c]) for c in range(3)], axis=-1)
    field = (field + rng.integers(0, 30, field.shape)).astype(np.uint8)  # (2H, 2W, 3) texture
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    for i in range(count):
        t = i / FPS
        left, top = int(40 * t) % width, int(25 * t) % height
        frames[i] = field[top:top + height, left:left + width]
        x0, y0 = int((60 * t) % (width - 80)), int((35 * t) % (height - 80))
        frames[i, y0:y0 + 80, x0:x0 + 80] = (255, 255 - i % 256, i % 256)
    return frames


def clip_audio(seconds: float, seed: int, rate: int = 44100) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * rng.uniform(200, 800) * t)
    return (tone + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def write_clip(folder: str, name: str, seconds: float, seed: int, keyframe_interval: float | None) -> str:
    """Writes the clip unless ``folder`` already holds it (a kept --workdir is reused across runs)."""
    from crab_plus.processing.encode import write_video

    path = os.path.join(folder, f"k{keyframe_interval or 0:g}-{name}")
    if os.path.exists(path):
        return path
    return write_video(path, clip_frames(seconds, seed), FPS, audio=clip_audio(seconds, seed),
                       sample_rate=44100, keyframe_interval=keyframe_interval)


def release_processor():
    """Like ``crab_plus.testing.tiny_crab_plus_processor`` but with the release frame size (224)."""
    from crab_plus.testing import tiny_crab_plus_processor

    return tiny_crab_plus_processor(frame_size=224)


def baseline(path: str, processor, times: list[float]) -> None:
    """load_video(pyav) on the same frames + the image processor per frame + Whisper features on PyAV audio."""
    import av
    from PIL import Image
    from transformers.video_utils import load_video

    def same_frames(metadata, **kwargs):
        return np.array([min(int(t * metadata.fps), metadata.total_num_frames - 1) for t in times])

    frames, _ = load_video(path, backend="pyav", sample_indices_fn=same_frames)
    size = processor.frame_size
    for frame in frames:
        image = Image.fromarray(frame).resize((size, size), Image.BICUBIC)
        processor.image_processor(images=[image], return_tensors="np")
    with av.open(path) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
        chunks = [r.to_ndarray().reshape(-1) for f in container.decode(audio=0) for r in resampler.resample(f)]
    audio = np.concatenate(chunks)[: 10 * 16000]  # the ave policy's 10 s
    processor.feature_extractor(audio, sampling_rate=16000, return_attention_mask=True, padding="longest",
                                truncation=False, return_tensors="np")


def ours(path: str, processor) -> None:
    processor.prepare(task="ave", video=path)


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--keyframe-interval", type=float, default=None,
                        help="seconds between keyframes (default: libx264's, 250 frames = 10 s at 25 fps)")
    parser.add_argument("--repeats", type=int, default=5, help="timings of the 60 s and 10 s clip (median)")
    parser.add_argument("--workdir", default=None, help="keep the clips here and reuse them (default: a temporary "
                        "folder, deleted afterwards)")
    args = parser.parse_args()

    import crab_plus  # noqa: F401  (registers the tasks)
    from crab_plus.tasks import get_task

    processor = release_processor()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.workdir or scratch
        os.makedirs(folder, exist_ok=True)
        start = time.perf_counter()
        clips = [write_clip(folder, f"clip{i:02d}.mp4", 10.0, i, args.keyframe_interval) for i in range(args.clips)]
        long_clip = write_clip(folder, "long.mp4", 60.0, 1000, args.keyframe_interval)
        print(f"clips ready: {len(clips)} 10 s clips and one 60 s clip ({SIZE[0]}x{SIZE[1]}, {FPS:g} fps, h264+aac, "
              f"keyframe interval {args.keyframe_interval or 'libx264 default'}), {time.perf_counter() - start:.0f} s")
        times = get_task("ave").policy.frame_times(10.0)
        ours(clips[0], processor), baseline(clips[0], processor, times)  # warm-up (imports, first allocations)

        spent = {"ours": 0.0, "baseline": 0.0}
        for i, path in enumerate(clips):
            order = [("ours", ours, (path, processor)), ("baseline", baseline, (path, processor, times))]
            for name, function, call in (order if i % 2 == 0 else order[::-1]):
                spent[name] += timed(function, *call)
        rate = {name: len(clips) / seconds for name, seconds in spent.items()}
        print(f"ours:     {rate['ours']:.2f} clips/s ({1000 * spent['ours'] / len(clips):.0f} ms per clip)")
        print(f"baseline: {rate['baseline']:.2f} clips/s ({1000 * spent['baseline'] / len(clips):.0f} ms per clip)")

        short, long = [], []
        for i in range(args.repeats):
            pair = [(short, clips[i % len(clips)]), (long, long_clip)]
            for sink, path in (pair if i % 2 == 0 else pair[::-1]):
                sink.append(timed(ours, path, processor))
        short_ms, long_ms = 1000 * statistics.median(short), 1000 * statistics.median(long)
        print(f"ours, median of {args.repeats}: 10 s clip {short_ms:.0f} ms, 60 s clip {long_ms:.0f} ms")
        print(f"throughput ratio (ours / baseline): {rate['ours'] / rate['baseline']:.2f}  (target >= 2)")
        print(f"60 s / 10 s time ratio: {long_ms / short_ms:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
