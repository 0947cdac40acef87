"""Media decoding: video frames at chosen times and 16 kHz mono audio windows, from files, bytes or arrays.

Sources accepted everywhere: a path (str / PathLike), ``bytes``, a binary file object, or an array wrapper
(:class:`VideoArray` (T, H, W, 3) uint8 + fps; :class:`AudioArray` float samples + sampling rate). Tuples
``(frames, fps)`` and ``(samples, sampling_rate)`` are read as those wrappers.

* Video is decoded with PyAV. For N sampled times the reader does not decode the whole stream: when the
  container has a keyframe index it seeks to the last keyframe before a sampled time that lies past the current
  decoding position and decodes forward from there (cost grows with the number of samples, not with length).
* A sampled time ``t`` gets the frame on screen at ``t``: the last frame whose presentation time is <= t (so
  variable frame rate is handled by timestamps, never by frame counting). Times past the last frame get the
  last frame, so a clip shorter than the policy (or with fewer frames than requested) repeats frames.
* Rotation metadata (display matrix) is applied: frames come out upright. Odd sizes are fine.
* Audio: the video's own track (PyAV), or a separate file (soundfile for wav/flac/ogg/mp3/aiff...; PyAV for
  m4a/aac/mp4/webm/... and anything soundfile cannot read), or an array. Any rate, channel layout and bit depth
  becomes 16 kHz mono float32 (channels averaged, FFmpeg's swresample for the rate). Decoded audio is trimmed to
  the stream's duration, which removes AAC encoder padding.
* Every problem is a :class:`~crab_plus.errors.MediaError` naming the source and the problem; limits on
  duration, resolution and file size (:class:`MediaLimits`) are checked before anything large is decoded.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from typing import IO, Sequence, Union

import numpy as np

from ..errors import MediaError

SAMPLING_RATE = 16000
# Suffixes soundfile (libsndfile) reads; everything else goes through PyAV.
SOUNDFILE_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".au", ".caf", ".w64", ".rf64")


@dataclass(frozen=True)
class MediaLimits:
    """Upper bounds checked before decoding (exceeding one is a MediaError, never an out-of-memory).

    max_duration: seconds of media a source may last (container metadata, or array length).
    max_width, max_height: frame size in pixels (after rotation is ignored: either orientation passes).
    max_file_bytes: size of a file, bytes object or file object.
    """

    max_duration: float = 3600.0
    max_width: int = 7680
    max_height: int = 7680
    max_file_bytes: int = 4 * 1024**3


DEFAULT_LIMITS = MediaLimits()


@dataclass(frozen=True)
class VideoArray:
    """Decoded frames (T, H, W, 3) uint8 shown at ``fps`` frames per second."""

    frames: np.ndarray
    fps: float


@dataclass(frozen=True)
class AudioArray:
    """Samples (N,) mono or (C, N) at ``sampling_rate`` Hz; float in [-1, 1] or integer PCM."""

    samples: np.ndarray
    sampling_rate: int


MediaSource = Union[str, os.PathLike, bytes, IO[bytes], VideoArray, AudioArray, tuple]


def source_name(source) -> str:
    """How errors name a source: its path, or what kind of in-memory object it is."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, (VideoArray, AudioArray, tuple, np.ndarray)):
        return f"<{type(source).__name__}>"
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, (str, bytes)) and name else f"<{type(source).__name__}>"


# ------------------------------------------------------------------------------------------------ opening files
def _check_size_and_open(source, limits: MediaLimits):
    """-> (what PyAV/soundfile can open, name). Checks existence and file size; rewinds file objects."""
    name = source_name(source)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise MediaError(f"{name}: no such file. Check the path (and media_root, if you use one).")
        if os.path.isdir(path):
            raise MediaError(f"{name}: is a folder, not a media file.")
        size = os.path.getsize(path)
        opened = path
    elif isinstance(source, (bytes, bytearray, memoryview)):
        size = len(source)
        opened = io.BytesIO(bytes(source))
    elif hasattr(source, "read"):
        try:
            start = source.tell()
            source.seek(0, io.SEEK_END)
            size = source.tell() - start
            source.seek(start)
        except (OSError, AttributeError, ValueError):
            size = 0  # not seekable: nothing to measure before reading
        opened = source
    else:
        raise MediaError(f"{name}: not a media source. Pass a path, bytes, a binary file object or an array.")
    if size == 0 and not hasattr(source, "read"):
        raise MediaError(f"{name}: the file is empty (0 bytes).")
    if size > limits.max_file_bytes:
        raise MediaError(f"{name}: {size} bytes is over the limit of {limits.max_file_bytes} bytes "
                         "(MediaLimits.max_file_bytes); raise the limit to read it.")
    return opened, name


