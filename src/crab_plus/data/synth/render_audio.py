"""Scene -> mono float32 audio at 16 kHz: every sounding object's sound (shaped by its motion) and the voice.

Each sound is exactly silent outside its ``[onset, offset)`` (with 10 ms fades inside it), so the one-second
segments the annotations call audible are the ones that carry sound.
"""

from __future__ import annotations

import numpy as np

from .scene import SAMPLE_RATE, Scene, SceneObject, Voice, motion_envelope

_FADE = 0.01  # seconds of fade in/out at each onset and offset


def render_audio(scene: Scene, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The scene's soundtrack, (round(duration * sample_rate),) float32 in [-1, 1]."""
    count = int(round(scene.duration * sample_rate))
    t = np.arange(count, dtype=np.float64) / sample_rate  # (n,) seconds
    rng = np.random.default_rng(scene.noise_seed)
    mix = 0.002 * rng.standard_normal(count)  # faint room noise, so silence is not digital zero
    for obj in scene.sounding_objects():
        mix += _object_sound(obj, t, rng)
    if scene.voice is not None:
        mix += _voice(scene.voice, t, rng, sample_rate)
    peak = float(np.max(np.abs(mix))) if count else 0.0
    if peak > 0.95:
        mix *= 0.95 / peak
    return mix.astype(np.float32)


def _gate(onset: float, offset: float, t: np.ndarray) -> np.ndarray:
    """1 inside [onset, offset) with linear fades of _FADE seconds at both ends, 0 outside. Shape (n,)."""
    rise = np.clip((t - onset) / _FADE, 0.0, 1.0)
    fall = np.clip((offset - t) / _FADE, 0.0, 1.0)
    return np.where((t >= onset) & (t < offset), np.minimum(rise, fall), 0.0)


def _object_sound(obj: SceneObject, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sound = obj.sound
    gate = _gate(sound.onset, sound.offset, t)
    local = t - sound.onset
    f = sound.pitch
    if sound.kind == "tone":
        wave = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)
    elif sound.kind == "noise":  # bursts: 0.3 s of noise every 0.5 s
        wave = 1.4 * rng.uniform(-1.0, 1.0, t.shape) * ((local % 0.5) < 0.3)
    elif sound.kind == "chirp":  # a rising sweep f -> 2f every 0.5 s (phase = integral of frequency)
        u = local % 0.5
        wave = np.sin(2 * np.pi * (f * u + f * u * u))
    elif sound.kind == "clicks":  # a rhythm: a short decaying beep every 0.25 s
        u = local % 0.25
        wave = 2.5 * np.sin(2 * np.pi * f * t) * np.exp(-u / 0.04)
    elif sound.kind == "warble":  # vibrato of +-8 % at 6 Hz
        wave = np.sin(2 * np.pi * f * t + 0.08 * f / 6.0 * np.sin(2 * np.pi * 6.0 * t))
    else:
        raise ValueError(f"unknown sound kind {sound.kind!r}")
    return sound.loudness * gate * motion_envelope(obj.motion, t, obj.phase) * wave


# Prosody per emotion: (pitch factor at start, at end of each syllable, syllables per second, loudness, roughness)
_PROSODY = {
    "happy": (1.15, 1.6, 4.0, 0.6, 0.0),     # high, rising, quick
    "sad": (0.95, 0.7, 1.5, 0.3, 0.0),       # low, falling, slow, quiet
    "angry": (1.3, 1.2, 5.0, 0.7, 0.25),     # high, flat, fast, loud and harsh
    "neutral": (1.0, 1.0, 2.5, 0.45, 0.0),   # flat
}


def _voice(voice: Voice, t: np.ndarray, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """Voiced syllables (a harmonic buzz) whose pitch glides from start to end factor within each syllable."""
    start, end, rate, loudness, rough = _PROSODY[voice.emotion]
    gate = _gate(voice.onset, voice.offset, t)
    position = (t - voice.onset) * rate % 1.0  # 0..1 within the current syllable
    voiced = position < 0.7  # each syllable: 70 % voiced, then a pause
    progress = np.clip(position / 0.7, 0.0, 1.0)
    pitch = voice.base_pitch * (start + (end - start) * progress)  # (n,) Hz
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    buzz = sum(np.sin(k * phase) / k for k in (1, 2, 3, 4)) / 2.08  # peak about 1
    if rough:
        buzz = buzz + rough * rng.uniform(-1.0, 1.0, t.shape)
    syllable_shape = np.sin(np.pi * progress) ** 0.5
    return loudness * gate * voiced * syllable_shape * buzz
