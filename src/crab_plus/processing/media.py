"""Media decoding: sampled video frames with PyAV, audio as 16 kHz mono float32 from a file, a container's audio
track or an array. Every problem is a :class:`~crab_plus.errors.MediaError` naming the input and the fix.

Frames: for each requested time, ``frames_at`` seeks to the nearest keyframe before it and decodes forward to the
frame shown at that time, so N sampled frames cost N short decodes, not the whole stream. Times past the last
frame give the last frame (a clip shorter than the policy repeats its last frame). Rotation metadata is applied.
Audio: any rate, channel layout and sample format is resampled with FFmpeg's resampler (via PyAV); AAC encoder
padding is trimmed to the stream's duration.
"""

from __future__ import annotations

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

    def frames_at(self, times: list[float], size: tuple[int, int] | None = None) -> list[np.ndarray]:
        """The frame shown at each time (seconds) as (H, W, 3) uint8, rotation applied; ``size`` (height, width)
        resizes while converting (bicubic; FFmpeg's swscale for decoded video, PIL for frame arrays)."""
        if self.container is None:
            last = len(self._frames) - 1
            picked = [self._frames[min(max(int(t * self.fps + 1e-6), 0), last)] for t in times]
            return [_resized(f, size) for f in picked]
        order = np.argsort(times)
        result: list[np.ndarray | None] = [None] * len(times)
        decoder = _SeekingDecoder(self.container, self.stream, self.name, self.fps)
        for index in order:
            result[index] = _to_rgb(decoder.frame_at(float(times[index])), size)
        self.decoded_frames = getattr(self, "decoded_frames", 0) + decoder.decoded
        return result  # type: ignore[return-value]

    def audio(self, sampling_rate: int = SAMPLING_RATE, until: float | None = None) -> np.ndarray | None:
        """The container's own audio track (first audio stream) as mono float32, or None when it has none;
        ``until``: stop decoding after that many seconds."""
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
    """Decodes the frames shown at ascending times without decoding the whole stream.

    * Seeks only when the container's index has a keyframe between the decoding position and the next time
      (decoding forward from there is cheaper than from the current position); otherwise decodes on.
    * Far (more than ``lead`` seconds) before a requested time, non-reference frames are skipped
      (``skip_frame="NONREF"``): no later frame is predicted from them, so the frames that are returned are
      bit-identical to a full decode. Near the requested time every frame is decoded. If the frame found lies
      further back than ``lead`` (a variable-frame-rate gap, or past the end of the stream) a skipped frame may
      be the one shown, so that time is decoded again with nothing skipped.
    """

    def __init__(self, container, stream, name: str, fps: float):
        self.container, self.stream, self.name = container, stream, name
        self.start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        self.keyframes = _keyframe_seconds(stream, self.start)
        self.lead = max(0.5, 16 / fps) if fps > 0 else 1.0  # > the decoder's reorder + threading delay
        self.frames = None  # the running decode
        self.previous = None  # the last frame shown at or before the current time
        self.pending = None  # a frame already decoded past the current time
        self.decoded = 0
        self.exact, self.skipped = False, False  # exact: skip nothing; skipped: NONREF used since the seek

    def _time(self, frame) -> float:
        return float(frame.time or 0.0) - self.start

    def _seek(self, seconds: float) -> None:
        offset = int(max(seconds + self.start, 0.0) / self.stream.time_base)
        self.container.seek(offset, stream=self.stream, backward=True, any_frame=False)
        self.frames, self.previous, self.pending = self.container.decode(self.stream), None, None
        self.skipped = False

    def _next(self, seconds: float):
        import av

        if self.pending is not None:
            frame, self.pending = self.pending, None
            return frame
        position = -1.0 if self.previous is None else self._time(self.previous)
        skip = not self.exact and position < seconds - self.lead
        self.stream.codec_context.skip_frame = "NONREF" if skip else "DEFAULT"
        self.skipped = self.skipped or skip
        try:
            frame = next(self.frames, None)
        except av.error.FFmpegError as error:
            raise MediaError(f"{self.name}: the video is corrupt or truncated ({error}).") from None
        self.decoded += frame is not None
        return frame

    def frame_at(self, seconds: float):
        newest = self.pending if self.pending is not None else self.previous
        position = -np.inf if newest is None else self._time(newest)
        if self.frames is None or any(position < k <= seconds for k in self.keyframes):
            self._seek(seconds)
        self._decode_to(seconds)
        if self.skipped and self._time(self.previous) < seconds - self.lead:
            self.exact = True  # a skipped non-reference frame may be the one shown: decode again, skipping nothing
            try:
                self._seek(seconds)
                self._decode_to(seconds)
            finally:
                self.exact = False
        return self.previous  # past the end of the stream: the last frame

    def _decode_to(self, seconds: float) -> None:
        while (frame := self._next(seconds)) is not None:
            if self._time(frame) > seconds + 1e-6 and self.previous is not None:
                self.pending = frame  # starts after `seconds`: the previous frame is the one shown
                break
            self.previous = frame
        if self.previous is None:
            raise MediaError(f"{self.name}: no frame could be decoded (corrupt or truncated video).")