def _open_container(source, limits: MediaLimits):
    import av

    opened, name = _check_size_and_open(source, limits)
    try:
        container = av.open(opened, mode="r")
    except (av.FFmpegError, OSError, ValueError) as error:
        raise MediaError(f"{name}: not a readable media file ({error}). Pass a video/audio file FFmpeg can read.")
    return container, name


def _check_duration(duration: float, name: str, limits: MediaLimits) -> None:
    if not math.isfinite(duration) or duration <= 0:
        raise MediaError(f"{name}: the media has zero length (duration {duration}).")
    if duration > limits.max_duration:
        raise MediaError(f"{name}: lasts {duration:.1f} s, over the limit of {limits.max_duration:.1f} s "
                         "(MediaLimits.max_duration); trim the clip or raise the limit.")


def _check_resolution(width: int, height: int, name: str, limits: MediaLimits) -> None:
    if width <= 0 or height <= 0:
        raise MediaError(f"{name}: the video stream has no frame size ({width}x{height}); the file is damaged.")
    long_side, short_side = max(width, height), min(width, height)
    if long_side > max(limits.max_width, limits.max_height) or short_side > min(limits.max_width, limits.max_height):
        raise MediaError(f"{name}: {width}x{height} frames are over the limit of {limits.max_width}x"
                         f"{limits.max_height} (MediaLimits.max_width/max_height); downscale or raise the limit.")


