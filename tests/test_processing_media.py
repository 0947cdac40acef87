"""Decoding real generated files: sampled frames, audio tracks, resampling, limits and every bad input."""

import av
import numpy as np
import pytest
import soundfile

from crab_plus.errors import MediaError
from crab_plus.processing.media import MediaLimits, Video, audio_windows, load_audio
from crab_plus.testing import indexed_frames, sine_tone, write_test_video, write_test_wav


def _index(frame: np.ndarray) -> int:
    return int(round(float(np.median(frame[..., 0])) / 8))


def test_frames_at_returns_the_frame_shown_at_each_time(tmp_path):
    path = write_test_video(tmp_path / "clip.mp4", seconds=3.0, fps=8)
    with Video(path) as clip:
        assert clip.duration == pytest.approx(3.0, abs=0.15) and clip.fps == 8
        times = [0.0, 0.3, 1.55, 2.9, 0.1]  # any order
        assert [_index(f) for f in clip.frames_at(times)] == [0, 2, 12, 23, 0]


def test_short_clip_repeats_its_last_frame_and_bytes_and_file_objects_work(tmp_path):
    path = write_test_video(tmp_path / "short.mp4", seconds=1.0, fps=4)
    with open(path, "rb") as handle, Video(handle.read()) as clip:  # bytes
        assert [_index(f) for f in clip.frames_at([0.1, 5.0, 9.0])] == [0, 3, 3]
    with open(path, "rb") as handle, Video(handle) as clip:
        assert len(clip.frames_at([0.5])) == 1


def _panning_clip(path, frames: int = 60, fps: float = 25, **codec) -> str:
    """A textured field panning 1 px per frame: libx264 codes it with B-frames (IBBBP...)."""
    from crab_plus.processing.encode import write_video

    rng = np.random.default_rng(0)
    field = np.repeat(rng.integers(0, 255, (48, 40, 3), dtype=np.uint8), 4, axis=1)  # (48, 160, 3)
    return write_video(path, np.stack([field[:, i:i + 64] for i in range(frames)]), fps, **codec)


def _vfr_clip(path) -> str:
    """The panning field at 25 fps with a 2 s gap after frame 19 (a B-frame then shown from 0.76 s to 2.8 s)."""
    from fractions import Fraction

    rng = np.random.default_rng(0)
    field = np.repeat(rng.integers(0, 255, (48, 40, 3), dtype=np.uint8), 4, axis=1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 25)
        for i in range(40):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(field[:, i:i + 64]), format="rgb24")
            frame.pts, frame.time_base = (i if i < 20 else i + 50), Fraction(1, 25)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def _shown_frames(path, times, size=None):
    """The reference: decode every frame in order and take the last one starting at or before each time."""
    with av.open(str(path)) as container:
        decoded = [(float(f.time), f) for f in container.decode(video=0)]
    picks = [[f for t, f in decoded if t <= time + 1e-6][-1] for time in times]
    if size:
        picks = [f.reformat(width=size, height=size, format="rgb24", interpolation="BICUBIC") for f in picks]
    return [f.to_ndarray(format="rgb24") for f in picks]


@pytest.mark.parametrize("keyframe_interval", [None, 0.5])
def test_seeking_and_b_frame_skipping_return_exactly_the_frames_a_full_decode_shows(tmp_path, keyframe_interval):
    path = _panning_clip(tmp_path / "pan.mp4", keyframe_interval=keyframe_interval)
    with av.open(str(path)) as container:
        assert 3 in {f.pict_type for f in container.decode(video=0)}  # B-frames, so skipping is exercised
    times = [0.0, 0.33, 0.9, 0.95, 1.5, 2.2, 2.39, 5.0, 9.5]  # the last two: past the end (the last frame)
    with Video(path) as clip:
        got = clip.frames_at(times)
        scaled = clip.frames_at(times[:4], size=(28, 28))
    for frame, expected in zip(got, _shown_frames(path, times)):
        np.testing.assert_array_equal(frame, expected)
    for frame, expected in zip(scaled, _shown_frames(path, times[:4], size=28)):
        np.testing.assert_array_equal(frame, expected)


