"""The project's one media writer: mp4/mkv/webm clips with PyAV, audio files with soundfile (or PyAV).

Used by the AV-Synth generator, the test helpers in :mod:`crab_plus.testing` and the benchmarks.
"""

from __future__ import annotations

import os
from fractions import Fraction

import numpy as np

SOUNDFILE_SUFFIXES = (".wav", ".flac", ".ogg")


def _as_channels(audio: np.ndarray) -> np.ndarray:
    """float samples -> (channels, samples) float32 in [-1, 1]."""
    audio = np.asarray(audio, dtype=np.float32)
    audio = audio[None, :] if audio.ndim == 1 else audio
    return np.clip(audio, -1.0, 1.0)


def write_video(
    path: str | os.PathLike,
    frames: np.ndarray,
    fps: float,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
    video_codec: str = "libx264",
    audio_codec: str = "aac",
    keyframe_interval: float | None = None,
    rotation: int = 0,
    audio_codec_options: dict[str, str] | None = None,
) -> str:
    """Write ``frames`` (T, H, W, 3) uint8 at ``fps`` and, optionally, ``audio`` (samples,) or (channels, samples)
    float in [-1, 1] at ``sample_rate``. Odd frame sizes are padded by one pixel for h264 (yuv420p).

    keyframe_interval: seconds between keyframes (None: the encoder's default, 250 frames for libx264).
    rotation: display rotation in degrees counter-clockwise, stored as container metadata (players, and
        :mod:`crab_plus.processing.media`, turn the frames upright by it).
    audio_codec_options: encoder options for the audio stream (ffmpeg's names, e.g. ``{"aac_coder": "fast"}``).
    """
    import av

    frames = np.asarray(frames, dtype=np.uint8)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"frames must be a non-empty (T, H, W, 3) uint8 array, got shape {frames.shape}")
    height, width = frames.shape[1:3]
    if video_codec in ("libx264", "h264") and (height % 2 or width % 2):
        frames = np.pad(frames, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)), mode="edge")
    rate = Fraction(fps).limit_denominator(1000)
    with av.open(os.fspath(path), mode="w") as container:
        video = container.add_stream(video_codec, rate=rate)
        video.width, video.height = frames.shape[2], frames.shape[1]
        video.pix_fmt = "yuv420p"
        if keyframe_interval:
            video.codec_context.gop_size = max(1, int(round(keyframe_interval * fps)))
        if rotation:
            video.set_display_rotation(rotation)
        sound = None
        if audio is not None:
            channels = _as_channels(audio)
            sound = _add_audio_stream(container, audio_codec, sample_rate, channels, audio_codec_options)
        for frame in frames:
            container.mux(video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(video.encode())
        if sound is not None:
            _encode_audio(container, sound, channels, sample_rate)
    return os.fspath(path)


def _add_audio_stream(container, codec: str, sample_rate: int, channels: np.ndarray,
                      codec_options: dict[str, str] | None):
    stream = container.add_stream(codec, rate=sample_rate)
    stream.layout = "mono" if channels.shape[0] == 1 else "stereo"  # channels: (n_channels, samples)
    if codec_options:
        stream.codec_context.options = dict(codec_options)
    return stream


def _encode_audio(container, stream, channels: np.ndarray, sample_rate: int) -> None:
    import av

    layout = "mono" if channels.shape[0] == 1 else "stereo"
    step = stream.codec_context.frame_size or 1024  # AAC wants frames of exactly frame_size samples
    for start in range(0, channels.shape[1], step):
        chunk = channels[:, start:start + step]  # the last one may be shorter: not padded, so the stream
        # duration stays the true length (the decoder's padding is trimmed against it)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout=layout)
        frame.sample_rate = sample_rate
        frame.pts = start
        container.mux(stream.encode(frame))
    container.mux(stream.encode())


def write_audio(path: str | os.PathLike, samples: np.ndarray, sample_rate: int, subtype: str | None = "PCM_16",
                codec_options: dict[str, str] | None = None) -> str:
    """Write ``samples`` (samples,) or (channels, samples) float in [-1, 1]: wav/flac/ogg with soundfile, other
    suffixes (m4a, mp3, aac, mka...) with PyAV.

    codec_options: encoder options for the PyAV formats (ffmpeg's names, e.g. ``{"aac_coder": "fast"}``).
    """
    path = os.fspath(path)
    channels = _as_channels(samples)
    if path.lower().endswith(SOUNDFILE_SUFFIXES):
        import soundfile

        soundfile.write(path, channels.T, sample_rate, subtype=None if path.lower().endswith(".ogg") else subtype)
        return path
    import av

    codec = {".mp3": "libmp3lame", ".opus": "libopus"}.get(os.path.splitext(path)[1].lower(), "aac")
    with av.open(path, mode="w") as container:
        stream = _add_audio_stream(container, codec, sample_rate, channels, codec_options)
        _encode_audio(container, stream, channels, sample_rate)
    return path
