"""AV-Synth scenes: what is on screen, what sounds, and when. Pure data plus deterministic geometry.

A :class:`Scene` lasts ``duration`` seconds and holds objects (a shape with a colour and a motion, visible over
some seconds, maybe making a sound over some seconds), optionally an expressive face and a voice. The renderers
(:mod:`.render_video`, :mod:`.render_audio`) and the annotations (:mod:`.annotate`) all read the same scene,
so masks, boxes, event times and answers agree with the media by construction.

Coordinates are fractions of the (square) frame: x to the right, y downwards, radius as a fraction of the side.
Every random choice goes through a ``numpy.random.Generator`` passed in by the caller (see :func:`scene_rng`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import numpy as np

# ------------------------------------------------------------------------------------------------ vocabulary
SHAPES = ("circle", "square", "triangle", "diamond", "cross")
# A shape is a kind of object. Every kind has its own colour and its own kind of sound (as a dog looks like a dog and
# barks): hearing the sound names the kind, and the colour finds it in the picture. At 112 px (4 x 4 tokens per
# frame pair) a small vision encoder reads colours at once and shapes only after thousands of steps
# (benchmarks/vision_probe.py), so without the colour the sounding object could be heard but not found.
COLOUR_OF_SHAPE = {"circle": "red", "square": "green", "triangle": "blue", "diamond": "yellow", "cross": "purple"}
SOUND_OF_SHAPE = {"circle": "tone", "square": "noise", "triangle": "chirp", "diamond": "clicks", "cross": "warble"}
SOUND_WORDS = {  # how captions and reasoning name each kind of sound
    "tone": "a steady tone", "noise": "noise bursts", "chirp": "rising chirps", "clicks": "a clicking rhythm",
    "warble": "a warbling tone",
}
PITCH_RANGE = {"tone": (330.0, 660.0), "noise": (0.0, 0.0), "chirp": (500.0, 900.0), "clicks": (900.0, 1500.0),
               "warble": (250.0, 450.0)}
COLOURS = {
    "red": (220, 50, 50), "green": (60, 190, 80), "blue": (60, 110, 235), "yellow": (235, 210, 50),
    "purple": (165, 80, 210), "white": (240, 240, 240),
}
MOTIONS = ("static", "sliding", "bouncing", "orbiting", "pulsing", "shaking")
MOTION_WORDS = {"static": "stays still", "sliding": "slides sideways", "bouncing": "bounces up and down",
                "orbiting": "moves in a circle", "pulsing": "grows and shrinks", "shaking": "shakes"}
# Motion periods (seconds) are kept away from multiples of 1 s so that one frame per second (the clip policy)
# still shows the motion instead of aliasing it away.
MOTION_PERIOD = {"sliding": 7.3, "bouncing": 2.3, "orbiting": 3.7, "pulsing": 2.9, "shaking": 0.37}
EMOTIONS = ("happy", "sad", "angry", "neutral")
# Half-size of an object as a fraction of the frame side. At the shipped model's 112 px frames an object spans
# 2-3 of the 4 x 4 video tokens of a frame pair (half-size ~0.1, the first AV-Synth's, covers about one).
OBJECT_RADIUS = (0.13, 0.17)
SAMPLE_RATE = 16_000


def scene_rng(seed: int, *keys: object) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``keys`` (e.g. task, split, index): adding tasks or
    clips never changes the others."""
    words = [int(seed) & 0xFFFFFFFF] + [zlib.crc32(str(key).encode()) for key in keys]
    return np.random.default_rng(words)


# ------------------------------------------------------------------------------------------------ scene parts
@dataclass(frozen=True)
class Sound:
    """A sound of ``kind`` playing over ``[onset, offset)`` seconds (whole seconds, so segments are exact)."""

    kind: str
    onset: float
    offset: float
    pitch: float = 440.0
    loudness: float = 0.5

    def active(self, t: float) -> bool:
        return self.onset <= t < self.offset


@dataclass(frozen=True)
class SceneObject:
    """A shape on screen over ``visible`` seconds (None: never on screen, an off-screen sound source)."""

    shape: str
    colour: str
    motion: str
    x: float
    y: float
    radius: float
    phase: float = 0.0
    visible: tuple[float, float] | None = (0.0, 1e9)
    sound: Sound | None = None

    @property
    def name(self) -> str:
        return self.shape

    @property
    def described(self) -> str:
        return f"{self.colour} {self.shape}"

    def on_screen(self, t: float) -> bool:
        return self.visible is not None and self.visible[0] <= t < self.visible[1]

    def sounding(self, t: float) -> bool:
        return self.sound is not None and self.sound.active(t)


@dataclass(frozen=True)
class Face:
    """A cartoon face showing ``emotion`` (eyebrows and mouth), centred at (x, y)."""

    emotion: str
    x: float = 0.5
    y: float = 0.5
    radius: float = 0.32
    skin: tuple[int, int, int] = (235, 190, 150)


@dataclass(frozen=True)
class Voice:
    """A voice-like harmonic sound whose pitch contour and rhythm carry ``emotion`` (prosody)."""

    emotion: str
    onset: float
    offset: float
    base_pitch: float = 180.0


@dataclass(frozen=True)
class Scene:
    duration: float
    objects: tuple[SceneObject, ...] = ()
    face: Face | None = None
    voice: Voice | None = None
    background: tuple[int, int, int] = (40, 40, 48)
    noise_seed: int = 0
    extras: dict = field(default_factory=dict, compare=False)

    def visible_objects(self) -> list[SceneObject]:
        return [o for o in self.objects if o.visible is not None]

    def sounding_objects(self) -> list[SceneObject]:
        return [o for o in self.objects if o.sound is not None]

    def with_objects(self, objects) -> "Scene":
        return replace(self, objects=tuple(objects))


