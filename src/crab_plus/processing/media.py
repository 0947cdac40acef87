"""Media decoding: sampled video frames with PyAV, audio as 16 kHz mono float32 from a file, a container's audio
track or an array. Every problem is a :class:`~crab_plus.errors.MediaError` naming the input and the fix.

Frames: for each requested time, ``frames_at`` seeks to the nearest keyframe before it and decodes forward to the
frame shown at that time, so N sampled frames cost N short decodes, not the whole stream. Times past the last
frame give the last frame (a clip shorter than the policy repeats its last frame). Rotation metadata is applied.
Audio: any rate, channel layout and sample format is resampled with FFmpeg's resampler (via PyAV); AAC encoder
padding is trimmed to the stream's duration.
"""

from __future__ import annotations

import bisect
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Union

import numpy as np

from ..errors import MediaError

SAMPLING_RATE = 16000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif")
SOUNDFILE_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
MediaSource = Union[str, os.PathLike, bytes, BinaryIO]


@dataclass(frozen=True)
class MediaLimits:
    """Refuse media beyond these before decoding it (never an out-of-memory)."""

    max_seconds: float = 3600.0
    max_pixels: int = 3840 * 2160
    max_bytes: int = 4 * 1024**3


def describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray)):
        return f"<{len(source)} bytes>"
    return getattr(source, "name", None) or f"<{type(source).__name__}>"


def _check_file(source: MediaSource, limits: MediaLimits) -> None:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise MediaError(f"{path}: no such file; check the path (relative paths are relative to the media root).")
        size = path.stat().st_size
    elif isinstance(source, (bytes, bytearray)):
        size = len(source)
    else:
        return
    if size == 0:
        raise MediaError(f"{describe(source)}: the file is empty (0 bytes).")
    if size > limits.max_bytes:
        raise MediaError(f"{describe(source)}: {size / 1e9:.1f} GB exceeds the limit of {limits.max_bytes / 1e9:.1f} GB "
                         "(raise MediaLimits.max_bytes to allow it).")


def _open_container(source: MediaSource):
    import av

    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        return av.open(os.fspath(handle) if isinstance(handle, os.PathLike) else handle)
    except (av.error.FFmpegError, ValueError, OSError) as error:
        raise MediaError(f"{describe(source)}: not a media file FFmpeg can read ({error}).") from None


def is_image(source: Any) -> bool:
    return isinstance(source, (str, os.PathLike)) and os.fspath(source).lower().endswith(IMAGE_SUFFIXES)


class Video:
    """A decodable clip: a container opened with PyAV, or frames already in memory ((T, H, W, 3) uint8 + fps)."""

    def __init__(self, source: MediaSource | np.ndarray, fps: float | None = None, limits: MediaLimits = MediaLimits()):
        self.source, self.limits, self.name = source, limits, describe(source)
        self.container = None
        if isinstance(source, np.ndarray):
            self._frames = _checked_frame_array(source, fps)
            self.fps = float(fps)
            self.duration = len(self._frames) / self.fps
            return
        _check_file(source, limits)
        self.container = _open_container(source)
        if not self.container.streams.video:
            self.close()
            raise MediaError(f"{self.name}: has no video stream (audio-only input cannot be used for a video task).")
        stream = self.container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"  # frame threads (settable only before the first decode)
        self.stream = stream
        self.fps = float(stream.average_rate or stream.guessed_rate or 25)
        self.duration = _stream_seconds(stream, self.container)
        if stream.codec_context.width * stream.codec_context.height > limits.max_pixels:
            self.close()
            raise MediaError(f"{self.name}: {stream.codec_context.width}x{stream.codec_context.height} exceeds the limit "
                             f"of {limits.max_pixels} pixels per frame (MediaLimits.max_pixels).")
        if self.duration > limits.max_seconds:
            self.close()
            raise MediaError(f"{self.name}: lasts {self.duration:.0f} s, over the limit of {limits.max_seconds:.0f} s "
                             "(MediaLimits.max_seconds).")
        if self.duration <= 0:
            self.close()
            raise MediaError(f"{self.name}: the video stream has no frames (zero length).")

    def close(self) -> None:
        if self.container is not None:
            self.container.close()
            self.container = None

    def __enter__(self) -> "Video":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def frames_at(self, times: list[float], size: int | None = None) -> list[np.ndarray]:
        """The frame shown at each time (seconds) as (H, W, 3) uint8, rotation applied.

        size: scale each decoded frame straight to ``size`` x ``size`` in FFmpeg's scaler (bicubic), which is
        much cheaper than converting the full frame to RGB first; frame arrays are returned unscaled."""
        if self.container is None:
            last = len(self._frames) - 1
            return [self._frames[min(max(int(t * self.fps), 0), last)] for t in times]
        order = np.argsort(times)
        result: list[np.ndarray | None] = [None] * len(times)
        decoder = _SeekingDecoder(self.container, self.stream, self.name)
        for index in order:
            result[index] = _to_rgb(decoder.frame_at(float(times[index])), size)
        return result  # type: ignore[return-value]

    def audio(self, sampling_rate: int = SAMPLING_RATE, until: float | None = None) -> np.ndarray | None:
        """The container's own audio track (first audio stream) as mono float32, or None when it has none."""
        if self.container is None or not self.container.streams.audio:
            return None
        return decode_audio_stream(self.source, sampling_rate, self.limits, until=until)