# ------------------------------------------------------------------------------------------------------ readers
class VideoReader:
    """A video container opened with PyAV: metadata, frames at chosen times, its audio track.

    Use as a context manager (or call :meth:`close`). ``duration`` is in seconds.
    """

    def __init__(self, source, limits: MediaLimits = DEFAULT_LIMITS):
        import av

        self.limits = limits
        self.container, self.name = _open_container(source, limits)
        try:
            if not self.container.streams.video:
                kind = "an audio-only file" if self.container.streams.audio else "a file with no video stream"
                raise MediaError(f"{self.name}: {kind}; this task needs a video (or an image/frames array).")
            self.stream = self.container.streams.video[0]
            self.stream.thread_type = "AUTO"
            ctx = self.stream.codec_context
            self.width, self.height = ctx.width, ctx.height
            _check_resolution(self.width, self.height, self.name, limits)
            self.start = float(self.stream.start_time * self.stream.time_base) if self.stream.start_time else 0.0
            self.duration = self._duration()
            _check_duration(self.duration, self.name, limits)
            rate = self.stream.average_rate or self.stream.guessed_rate or self.stream.base_rate
            self.fps = float(rate) if rate else 0.0
            self.keyframes = self._keyframe_times()
            self.decoded_frames = 0  # frames decoded so far (seeking keeps this well below the stream's count)
        except MediaError:
            self.close()
            raise
        except (av.FFmpegError, OSError) as error:
            self.close()
            raise MediaError(f"{self.name}: cannot read the video stream ({error}); the file is damaged.")

    # metadata ------------------------------------------------------------------------------------------------
    def _duration(self) -> float:
        stream = self.stream
        if stream.duration:
            return float(stream.duration * stream.time_base)
        if self.container.duration:
            return self.container.duration / 1_000_000 - self.start
        return 0.0

    def _keyframe_times(self) -> list[float]:
        """Seconds (relative to the stream start) of the keyframes the container indexes ([] when none)."""
        try:
            entries = self.stream.index_entries
            base = self.stream.time_base
            return sorted(float(e.timestamp * base) - self.start for e in entries if e.is_keyframe)
        except (AttributeError, TypeError):
            return []

    @property
    def has_audio(self) -> bool:
        return bool(self.container.streams.audio)

    # frames --------------------------------------------------------------------------------------------------
    def frames_at(self, times: Sequence[float], size: tuple[int, int] | None = None) -> np.ndarray:
        """Frames on screen at ``times`` (seconds from the clip start) -> (N, H, W, 3) uint8, upright.

        size: (height, width) to resize each frame to (bicubic, FFmpeg swscale) while converting to RGB;
        None keeps the stream's own size.
        """
        import av

        order = sorted(range(len(times)), key=lambda i: times[i])
        out: list[np.ndarray | None] = [None] * len(times)
        frames = None  # decoding iterator, started at the last seek
        shown = ahead = None  # last decoded frame with time <= target, first decoded frame after it
        try:
            for i in order:
                t = float(times[i])
                position = _time(ahead if ahead is not None else shown, self.start)
                if frames is None or self._worth_seeking(t, position):
                    frames, shown, ahead = self._seek(t), None, None
                if ahead is not None and _time(ahead, self.start) <= t:
                    shown, ahead = ahead, None
                while ahead is None:
                    frame = next(frames, None)
                    if frame is None:
                        break  # end of stream: later times keep the last frame
                    if _time(frame, self.start) <= t:
                        shown = frame
                    else:
                        ahead = frame
                chosen = shown if shown is not None else ahead
                if chosen is None:
                    raise MediaError(f"{self.name}: no frame could be decoded; the video is corrupt or truncated.")
                out[i] = _to_rgb(chosen, size)
        except (av.FFmpegError, OSError) as error:
            raise MediaError(f"{self.name}: decoding failed ({error}); the video is corrupt or truncated.")
        return np.stack(out)

    def _worth_seeking(self, target: float, position: float) -> bool:
        """Seek when a keyframe lies between the decoding position and the target (skip the frames between)."""
        if not self.keyframes:
            return False
        return any(position < k <= target for k in self.keyframes)

    def _seek(self, t: float):
        offset = int((t + self.start) / self.stream.time_base)
        try:
            self.container.seek(max(offset, 0), backward=True, any_frame=False, stream=self.stream)
        except Exception:  # noqa: BLE001 - unseekable input: decode from where we are
            pass
        return self._decode()

    def _decode(self):
        import av

        try:
            for frame in self.container.decode(self.stream):
                self.decoded_frames += 1
                yield frame
        except av.EOFError:
            return

    # audio ---------------------------------------------------------------------------------------------------
    def audio(self) -> "AudioReader":
        """The container's first audio track; MediaError when it has none."""
        if not self.has_audio:
            raise MediaError(f"{self.name}: the video has no audio track, and this task needs audio. Pass a "
                             "separate audio file (audio=...) or allow_silent=True to use silence.")
        return PyAVAudio(self.container, self.name, self.limits)

    def close(self) -> None:
        container = getattr(self, "container", None)
        if container is not None:
            container.close()

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ArrayVideo:
    """A :class:`VideoArray` behind the same interface as :class:`VideoReader`."""

    has_audio = False
    keyframes: list[float] = []

    def __init__(self, video: VideoArray, limits: MediaLimits = DEFAULT_LIMITS, name: str = "<frames array>"):
        frames = np.asarray(video.frames)
        self.name = name
        if frames.ndim == 3:
            frames = frames[None]  # one (H, W, 3) image
        if frames.ndim != 4 or frames.shape[-1] != 3:
            raise MediaError(f"{name}: frames must be (T, H, W, 3), got shape {frames.shape}.")
        if frames.shape[0] == 0:
            raise MediaError(f"{name}: the frames array is empty (zero-length video).")
        if frames.dtype != np.uint8:
            if not np.issubdtype(frames.dtype, np.number) or not np.isfinite(frames).all():
                raise MediaError(f"{name}: frames must be uint8 (or finite numbers in 0..255).")
            frames = np.clip(np.rint(frames), 0, 255).astype(np.uint8)
        if not (video.fps and math.isfinite(video.fps) and video.fps > 0):
            raise MediaError(f"{name}: fps must be a positive number, got {video.fps!r}.")
        self.frames, self.fps = frames, float(video.fps)
        self.height, self.width = frames.shape[1:3]
        _check_resolution(self.width, self.height, name, limits)
        self.duration = len(frames) / self.fps
        _check_duration(self.duration, name, limits)

    def frames_at(self, times: Sequence[float], size: tuple[int, int] | None = None) -> np.ndarray:
        index = [min(max(int(math.floor(t * self.fps + 1e-6)), 0), len(self.frames) - 1) for t in times]
        picked = self.frames[index]
        if size is None or picked.shape[1:3] == tuple(size):
            return picked
        from PIL import Image

        return np.stack([np.asarray(Image.fromarray(f).resize((size[1], size[0]), Image.BICUBIC)) for f in picked])

    def audio(self) -> "AudioReader":
        raise MediaError(f"{self.name}: a frames array carries no audio track, and this task needs audio. Pass "
                         "audio=... (a file or (samples, sampling_rate)) or allow_silent=True to use silence.")

    def close(self) -> None:
        pass

    def __enter__(self) -> "ArrayVideo":
        return self

    def __exit__(self, *exc) -> None:
        pass


