"""Throughput of CrabPlusProcessor.prepare() on generated 640x360 h264+aac clips, against a baseline.

One run, ratios printed as the last lines:
  prepare_vs_baseline: clips/s of ``prepare(task="ave")`` over clips/s of the baseline
      (transformers.video_utils.load_video(backend="pyav", num_frames=10) + the same Qwen2-VL PIL image processor
      per frame + WhisperFeatureExtractor on the clip's audio decoded with PyAV); target >= 2
  seek_vs_full_decode: time to sample the policy's 10 frames by decoding the whole stream over the time
      frames_at() takes (keyframe seeks); > 1 means seeking wins
  60s_over_10s: prepare() time on a 60 s clip over a 10 s clip, same policy; target <= 1.5

    python benchmarks/processor_throughput.py [--clips 20] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def clip_frames(seconds: float, fps: int, width: int = 640, height: int = 360) -> np.ndarray:
    """A moving square on a gradient: (T, H, W, 3) uint8, compressible like real footage."""
    count = int(seconds * fps)
    base = np.zeros((height, width, 3), np.uint8)
    base[..., 0] = np.linspace(0, 200, width, dtype=np.uint8)[None, :]
    base[..., 2] = np.linspace(0, 200, height, dtype=np.uint8)[:, None]
    frames = np.repeat(base[None], count, axis=0)
    for i in range(count):
        x = (i * 7) % (width - 60)
        frames[i, 150:210, x:x + 60] = (255, 255, 0)
    return frames


def write_clip(path: str, seconds: float, fps: int = 25, keyframe_interval: float = 2.0) -> str:
    from crab_plus.processing.encode import write_video
    from crab_plus.testing import sine_tone

    return write_video(path, clip_frames(seconds, fps), fps, audio=sine_tone(seconds, 16000),
                       keyframe_interval=keyframe_interval)


def baseline(path: str, image_processor, feature_extractor) -> None:
    import av
    from transformers.video_utils import load_video

    frames, _ = load_video(path, num_frames=10, backend="pyav")
    image_processor(images=list(frames), return_tensors="np")  # each frame through the image processor
    with av.open(path) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
        chunks = [r.to_ndarray().reshape(-1) for f in container.decode(audio=0) for r in resampler.resample(f)]
    feature_extractor(np.concatenate(chunks), sampling_rate=16000, return_tensors="np")


def timed(fn, *args, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn(*args)
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()

    from transformers import WhisperFeatureExtractor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from crab_plus.processing import CrabPlusProcessor
    from crab_plus.processing.media import Video
    from crab_plus.tasks import get_task
    from crab_plus.testing import tiny_tokenizer

    workdir = args.workdir or tempfile.mkdtemp(prefix="crab_plus_bench_")
    started = time.perf_counter()
    first = write_clip(os.path.join(workdir, "clip_00.mp4"), 10.0)
    clips = [first] + [first.replace("_00", f"_{i:02d}") for i in range(1, args.clips)]
    for path in clips[1:]:
        with open(first, "rb") as src, open(path, "wb") as dst:  # same content, separate files (no page-cache sharing)
            dst.write(src.read())
    long_clip = write_clip(os.path.join(workdir, "clip_60s.mp4"), 60.0)
    print(f"wrote {len(clips)} x 10 s + one 60 s 640x360 h264+aac clips in {time.perf_counter() - started:.1f} s")

    image_processor, feature_extractor = Qwen2VLImageProcessorPil(), WhisperFeatureExtractor(feature_size=128)
    processor = CrabPlusProcessor(image_processor=image_processor, feature_extractor=feature_extractor,
                                  tokenizer=tiny_tokenizer())
    task = get_task("ave")
    processor.prepare("ave", first)  # warm-up (imports, FFmpeg init)
    baseline(first, image_ip := image_processor, feature_extractor)

    t_prepare = timed(lambda: [processor.prepare("ave", p) for p in clips])
    t_baseline = timed(lambda: [baseline(p, image_ip, feature_extractor) for p in clips])
    print(f"prepare(ave): {len(clips) / t_prepare:.2f} clips/s; baseline: {len(clips) / t_baseline:.2f} clips/s")

    import av

    times = task.policy.frame_times(10.0)

    def seek_frames(path):
        with Video(path) as video:
            video.frames_at(times)

    def full_decode(path):
        with av.open(path) as container:
            stream = container.streams.video[0]
            frames = [(float(f.time), f) for f in container.decode(stream)]
            picked = []
            for t in times:
                shown = [f for ft, f in frames if ft <= t + 1e-6]
                picked.append((shown[-1] if shown else frames[0][1]).to_ndarray(format="rgb24"))

    t_seek = timed(seek_frames, long_clip, repeat=3)
    t_full = timed(full_decode, long_clip, repeat=3)
    print(f"10 frames of the 60 s clip: frames_at {t_seek * 1000:.0f} ms; whole-stream decode {t_full * 1000:.0f} ms")

    t10 = timed(processor.prepare, "ave", first, repeat=5)
    t60 = timed(processor.prepare, "ave", long_clip, repeat=5)
    print(f"prepare(ave): 10 s clip {t10 * 1000:.0f} ms; 60 s clip {t60 * 1000:.0f} ms")
    print(f"seek_vs_full_decode: {t_full / t_seek:.2f}")
    print(f"60s_over_10s: {t60 / t10:.2f}")
    print(f"prepare_vs_baseline: {t_baseline / t_prepare:.2f}")


if __name__ == "__main__":
    main()