def _checked_frame_array(frames: np.ndarray, fps: float | None) -> np.ndarray:
    if fps is None or fps <= 0:
        raise MediaError("a frame array needs its frame rate: pass video_fps=<frames per second>.")
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] == 0:
        raise MediaError(f"a frame array must be (T, H, W, 3) with T > 0, got shape {frames.shape}.")
    if frames.dtype != np.uint8:
        raise MediaError(f"a frame array must be uint8 RGB, got {frames.dtype}.")
    return frames


def _stream_seconds(stream, container) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return float(stream.frames / (stream.average_rate or 25)) if stream.frames else 0.0


class _SeekingDecoder:
    """Decodes forward to each requested time (ascending), seeking only when that skips frames.

    Seeking: with the container's keyframe index (mp4/mov always, mkv/webm when their cues are read) it seeks
    exactly when a keyframe lies between the current frame and the requested time; otherwise the running decode
    goes on. Without an index it seeks when the requested time is more than ``UNINDEXED_REUSE_SECONDS`` ahead.
    Skipping: packets more than ``skip_margin`` seconds before the requested time are decoded without their
    non-reference frames (B-frames nothing depends on, which cannot be the frame shown at that time). If the
    frame found lies that far back (a variable-rate gap, or the end of a short clip), the time is decoded again
    without skipping, so the result is always the exact frame. FFmpeg decodes with frame threads."""

    UNINDEXED_REUSE_SECONDS = 2.0

    def __init__(self, container, stream, name: str):
        self.container, self.stream, self.name = container, stream, name
        self.keyframes = _keyframe_seconds(stream)  # ascending seconds, empty when the index is unknown
        self.skip_margin = max(0.25, 3.0 / float(stream.average_rate or 25))
        self.target, self.exact, self.skipped = 0.0, False, False
        self.frames = iter(())  # the running decode
        self.previous = None  # the last frame shown at or before the current time
        self.pending = None  # a frame already decoded past the current time

    def _must_seek(self, seconds: float) -> bool:
        if self.previous is None:
            return True
        current = float(self.previous.time or 0.0)
        if seconds < current:
            return True
        if self.keyframes:
            return self.keyframes[max(bisect.bisect_right(self.keyframes, seconds) - 1, 0)] > current
        return seconds > current + self.UNINDEXED_REUSE_SECONDS

    def _seek(self, seconds: float) -> None:
        offset = int(max(seconds, 0.0) / self.stream.time_base) + (self.stream.start_time or 0)
        self.container.seek(offset, stream=self.stream, backward=True, any_frame=False)
        self.frames, self.previous, self.pending, self.skipped = self._decode(), None, None, False

    def _decode(self):
        """Frames from the current demux position, non-reference frames skipped well before ``self.target``."""
        context, base = self.stream.codec_context, self.stream.time_base
        for packet in self.container.demux(self.stream):
            if packet.pts is not None:
                early = not self.exact and float(packet.pts * base) < self.target - self.skip_margin
                context.skip_frame = "NONREF" if early else "DEFAULT"
                self.skipped = self.skipped or early
            yield from packet.decode()

    def _next(self):
        import av

        if self.pending is not None:
            frame, self.pending = self.pending, None
            return frame
        try:
            return next(self.frames, None)
        except av.error.FFmpegError as error:
            raise MediaError(f"{self.name}: the video is corrupt or truncated ({error}).") from None

    def frame_at(self, seconds: float):
        """The decoded frame (an ``av.VideoFrame``) shown at ``seconds``; past the end, the last frame."""
        self.target = seconds
        if self._must_seek(seconds):
            self._seek(seconds)
        self._decode_to(seconds)
        if self.skipped and float(self.previous.time or 0.0) < seconds - self.skip_margin:
            self.exact = True  # a skipped frame may be the one shown: decode this time again, skipping nothing
            self._seek(seconds)
            self._decode_to(seconds)
            self.exact = False
        return self.previous

    def _decode_to(self, seconds: float) -> None:
        while (frame := self._next()) is not None:
            if float(frame.time or 0.0) > seconds + 1e-6 and self.previous is not None:
                self.pending = frame  # starts after `seconds`: the previous frame is the one shown
                break
            self.previous = frame
        if self.previous is None:
            raise MediaError(f"{self.name}: no frame could be decoded (corrupt or truncated video).")


