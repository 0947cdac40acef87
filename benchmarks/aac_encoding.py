"""What AAC encoding costs `crab-plus synth make`: ffmpeg's default AAC coder against its fast one, side by side.

Every AV-Synth clip with sound is an mp4 with an AAC soundtrack (`crab_plus.processing.encode.write_video`, ffmpeg's
native encoder through PyAV, its default coder "twoloop"). On the 60 s clips of avqa and avqa_thu that encoding is
most of the generation time. This script renders the soundtracks of a few avqa scenes (AV-Synth seed 0) and,
alternating, encodes each with the default coder and with `aac_coder=fast`; it prints both times and their ratio,
and how far the decoded audio is from the rendered one both ways (the codec is lossy either way).

    python benchmarks/aac_encoding.py --clips 8

Results (stop 31, 2 threads, 8 clips; model card, (26)): a minute of audio in 0.41 s with the default coder, 0.07 s
with the fast one (ratio 0.16); the decoded audio is 3.0 % and 2.6 % of the signal's RMS away from the rendered one
(clip by clip either coder can be the closer: 0.3 % and 0.7 % on the first two clips). `synth make --aac-coder fast`
uses the fast coder (since stop 32); the default stays the default coder, the shipped model's scenes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from crab_plus.data.synth.recipes import RECIPES
from crab_plus.data.synth.render_audio import render_audio
from crab_plus.data.synth.scene import SAMPLE_RATE, scene_rng
from crab_plus.processing.encode import write_audio
from crab_plus.testing import relative_rms_error


def encode(path: str, audio: np.ndarray, coder: str | None) -> float:
    """Seconds to write ``audio`` (samples,) float32 as an AAC stream in ``path`` with ``coder`` (None: default)."""
    start = time.perf_counter()
    write_audio(path, audio, SAMPLE_RATE, codec_options={"aac_coder": coder} if coder else None)
    return time.perf_counter() - start


def decoded_error(path: str, audio: np.ndarray) -> float:
    """RMS difference between the decoded stream and ``audio``, relative to the RMS of ``audio``."""
    from crab_plus.processing.media import load_audio

    return relative_rms_error(load_audio(path, target_rate=SAMPLE_RATE), audio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=8, help="avqa scenes (60 s each) to encode both ways")
    args = parser.parse_args()
    soundtracks = []
    for index in range(args.clips):
        example = RECIPES["avqa"](scene_rng(0, "avqa", "train", index), "train", index, 112)
        soundtracks.append(render_audio(example.media[0].scene))
    seconds = {"default": 0.0, "fast": 0.0}
    errors = {"default": [], "fast": []}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "sound.m4a")
        for audio in soundtracks:  # alternate, so that both see the same machine
            for name, coder in (("default", None), ("fast", "fast")):
                seconds[name] += encode(path, audio, coder)
                errors[name].append(decoded_error(path, audio))
    minutes = sum(len(a) for a in soundtracks) / SAMPLE_RATE / 60
    for name in seconds:
        print(f"{name:8s} {seconds[name] / minutes:.2f} s per minute of audio, decoded error "
              f"{100 * np.mean(errors[name]):.1f} % of the signal's RMS")
    print(f"fast / default encoding time: {seconds['fast'] / seconds['default']:.2f}")


if __name__ == "__main__":
    main()
