"""Per-task media policies: which frames and which audio windows a task samples from a clip.

A policy is data (it lives with its task in the task registry); :meth:`MediaPolicy.frame_times` and
:meth:`MediaPolicy.audio_windows` turn it into concrete seconds for one clip, and the processor only executes
those. Release policies (shared/REFERENCE.md section 3):

=====================  ============================  =============================================
policy                 frames                        audio
=====================  ============================  =============================================
CLIP_10S               10, uniform (linspace)        ten 1 s segments over the first 10 s
MUSIC_AVQA             10, uniform                   ten 2 s windows centred at 0, 6, ..., 54 s
EMOTION                4, uniform                    the first 4 s (four 1 s segments)
FRAME_AT_INDEX         1: the frame at ``frame_idx``  the 1 s segment at ``frame_idx``
ARIG                   1: the frame at ``frame_idx``  five 1 s segments (the first 5 s)
=====================  ============================  =============================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MediaPolicy:
    """How to sample one clip.

    name: policy name (for reports).
    num_frames: frames to sample; ``frame_at_index`` samples one frame at ``frame_idx`` seconds instead.
    audio_window_seconds: length of each audio window.
    audio_window_centres: explicit window centres in seconds (MUSIC-AVQA); otherwise ``num_audio_windows``
        consecutive windows from ``audio_start`` (or from ``frame_idx`` when ``audio_at_index``).
    The sampled windows are concatenated into one audio stream of ``total_audio_seconds``.
    """

    name: str
    num_frames: int
    num_audio_windows: int
    audio_window_seconds: float = 1.0
    audio_window_centres: tuple[float, ...] | None = None
    audio_start: float = 0.0
    frame_at_index: bool = False
    audio_at_index: bool = False

    @property
    def total_audio_seconds(self) -> float:
        count = len(self.audio_window_centres) if self.audio_window_centres else self.num_audio_windows
        return count * self.audio_window_seconds

    @property
    def needs_frame_idx(self) -> bool:
        return self.frame_at_index or self.audio_at_index

    def frame_times(self, duration: float, frame_idx: int | None = None) -> list[float]:
        """Seconds of the frames to sample from a clip of ``duration`` seconds.

        Uniform sampling takes the centres of ``num_frames`` equal parts of the clip, so a 10 s clip at 10
        frames gives 0.5, 1.5, ..., 9.5 s (one frame per 1 s segment, aligned with the audio segments).
        """
        if self.frame_at_index:
            index = self._checked_index(frame_idx, duration)
            return [min(index + 0.5, max(duration - 1e-3, 0.0))]
        edges = np.linspace(0.0, duration, self.num_frames + 1)
        return [float(t) for t in (edges[:-1] + edges[1:]) / 2]

    def audio_windows(self, duration: float, frame_idx: int | None = None) -> list[tuple[float, float]]:
        """(start, end) seconds of each audio window; windows past the end of the clip are padded with silence
        by the processor (a clip shorter than the policy still yields ``total_audio_seconds`` of audio)."""
        length = self.audio_window_seconds
        if self.audio_window_centres:
            return [(max(c - length / 2, 0.0), max(c - length / 2, 0.0) + length) for c in self.audio_window_centres]
        start = float(self._checked_index(frame_idx, duration)) if self.audio_at_index else self.audio_start
        return [(start + i * length, start + (i + 1) * length) for i in range(self.num_audio_windows)]

    def _checked_index(self, frame_idx: int | None, duration: float) -> int:
        from ..errors import MediaError

        if frame_idx is None:
            raise MediaError(f"the {self.name} policy samples the frame at frame_idx; pass frame_idx=<second>.")
        if not 0 <= frame_idx < max(duration, 1e-9):
            raise MediaError(
                f"frame_idx={frame_idx} is outside the clip, which lasts {duration:.2f} s "
                f"(valid: 0..{max(int(np.ceil(duration)) - 1, 0)})."
            )
        return int(frame_idx)


CLIP_10S = MediaPolicy("clip_10s", num_frames=10, num_audio_windows=10)
MUSIC_AVQA = MediaPolicy(
    "music_avqa", num_frames=10, num_audio_windows=10, audio_window_seconds=2.0,
    audio_window_centres=tuple(float(t) for t in range(0, 60, 6)),
)
EMOTION = MediaPolicy("emotion", num_frames=4, num_audio_windows=4)
FRAME_AT_INDEX = MediaPolicy("frame_at_index", num_frames=1, num_audio_windows=1, frame_at_index=True,
                             audio_at_index=True)
ARIG = MediaPolicy("arig", num_frames=1, num_audio_windows=5, frame_at_index=True)

POLICIES = {p.name: p for p in (CLIP_10S, MUSIC_AVQA, EMOTION, FRAME_AT_INDEX, ARIG)}