def _keyframe_seconds(stream) -> list[float]:
    """Times (seconds) of the keyframes in the container's index, ascending; [] when there is no index."""
    entries = getattr(stream, "index_entries", None)
    if entries is None or stream.time_base is None:
        return []
    return sorted(float(entry.timestamp * stream.time_base) for entry in entries if entry.is_keyframe)


def _to_rgb(frame, size: int | None = None) -> np.ndarray:
    """(H, W, 3) uint8 of a decoded frame, turned upright by its rotation; ``size``: scaled to a square first."""
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    if size is not None:  # squashing then turning a square equals turning then squashing
        frame = frame.reformat(width=size, height=size, format="rgb24", interpolation="BICUBIC")
    image = frame.to_ndarray(format="rgb24")
    return np.ascontiguousarray(np.rot90(image, k=rotation // 90)) if rotation else image


def load_image(source: MediaSource) -> np.ndarray:
    """An image file as (H, W, 3) uint8."""
    from PIL import Image, UnidentifiedImageError

    _check_file(source, MediaLimits())
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source) as image:
            return np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError) as error:
        raise MediaError(f"{describe(source)}: not a readable image ({error}).") from None


# -- audio ------------------------------------------------------------------------------------------------------

def load_audio(source: MediaSource | np.ndarray, sampling_rate: int | None = None, *,
               target_rate: int = SAMPLING_RATE, limits: MediaLimits = MediaLimits(),
               until: float | None = None) -> np.ndarray:
    """Any audio input -> (samples,) float32 mono at ``target_rate``.

    ``source``: a float array (samples,) or (samples, channels) with its ``sampling_rate``; or a file/bytes/file
    object: soundfile formats (wav, flac, ogg, mp3) with soundfile, anything else (m4a, aac, mp4, mkv...) with PyAV.
    ``until``: files are read only up to this many seconds.
    """
    if isinstance(source, np.ndarray):
        if sampling_rate is None:
            raise MediaError("an audio array needs its sampling rate: pass audio_sampling_rate=<Hz>.")
        return _checked_audio(_to_mono(source.astype(np.float32, copy=False)), sampling_rate, target_rate, "audio array")
    _check_file(source, limits)
    name = describe(source)
    if isinstance(source, (str, os.PathLike)) and name.lower().endswith(SOUNDFILE_SUFFIXES):
        import soundfile

        try:
            info = soundfile.info(name)
            if info.duration > limits.max_seconds:
                raise MediaError(f"{name}: lasts {info.duration:.0f} s, over the limit of {limits.max_seconds:.0f} s.")
            frames = -1 if until is None else max(int(np.ceil(until * info.samplerate)), 1)
            data, rate = soundfile.read(name, frames=frames, dtype="float32", always_2d=True)
        except (RuntimeError, soundfile.LibsndfileError) as error:
            raise MediaError(f"{name}: not a readable audio file ({error}).") from None
        return _checked_audio(_to_mono(data), rate, target_rate, name)
    return decode_audio_stream(source, target_rate, limits, until=until)