# ------------------------------------------------------------------------------------------------ geometry
def object_state(obj: SceneObject, t: float) -> tuple[float, float, float] | None:
    """(x, y, radius) of ``obj`` at ``t`` seconds in frame fractions, or None when it is not on screen."""
    if not obj.on_screen(t):
        return None
    x, y, r = obj.x, obj.y, obj.radius
    period = MOTION_PERIOD.get(obj.motion, 1.0)
    angle = 2 * np.pi * t / period + obj.phase
    if obj.motion == "sliding":  # back and forth at constant speed (triangle wave), amplitude 0.22
        x += 0.22 * (2 * abs(((t / period + obj.phase / (2 * np.pi)) % 1.0) * 2 - 1) - 1)
    elif obj.motion == "bouncing":  # hops up from its resting height
        y -= 0.22 * abs(np.sin(angle / 2))
    elif obj.motion == "orbiting":
        x += 0.15 * np.cos(angle)
        y += 0.15 * np.sin(angle)
    elif obj.motion == "pulsing":
        r *= 1.0 + 0.4 * np.sin(angle)
    elif obj.motion == "shaking":
        x += 0.035 * np.sin(angle * 3.1)
        y += 0.035 * np.sin(angle * 1.7 + 1.0)
    x, y = min(max(x, r), 1.0 - r), min(max(y, r), 1.0 - r)  # always whole on screen
    return float(x), float(y), float(r)


def motion_envelope(motion: str, t: np.ndarray, phase: float) -> np.ndarray:
    """Loudness (0..1, shape (n,)) of a sound made by an object moving with ``motion``: the sound follows the
    movement (a hop at each landing, louder when bigger, a fast tremolo when shaking), so the audio says how the
    sounding object moves and which object in the picture it is."""
    period = MOTION_PERIOD.get(motion, 1.0)
    angle = 2 * np.pi * t / period + phase
    if motion == "bouncing":  # loud at each landing (|sin| = 0), decaying while in the air
        since_landing = ((angle / 2) % np.pi) / np.pi * period
        return 0.25 + 0.75 * np.exp(-since_landing / 0.25)
    if motion == "pulsing":
        return 0.55 + 0.45 * np.sin(angle)
    if motion == "orbiting":
        return 0.65 + 0.35 * np.cos(angle)
    if motion == "shaking":
        return 0.6 + 0.4 * np.sign(np.sin(2 * np.pi * 9.0 * t))
    if motion == "sliding":
        return 0.5 + 0.5 * abs(((t / period + phase / (2 * np.pi)) % 1.0) * 2 - 1)
    return np.ones_like(t)


# ------------------------------------------------------------------------------------------------ sampling
def sample_object(rng: np.random.Generator, *, shape: str | None = None, colour: str | None = None,
                  motion: str | None = None, slot: tuple[float, float] | None = None,
                  visible: tuple[float, float] | None = (0.0, 1e9), sound: Sound | None = None) -> SceneObject:
    """A random object, coloured as its kind (:data:`COLOUR_OF_SHAPE`) unless ``colour`` is given; ``slot`` is the
    (x, y) centre it moves around (chosen by :func:`layout_slots`)."""
    shape = shape or str(rng.choice(SHAPES))
    x, y = slot if slot is not None else (float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.35, 0.7)))
    return SceneObject(
        shape=shape, colour=colour or COLOUR_OF_SHAPE[shape], motion=motion or str(rng.choice(MOTIONS)),
        x=x, y=y, radius=float(rng.uniform(*OBJECT_RADIUS)), phase=float(rng.uniform(0, 2 * np.pi)),
        visible=visible, sound=sound)


def layout_slots(rng: np.random.Generator, count: int) -> list[tuple[float, float]]:
    """Centres for ``count`` objects that never overlap: the frame is cut into ``count`` vertical bands (left to
    right) and each object moves inside its own band; the order of bands is shuffled."""
    if count <= 0:
        return []
    width = 1.0 / count
    centres = [((i + 0.5) * width, float(rng.uniform(0.45, 0.62))) for i in range(count)]
    order = rng.permutation(count)
    return [centres[i] for i in order]


def sample_sound(rng: np.random.Generator, shape: str, onset: float, offset: float) -> Sound:
    kind = SOUND_OF_SHAPE[shape]
    low, high = PITCH_RANGE[kind]
    return Sound(kind=kind, onset=float(onset), offset=float(offset), pitch=float(rng.uniform(low, high)),
                 loudness=float(rng.uniform(0.35, 0.55)))


def sample_span(rng: np.random.Generator, duration: int, min_len: int = 2, max_len: int | None = None
                ) -> tuple[int, int]:
    """A whole-second span ``[start, end)`` inside ``[0, duration]`` lasting ``min_len``..``max_len`` seconds."""
    max_len = min(max_len or duration, duration)
    length = int(rng.integers(min_len, max_len + 1))
    start = int(rng.integers(0, duration - length + 1))
    return start, start + length


def distinct(rng: np.random.Generator, pool, count: int, exclude=()) -> list[str]:
    """``count`` different items of ``pool`` (not in ``exclude``), in random order."""
    items = [p for p in pool if p not in set(exclude)]
    return [str(items[i]) for i in rng.permutation(len(items))[:count]]


def sample_background(rng: np.random.Generator) -> tuple[int, int, int]:
    base = int(rng.integers(25, 70))
    tint = rng.integers(-12, 13, size=3)
    return tuple(int(np.clip(base + d, 0, 255)) for d in tint)