def test_a_skipped_frame_shown_across_a_variable_rate_gap_is_decoded_again(tmp_path):
    path = _vfr_clip(tmp_path / "vfr.mp4")
    times = [0.5, 2.5, 2.9]  # 2.5 s: inside the gap, the frame shown is the B-frame at 0.76 s
    with Video(path) as clip:
        got = clip.frames_at(times)
    for frame, expected in zip(got, _shown_frames(path, times)):
        np.testing.assert_array_equal(frame, expected)


def test_frame_arrays_need_their_fps():
    frames = indexed_frames(2.0, 4)
    with Video(frames, fps=4) as clip:
        assert clip.duration == 2.0 and _index(clip.frames_at([1.3])[0]) == 5
    with pytest.raises(MediaError, match="video_fps"):
        Video(frames)


def test_rotation_metadata_is_applied_and_odd_sizes_decode(tmp_path):
    path = tmp_path / "rotated.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=4)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.set_display_rotation(90)
        for frame in indexed_frames(1.0, 4, (64, 48)):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    with Video(path) as clip:
        assert clip.frames_at([0.2])[0].shape == (64, 48, 3)
    odd = write_test_video(tmp_path / "odd.webm", seconds=1.0, fps=4, size=(35, 27), video_codec="libvpx-vp9",
                           audio_codec="libopus", sample_rate=48000)
    with Video(odd) as clip:
        assert clip.frames_at([0.5])[0].shape == (27, 35, 3)


def test_audio_track_of_a_video_is_16k_mono_trimmed_to_the_stream(tmp_path):
    path = write_test_video(tmp_path / "clip.mp4", seconds=2.0, fps=4, sample_rate=44100)
    audio = load_audio(path)
    assert audio.dtype == np.float32 and len(audio) == 32000  # AAC padding trimmed
    spectrum = np.abs(np.fft.rfft(audio[4000:20000]))  # 1 s of audio: 1 Hz per bin
    assert abs(int(np.argmax(spectrum)) - 440) <= 2  # the 440 Hz tone survived the resampling


@pytest.mark.parametrize("suffix, subtype", [(".wav", "PCM_16"), (".wav", "PCM_24"), (".wav", "PCM_32"),
                                             (".wav", "PCM_U8"), (".flac", "PCM_16"), (".ogg", None), (".m4a", None)])
def test_audio_files_of_any_depth_rate_and_layout(tmp_path, suffix, subtype):
    path = write_test_wav(tmp_path / f"tone{suffix}", seconds=1.0, sample_rate=22050, channels=2,
                          subtype=subtype or "PCM_16")
    audio = load_audio(path)
    assert audio.ndim == 1 and abs(len(audio) - 16000) <= 400 and 0.3 < np.abs(audio).max() <= 1.0


def test_audio_arrays_and_windows():
    audio = load_audio(sine_tone(2.0, 8000), 8000)
    assert len(audio) == 32000
    windows = audio_windows(audio, [(0.0, 1.0), (1.5, 2.5)])
    assert len(windows) == 32000 and np.all(windows[-8000:] == 0)  # past the end: silence
    with pytest.raises(MediaError, match="sampling rate"):
        load_audio(sine_tone(1.0))