def open_video(source, limits: MediaLimits = DEFAULT_LIMITS) -> VideoReader | ArrayVideo:
    """A reader for a video path / bytes / file object, or for a frames array (``VideoArray`` or ``(frames, fps)``)."""
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], np.ndarray):
        source = VideoArray(source[0], source[1])
    if isinstance(source, VideoArray):
        return ArrayVideo(source, limits)
    if isinstance(source, np.ndarray):
        raise MediaError("<ndarray>: a frames array needs its frame rate; pass (frames, fps) or VideoArray.")
    if isinstance(source, AudioArray):
        raise MediaError("<AudioArray>: audio-only input for a task that needs a video; pass the video.")
    return VideoReader(source, limits)


def _time(frame, start: float) -> float:
    if frame is None:
        return -math.inf
    return (float(frame.time) if frame.time is not None else 0.0) - start


def _to_rgb(frame, size: tuple[int, int] | None) -> np.ndarray:
    """An av.VideoFrame -> (H, W, 3) uint8, rotated upright, resized to ``size`` (height, width) if given."""
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    if size is not None:
        height, width = size if rotation in (0, 180) else size[::-1]
        image = frame.reformat(width=width, height=height, format="rgb24", interpolation="BICUBIC").to_ndarray()
    else:
        image = frame.to_ndarray(format="rgb24")
    if rotation:
        # ``rotation`` is counter-clockwise degrees of the display matrix; np.rot90 turns counter-clockwise.
        image = np.ascontiguousarray(np.rot90(image, k=rotation // 90))
    return image


# -------------------------------------------------------------------------------------------------------- audio
class AudioReader:
    """16 kHz mono float32 audio: ``duration`` (s) and :meth:`window` (start, end) -> samples."""

    name: str
    duration: float

    def window(self, start: float, end: float) -> np.ndarray:
        """Samples from ``start`` to ``end`` seconds, (round((end - start) * 16000),) float32; silence past the
        end of the audio."""
        raise NotImplementedError

    def windows(self, spans: Sequence[tuple[float, float]]) -> np.ndarray:
        """The windows concatenated in order -> (sum of lengths,) float32."""
        return np.concatenate([self.window(s, e) for s, e in spans]) if spans else np.zeros(0, np.float32)


def _fit(samples: np.ndarray, start_sample: int, count: int) -> np.ndarray:
    """samples[start_sample : start_sample + count], zero-padded where it runs past either end."""
    out = np.zeros(count, np.float32)
    lo, hi = max(start_sample, 0), min(start_sample + count, len(samples))
    if hi > lo:
        out[lo - start_sample : hi - start_sample] = samples[lo:hi]
    return out


class DecodedAudio(AudioReader):
    """Audio already decoded into memory at 16 kHz mono."""

    def __init__(self, samples: np.ndarray, name: str):
        self.samples, self.name = samples, name
        self.duration = len(samples) / SAMPLING_RATE

    def window(self, start: float, end: float) -> np.ndarray:
        return _fit(self.samples, int(round(start * SAMPLING_RATE)), int(round((end - start) * SAMPLING_RATE)))


class PyAVAudio(AudioReader):
    """The first audio stream of a container, decoded on demand (only the span that is asked for)."""

    def __init__(self, container, name: str, limits: MediaLimits):
        self.container, self.name = container, name
        self.stream = container.streams.audio[0]
        self.start = float(self.stream.start_time * self.stream.time_base) if self.stream.start_time else 0.0
        if self.stream.duration:
            self.duration = float(self.stream.duration * self.stream.time_base)
        elif container.duration:
            self.duration = container.duration / 1_000_000 - self.start
        else:
            self.duration = math.nan  # unknown until decoded (e.g. raw .aac): decode it all once
        self._decoded: DecodedAudio | None = None
        if math.isnan(self.duration):
            self._decoded = self._decode_span(0.0, limits.max_duration + 1.0)
            self.duration = self._decoded.duration
        _check_duration(self.duration, name, limits)

    def window(self, start: float, end: float) -> np.ndarray:
        if self._decoded is not None:
            return self._decoded.window(start, end)
        return self.windows([(start, end)])

    def windows(self, spans: Sequence[tuple[float, float]]) -> np.ndarray:
        if not spans:
            return np.zeros(0, np.float32)
        if self._decoded is None:
            # One forward pass over the union of the windows (AAC packets are all seek points).
            lo, hi = min(s for s, _ in spans), min(max(e for _, e in spans), self.duration)
            decoded = self._decode_span(lo, hi) if hi > lo else DecodedAudio(np.zeros(0, np.float32), self.name)
            offset = int(round(lo * SAMPLING_RATE))
            return np.concatenate([
                _fit(decoded.samples, int(round(s * SAMPLING_RATE)) - offset, int(round((e - s) * SAMPLING_RATE)))
                for s, e in spans
            ])
        return np.concatenate([self._decoded.window(s, e) for s, e in spans])

    def _decode_span(self, lo: float, hi: float) -> DecodedAudio:
        """Decode [lo, hi) seconds -> DecodedAudio whose sample 0 is at ``lo`` (trimmed to the stream duration)."""
        import av

        stream = self.stream
        try:  # audio packets are all seek points: land on the packet at or before ``lo``
            self.container.seek(max(int((lo + self.start) / stream.time_base), 0), backward=True, stream=stream)
        except (av.FFmpegError, OSError):
            pass  # unseekable input: decode from where the demuxer is
        resampler = av.AudioResampler(format="fltp", rate=SAMPLING_RATE)  # keeps the layout; averaged below
        chunks: list[np.ndarray] = []
        first_time = None  # seconds of the first decoded sample
        count = 0  # samples decoded so far
        try:
            for frame in self.container.decode(stream):
                if first_time is None:
                    first_time = (float(frame.time) - self.start) if frame.time is not None else 0.0
                frame.pts = None  # samples are placed by counting from first_time
                new = [_mono(out) for out in resampler.resample(frame)]
                chunks += new
                count += sum(len(c) for c in new)
                if first_time + count / SAMPLING_RATE > hi + 0.5:
                    break
            chunks += [_mono(out) for out in resampler.resample(None)]
        except av.EOFError:
            pass
        except (av.FFmpegError, OSError) as error:
            raise MediaError(f"{self.name}: decoding the audio failed ({error}); the file is corrupt or truncated.")
        samples = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
        first_time = first_time if first_time is not None else lo
        # Trim to the stream duration (AAC pads its last frame), then drop what precedes ``lo``.
        if math.isfinite(self.duration):
            samples = samples[: max(int(round((self.duration - first_time) * SAMPLING_RATE)), 0)]
        skip = int(round((lo - first_time) * SAMPLING_RATE))
        samples = samples[skip:] if skip >= 0 else np.concatenate([np.zeros(-skip, np.float32), samples])
        _check_finite(samples, self.name)
        return DecodedAudio(samples, self.name)


def _mono(frame) -> np.ndarray:
    """An av.AudioFrame (planar float) -> (samples,) float32, channels averaged."""
    data = frame.to_ndarray()  # (channels, samples)
    return data.mean(axis=0) if data.shape[0] > 1 else data[0]


class FileAudio(DecodedAudio):
    """A file soundfile reads (wav/flac/ogg/mp3, any bit depth), decoded whole and converted to 16 kHz mono."""

    def __init__(self, opened, name: str, limits: MediaLimits):
        import soundfile

        try:
            with soundfile.SoundFile(opened) as handle:
                _check_duration(handle.frames / handle.samplerate if handle.samplerate else 0.0, name, limits)
                data = handle.read(dtype="float32", always_2d=True)  # (N, C), any PCM depth scaled to [-1, 1]
                rate = handle.samplerate
        except MediaError:
            raise
        except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
            raise MediaError(f"{name}: not a readable audio file ({error}).")
        super().__init__(to_mono_16k(data.T, rate, name), name)


def open_audio(source, limits: MediaLimits = DEFAULT_LIMITS) -> AudioReader:
    """A reader for an audio file / bytes / file object (or a video file's audio track), or for an array
    (``AudioArray`` or ``(samples, sampling_rate)``)."""
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], np.ndarray):
        source = AudioArray(source[0], source[1])
    if isinstance(source, AudioArray):
        name = "<audio array>"
        samples = np.asarray(source.samples)
        if samples.ndim == 2 and samples.shape[0] > samples.shape[1]:
            samples = samples.T  # (N, C) -> (C, N)
        if not source.sampling_rate or source.sampling_rate <= 0:
            raise MediaError(f"{name}: sampling_rate must be a positive integer, got {source.sampling_rate!r}.")
        _check_duration(samples.shape[-1] / source.sampling_rate, name, limits)
        return DecodedAudio(to_mono_16k(samples, int(source.sampling_rate), name), name)
    if isinstance(source, (np.ndarray, VideoArray)):
        raise MediaError(f"{source_name(source)}: an audio array needs its sampling rate; pass "
                         "(samples, sampling_rate) or AudioArray.")
    opened, name = _check_size_and_open(source, limits)
    suffix = os.path.splitext(name)[1].lower() if isinstance(source, (str, os.PathLike)) else ""
    if suffix in SOUNDFILE_SUFFIXES:
        return FileAudio(opened, name, limits)
    if not suffix and not isinstance(source, (str, os.PathLike)):
        try:  # in-memory data: soundfile first (cheap header sniffing), then FFmpeg
            return FileAudio(opened, name, limits)
        except MediaError:
            opened.seek(0)
    container, name = _open_container(opened if not isinstance(source, (str, os.PathLike)) else source, limits)
    if not container.streams.audio:
        container.close()
        raise MediaError(f"{name}: has no audio stream. Pass an audio file or a video with sound.")
    return PyAVAudio(container, name, limits)