def decode_audio_stream(source: MediaSource, target_rate: int = SAMPLING_RATE,
                        limits: MediaLimits = MediaLimits(), until: float | None = None) -> np.ndarray:
    """The first audio stream of a container, resampled to mono float32, trimmed to the stream's duration.

    until: stop decoding once this many seconds are decoded (a policy that reads the first 10 s of a one-hour
    file decodes 10 s)."""
    import av

    name = describe(source)
    if hasattr(source, "seek"):
        source.seek(0)
    container = _open_container(source)
    try:
        if not container.streams.audio:
            raise MediaError(f"{name}: has no audio track; pass a separate audio file, or allow_silent=True to use "
                             "silence.")
        stream = container.streams.audio[0]
        seconds = _stream_seconds(stream, container)
        if seconds > limits.max_seconds:
            raise MediaError(f"{name}: the audio lasts {seconds:.0f} s, over the limit of {limits.max_seconds:.0f} s.")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=target_rate)
        chunks = []
        try:
            decoded = 0
            for frame in container.decode(stream):
                for piece in resampler.resample(frame):
                    chunks.append(piece.to_ndarray().reshape(-1))
                    decoded += len(chunks[-1])
                if until is not None and decoded >= until * target_rate:
                    break
            chunks.extend(r.to_ndarray().reshape(-1) for r in resampler.resample(None))
        except av.error.FFmpegError as error:
            raise MediaError(f"{name}: the audio is corrupt or truncated ({error}).") from None
    finally:
        container.close()
    audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if seconds > 0:
        audio = audio[: int(round(seconds * target_rate))]  # AAC encoder padding beyond the stream's duration
    if until is not None:
        audio = audio[: max(int(round(until * target_rate)), 1)]
    return _checked_audio(audio, target_rate, target_rate, name)


def _to_mono(data: np.ndarray) -> np.ndarray:
    return data if data.ndim == 1 else data.mean(axis=1)


def _checked_audio(audio: np.ndarray, rate: int, target_rate: int, name: str) -> np.ndarray:
    if audio.size == 0:
        raise MediaError(f"{name}: the audio has no samples (zero length).")
    if not np.isfinite(audio).all():
        raise MediaError(f"{name}: the audio contains NaN or infinite samples.")
    if rate != target_rate:
        audio = resample(audio, rate, target_rate)
    return audio.astype(np.float32, copy=False)


def resample(audio: np.ndarray, rate: int, target_rate: int) -> np.ndarray:
    """Mono float audio from ``rate`` to ``target_rate`` with FFmpeg's resampler."""
    import av

    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio, dtype=np.float32)[None, :], format="flt",
                                       layout="mono")
    frame.sample_rate = int(rate)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=int(target_rate))
    out = [r.to_ndarray().reshape(-1) for r in resampler.resample(frame)]
    out += [r.to_ndarray().reshape(-1) for r in resampler.resample(None)]
    result = np.concatenate(out) if out else np.zeros(0, np.float32)
    return result[: int(round(len(audio) * target_rate / rate))]


def audio_windows(audio: np.ndarray, windows: list[tuple[float, float]], rate: int = SAMPLING_RATE) -> np.ndarray:
    """The (start, end)-second windows of ``audio`` concatenated; parts past the end are silence."""
    pieces = []
    for start, end in windows:
        first, last = int(round(start * rate)), int(round(end * rate))
        piece = audio[first:last]
        pieces.append(np.pad(piece, (0, max(0, last - first - len(piece)))))
    return np.concatenate(pieces).astype(np.float32)


def silence(seconds: float, name: str, rate: int = SAMPLING_RATE) -> np.ndarray:
    warnings.warn(f"{name}: no audio; using {seconds:.0f} s of silence (allow_silent=True).", stacklevel=3)
    return np.zeros(int(round(seconds * rate)), np.float32)