def test_bad_inputs_name_the_file_and_the_problem(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        Video(tmp_path / "missing.mp4")
    (tmp_path / "text.mp4").write_text("this is not a video")
    with pytest.raises(MediaError, match="text.mp4: not a media file"):
        Video(tmp_path / "text.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        Video(tmp_path / "empty.mp4")
    good = write_test_video(tmp_path / "good.mp4", seconds=2.0, fps=8)
    data = open(good, "rb").read()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaError, match="cut.mp4"):
        with Video(tmp_path / "cut.mp4") as clip:
            clip.frames_at([1.9])
    silent = write_test_video(tmp_path / "silent.mp4", seconds=1.0, audio=False)
    with pytest.raises(MediaError, match="no audio track"):
        load_audio(silent)
    wav = write_test_wav(tmp_path / "only_audio.wav")
    with pytest.raises(MediaError, match="not a media file|no video stream"):
        Video(wav)
    soundfile.write(tmp_path / "nan.wav", np.full(1000, np.nan, np.float32), 16000, subtype="FLOAT")
    with pytest.raises(MediaError, match="NaN"):
        load_audio(tmp_path / "nan.wav")
    soundfile.write(tmp_path / "zero.wav", np.zeros(0, np.float32), 16000)
    with pytest.raises(MediaError, match="zero length|no samples|empty"):
        load_audio(tmp_path / "zero.wav")


def test_limits_refuse_before_decoding(tmp_path):
    path = write_test_video(tmp_path / "clip.mp4", seconds=3.0, fps=4)
    with pytest.raises(MediaError, match="over the limit"):
        Video(path, limits=MediaLimits(max_seconds=2.0))
    with pytest.raises(MediaError, match="pixels"):
        Video(path, limits=MediaLimits(max_pixels=100))
    with pytest.raises(MediaError, match="exceeds the limit"):
        load_audio(path, limits=MediaLimits(max_bytes=100))


def test_sampling_decodes_a_fraction_of_the_stream_and_matches_a_full_decode(tmp_path):
    # 12 s at 8 fps with a keyframe every second: seeks skip whole GOPs, non-reference frames far from a sampled
    # time are skipped, and what comes out is exactly what a full decode shows at those times.
    path = write_test_video(tmp_path / "long.mp4", seconds=12.0, fps=8, audio=False, keyframe_interval=1.0)
    times = [1.1, 5.6, 5.7, 9.2, 11.95, 0.0]
    with Video(path) as clip:
        sparse = clip.frames_at(times)
        assert clip.decoded_frames < 96 // 2  # 96 frames in the clip
    with av.open(str(path)) as container:
        every = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    expected = [int(t * 8) for t in times]
    for frame, index in zip(sparse, expected):
        np.testing.assert_array_equal(frame, every[index])


def test_variable_frame_rate_is_sampled_by_timestamps(tmp_path):
    path = str(tmp_path / "vfr.mkv")
    shown_at = [0.0, 0.1, 0.2, 1.5, 1.6, 3.0]  # seconds; a long gap between 0.2 and 1.5
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for t, image in zip(shown_at, indexed_frames(6 / 4, 4, (64, 48))):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = int(round(t * 10))
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with Video(path) as clip:
        assert [_index(f) for f in clip.frames_at([0.05, 1.0, 1.55, 2.9, 3.05])] == [0, 2, 3, 4, 5]


def test_frames_are_resized_while_converting(tmp_path):
    rotated = write_test_video(tmp_path / "rot.mp4", seconds=0.5, fps=4, size=(64, 48), audio=False, rotation=90)
    with Video(rotated) as clip:
        upright = clip.frames_at([0.0], size=(32, 16))[0]
    assert upright.shape == (32, 16, 3)
    # indexed_frames' blue ramps left -> right; turned 90 degrees counter-clockwise it ramps bottom -> top.
    assert upright[-1, 0, 2] < 40 and upright[0, 0, 2] > 215
    with Video(indexed_frames(1.0, 4, (64, 48)), fps=4) as clip:
        assert clip.frames_at([0.6], size=(28, 28))[0].shape == (28, 28, 3)


def test_audio_decoding_stops_at_until_and_matches_the_full_track(tmp_path):
    path = write_test_video(tmp_path / "long.mp4", seconds=8.0, fps=2, tone_hz=300.0)
    full = load_audio(path)
    head = load_audio(path, until=2.0)
    assert len(full) == 8 * 16000
    assert 2 * 16000 <= len(head) < 4 * 16000  # stopped well before the end of the track
    np.testing.assert_array_equal(head[: 2 * 16000], full[: 2 * 16000])