def to_mono_16k(samples: np.ndarray, rate: int, name: str = "<audio>") -> np.ndarray:
    """(N,) or (C, N) samples (float in [-1, 1] or integer PCM of any width) at ``rate`` -> (M,) float32 at 16 kHz.

    Channels are averaged; the rate is converted with FFmpeg's swresample.
    """
    samples = np.asarray(samples)
    if samples.ndim not in (1, 2) or samples.shape[-1] == 0:
        raise MediaError(f"{name}: audio must be (samples,) or (channels, samples) and non-empty, "
                         f"got shape {samples.shape}.")
    if np.issubdtype(samples.dtype, np.integer):
        info = np.iinfo(samples.dtype)
        scale = float(max(-info.min, info.max + 1))
        offset = (info.max + 1) / 2 if info.min == 0 else 0.0  # unsigned PCM (8-bit wav) is centred on 128
        samples = (samples.astype(np.float64) - offset) / (scale / 2 if info.min == 0 else scale)
    samples = samples.astype(np.float32, copy=False)
    _check_finite(samples, name)
    mono = samples.mean(axis=0) if samples.ndim == 2 else samples
    if rate == SAMPLING_RATE:
        return np.ascontiguousarray(mono, dtype=np.float32)
    return _resample(mono, rate)


def _resample(mono: np.ndarray, rate: int) -> np.ndarray:
    import av

    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mono[None], dtype=np.float32), format="fltp",
                                       layout="mono")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=SAMPLING_RATE)
    chunks = [f.to_ndarray()[0] for f in resampler.resample(frame)] + [f.to_ndarray()[0] for f in
                                                                      resampler.resample(None)]
    out = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return out[: int(round(len(mono) * SAMPLING_RATE / rate))].astype(np.float32)


def _check_finite(samples: np.ndarray, name: str) -> None:
    if samples.size and not np.isfinite(samples).all():
        raise MediaError(f"{name}: the audio holds NaN or infinite samples; clean the signal before passing it.")


def silence(seconds: float) -> np.ndarray:
    """(round(seconds * 16000),) zeros: the stand-in for a missing audio track with allow_silent=True."""
    return np.zeros(int(round(seconds * SAMPLING_RATE)), np.float32)


__all__ = [
    "DEFAULT_LIMITS", "SAMPLING_RATE", "AudioArray", "AudioReader", "MediaLimits", "VideoArray", "VideoReader",
    "open_audio", "open_video", "silence", "source_name", "to_mono_16k",
]