def _keyframe_seconds(stream, start: float) -> list[float]:
    """Seconds of the keyframes in the container's index (empty when the container has none: never seek)."""
    try:
        return sorted(float(e.timestamp * stream.time_base) - start for e in stream.index_entries if e.is_keyframe)
    except (AttributeError, TypeError):
        return []


def _to_rgb(frame, size: tuple[int, int] | None = None) -> np.ndarray:
    """An av.VideoFrame -> (H, W, 3) uint8, turned upright, resized to ``size`` (height, width) if given."""
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360  # counter-clockwise degrees of the display matrix
    if size is None:
        image = frame.to_ndarray(format="rgb24")
    else:
        height, width = size if rotation in (0, 180) else size[::-1]
        image = frame.reformat(width=width, height=height, format="rgb24", interpolation="BICUBIC").to_ndarray()
    return np.ascontiguousarray(np.rot90(image, k=rotation // 90)) if rotation else image


def _resized(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    if size is None or image.shape[:2] == tuple(size):
        return image
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize((size[1], size[0]), Image.BICUBIC))


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

    ``until``: seconds after which decoding a container's track stops (the result may end there), so a policy
    that reads the first seconds of a long clip does not decode all of it.

    ``source``: a float array (samples,) or (samples, channels) with its ``sampling_rate``; or a file/bytes/file
    object: soundfile formats (wav, flac, ogg, mp3) with soundfile, anything else (m4a, aac, mp4, mkv...) with PyAV.
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
            data, rate = soundfile.read(name, dtype="float32", always_2d=True)
        except (RuntimeError, soundfile.LibsndfileError) as error:
            raise MediaError(f"{name}: not a readable audio file ({error}).") from None
        return _checked_audio(_to_mono(data), rate, target_rate, name)
    return decode_audio_stream(source, target_rate, limits, until=until)


def decode_audio_stream(source: MediaSource, target_rate: int = SAMPLING_RATE,
                        limits: MediaLimits = MediaLimits(), until: float | None = None) -> np.ndarray:
    """The first audio stream of a container, resampled to mono float32, trimmed to the stream's duration;
    decoding stops once ``until`` seconds are decoded (None: the whole track)."""
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
        chunks, needed, decoded = [], None if until is None else int(until * target_rate) + target_rate // 10, 0
        try:
            for frame in container.decode(stream):
                for resampled in resampler.resample(frame):
                    chunks.append(resampled.to_ndarray().reshape(-1))
                    decoded += len(chunks[-1])
                if needed is not None and decoded >= needed:
                    break
            chunks.extend(r.to_ndarray().reshape(-1) for r in resampler.resample(None))
        except av.error.FFmpegError as error:
            raise MediaError(f"{name}: the audio is corrupt or truncated ({error}).") from None
    finally:
        container.close()
    audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if seconds > 0:
        audio = audio[: int(round(seconds * target_rate))]  # AAC encoder padding beyond the stream's duration
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
