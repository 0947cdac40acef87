"""Media decoding on real files written with PyAV and soundfile: frames at times, audio windows, every bad input."""

import io

import av
import numpy as np
import pytest
import soundfile

from crab_plus.errors import MediaError
from crab_plus.processing.encode import write_audio, write_video
from crab_plus.processing.media import (
    AudioArray,
    MediaLimits,
    VideoArray,
    open_audio,
    open_video,
    to_mono_16k,
)
from crab_plus.testing import indexed_frames, sine_tone, write_test_video, write_test_wav


def red_index(frames: np.ndarray) -> list[int]:
    """Which indexed_frames frame each decoded frame is (red level = 8 * index)."""
    return [int(round(np.median(f[..., 0]) / 8)) for f in frames]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """3 s, 4 fps, 64x48 h264 + aac tone, a keyframe every second."""
    return write_test_video(tmp_path_factory.mktemp("media") / "clip.mp4", seconds=3.0, fps=4,
                            keyframe_interval=1.0)


def test_frames_on_screen_at_the_sampled_times(clip):
    with open_video(clip) as video:
        assert video.duration == pytest.approx(3.0) and video.fps == 4.0 and (video.width, video.height) == (64, 48)
        frames = video.frames_at([0.1, 2.9, 1.3, 0.5, 7.0])  # unsorted, one past the end
    assert frames.shape == (5, 48, 64, 3) and frames.dtype == np.uint8
    assert red_index(frames) == [0, 11, 5, 2, 11]  # past the end -> the last frame


def test_seeking_decodes_less_than_the_whole_stream_and_matches_a_full_decode(tmp_path):
    path = write_test_video(tmp_path / "long.mp4", seconds=12.0, fps=4, audio=False, keyframe_interval=1.0)
    times = [1.1, 5.6, 9.2, 11.7]
    with open_video(path) as video:
        sparse = video.frames_at(times)
        assert video.decoded_frames < 48 // 2  # 48 frames in the clip
    with av.open(path) as container:
        every = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert red_index(sparse) == [i % 32 for i in (4, 22, 36, 46)]  # the red level wraps every 32 frames
    np.testing.assert_array_equal(sparse, np.stack([every[i] for i in (4, 22, 36, 46)]))


def test_variable_frame_rate_is_sampled_by_timestamps(tmp_path):
    path = str(tmp_path / "vfr.mkv")
    shown_at = [0.0, 0.1, 0.2, 1.5, 1.6, 3.0]  # seconds; a long gap between 0.2 and 1.5
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i, (t, image) in enumerate(zip(shown_at, indexed_frames(6 / 4, 4, (64, 48)))):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = int(round(t * 10))
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with open_video(path) as video:
        assert red_index(video.frames_at([0.05, 1.0, 1.55, 2.9, 3.05])) == [0, 2, 3, 4, 5]


def test_rotation_metadata_turns_frames_upright(tmp_path):
    path = write_test_video(tmp_path / "rot.mp4", seconds=0.5, fps=4, size=(64, 48), audio=False, rotation=90)
    with open_video(path) as video:
        frame = video.frames_at([0.0])[0]
        resized = video.frames_at([0.0], size=(32, 16))[0]
    assert frame.shape == (64, 48, 3) and resized.shape == (32, 16, 3)
    # indexed_frames' blue ramps left -> right; turned 90 degrees counter-clockwise it ramps bottom -> top.
    assert frame[-1, 0, 2] < 20 and frame[0, 0, 2] > 235 and frame[0, -1, 2] > 235


def test_odd_frame_sizes_decode_and_resize(tmp_path):
    path = write_video(tmp_path / "odd.mkv", indexed_frames(1.0, 4, (33, 21)), 4, video_codec="mpeg4")
    with open_video(path) as video:
        assert (video.width, video.height) == (33, 21)
        assert video.frames_at([0.6]).shape == (1, 21, 33, 3)
        assert video.frames_at([0.6], size=(28, 28)).shape == (1, 28, 28, 3)


def test_short_clip_repeats_frames(tmp_path):
    path = write_test_video(tmp_path / "short.mp4", seconds=0.75, fps=4, audio=False)  # 3 frames
    with open_video(path) as video:
        times = list(np.linspace(0, video.duration, 11)[:-1] + video.duration / 20)
        assert red_index(video.frames_at(times)) == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]  # frame k shows [k/4, (k+1)/4)


def test_bytes_file_objects_and_arrays_give_the_same_frames(clip):
    with open(clip, "rb") as handle:
        data = handle.read()
    with open_video(clip) as a, open_video(data) as b, open_video(io.BytesIO(data)) as c:
        np.testing.assert_array_equal(a.frames_at([1.3]), b.frames_at([1.3]))
        np.testing.assert_array_equal(a.frames_at([2.2]), c.frames_at([2.2]))
    frames = indexed_frames(2.0, 4, (64, 48))
    with open_video((frames, 4.0)) as array:
        assert array.duration == 2.0 and red_index(array.frames_at([0.0, 1.3, 9.0])) == [0, 5, 7]
        assert array.frames_at([0.0], size=(28, 28)).shape == (1, 28, 28, 3)


def test_audio_track_of_a_video_is_16k_mono_trimmed_to_the_stream(tmp_path):
    path = write_test_video(tmp_path / "a.mp4", seconds=2.3, fps=4, sample_rate=22050)
    with open_video(path) as video:
        audio = video.audio()
        assert audio.duration == pytest.approx(2.3, abs=0.01)
        whole = audio.window(0.0, audio.duration)
        late = audio.windows([(2.0, 3.0)])
    assert whole.dtype == np.float32 and len(whole) == round(audio.duration * 16000)
    assert 0.45 < np.abs(whole[1000:-1000]).max() < 0.55  # the 0.5 tone, no padding tail of silence
    assert np.abs(late[:4000]).max() > 0.4 and np.abs(late[5000:]).max() == 0.0  # silence past the end
    # The tone's frequency survives the rate conversion.
    spectrum = np.abs(np.fft.rfft(whole[:16000]))
    assert abs(np.argmax(spectrum) - 440) <= 2


@pytest.mark.parametrize("suffix,subtype,rate,channels", [
    (".wav", "PCM_U8", 8000, 1), (".wav", "PCM_16", 44100, 2), (".wav", "PCM_24", 48000, 2),
    (".wav", "PCM_32", 16000, 1), (".wav", "FLOAT", 22050, 6), (".flac", "PCM_16", 32000, 2),
    (".ogg", None, 44100, 2), (".m4a", None, 44100, 2),
])
def test_any_file_rate_channels_depth_to_16k_mono(tmp_path, suffix, subtype, rate, channels):
    path = write_test_wav(tmp_path / f"tone{suffix}", seconds=1.0, sample_rate=rate, channels=channels,
                          subtype=subtype)
    audio = open_audio(path)
    samples = audio.window(0.0, 1.0)
    assert samples.dtype == np.float32 and samples.shape == (16000,)
    assert audio.duration == pytest.approx(1.0, abs=0.03)
    assert 0.4 < np.abs(samples[2000:14000]).max() < 0.56
    assert abs(np.argmax(np.abs(np.fft.rfft(samples))) - 440) <= 3


def test_audio_arrays(tmp_path):
    tone = sine_tone(1.0, 8000)
    pcm = (tone * 32767).astype(np.int16)
    for source in [(tone, 8000), AudioArray(pcm, 8000), (np.stack([tone, tone]).T.copy(), 8000)]:
        samples = open_audio(source).window(0.0, 1.0)
        assert samples.shape == (16000,) and 0.45 < np.abs(samples[100:-100]).max() < 0.55
    assert np.allclose(to_mono_16k(np.stack([tone[:160], -tone[:160]]), 16000), 0.0)


# ------------------------------------------------------------------------------------------------- bad input
def test_bad_files_raise_media_error_naming_the_file(tmp_path, clip):
    text = tmp_path / "notes.txt"
    text.write_text("not a video at all\n" * 20)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(open(clip, "rb").read()[: 2000])
    cases = {
        tmp_path / "missing.mp4": "no such file",
        text: "not a readable media file",
        empty: "empty",
        truncated: "not a readable media file",
        tmp_path: "folder",
    }
    for path, problem in cases.items():
        with pytest.raises(MediaError, match=problem) as error:
            open_video(path)
        assert str(path) in str(error.value)


def test_truncated_stream_and_corrupt_frames(tmp_path):
    path = write_video(tmp_path / "cut.mkv", indexed_frames(4.0, 8, (64, 48)), 8)  # mkv: header first
    data = open(path, "rb").read()
    cut = tmp_path / "cut_half.mkv"
    cut.write_bytes(data[: len(data) * 6 // 10])
    with open_video(cut) as video:  # what is there decodes; the missing part repeats the last good frame
        frames = video.frames_at([0.0, 1.0, 3.9])
        assert red_index(frames)[:2] == [0, 8] and red_index(frames)[2] >= 8
    garbage = tmp_path / "garbage.mkv"
    garbage.write_bytes(data[:400] + bytes(np.random.default_rng(0).integers(0, 256, len(data) - 400, np.uint8)))
    with pytest.raises(MediaError, match="garbage.mkv"):
        with open_video(garbage) as video:
            video.frames_at([0.0, 1.0])


def test_audio_problems(tmp_path):
    silent = write_test_video(tmp_path / "silent.mp4", seconds=1.0, fps=4, audio=False)
    with open_video(silent) as video, pytest.raises(MediaError, match="silent.mp4.*no audio track.*allow_silent"):
        video.audio()
    wav = write_test_wav(tmp_path / "only.wav", seconds=0.5)
    with pytest.raises(MediaError, match="only.wav.*audio-only|only.wav.*not a readable"):
        open_video(wav)
    with pytest.raises(MediaError, match="silent.mp4: has no audio stream"):
        open_audio(silent)
    with pytest.raises(MediaError, match="NaN or infinite"):
        open_audio((np.array([0.0, np.nan, 0.1], np.float32), 16000))
    with pytest.raises(MediaError, match="zero length|non-empty"):
        open_audio((np.zeros(0, np.float32), 16000))
    empty_wav = tmp_path / "empty.wav"
    soundfile.write(empty_wav, np.zeros(0, np.float32), 16000)
    with pytest.raises(MediaError, match="empty.wav.*zero length"):
        open_audio(empty_wav)
    with pytest.raises(MediaError, match="sampling rate"):
        open_audio(np.zeros(100, np.float32))


def test_array_video_problems():
    with pytest.raises(MediaError, match="empty"):
        open_video((np.zeros((0, 8, 8, 3), np.uint8), 4))
    with pytest.raises(MediaError, match=r"\(T, H, W, 3\)"):
        open_video((np.zeros((2, 8, 8), np.uint8), 4))
    with pytest.raises(MediaError, match="fps"):
        open_video(VideoArray(np.zeros((2, 8, 8, 3), np.uint8), 0))
    with pytest.raises(MediaError, match="audio-only"):
        open_video(AudioArray(np.zeros(16000, np.float32), 16000))


def test_limits(tmp_path, clip):
    with pytest.raises(MediaError, match="clip.mp4.*over the limit.*max_duration"):
        open_video(clip, MediaLimits(max_duration=2.0))
    with pytest.raises(MediaError, match="clip.mp4.*64x48.*max_width"):
        open_video(clip, MediaLimits(max_width=32, max_height=32))
    with pytest.raises(MediaError, match="clip.mp4.*bytes is over the limit.*max_file_bytes"):
        open_video(clip, MediaLimits(max_file_bytes=100))
    with pytest.raises(MediaError, match="max_duration"):
        open_audio((np.zeros(16000 * 3, np.float32), 16000), MediaLimits(max_duration=2.0))
    with pytest.raises(MediaError, match="max_width"):
        open_video((np.zeros((1, 40, 40, 3), np.uint8), 1), MediaLimits(max_width=32, max_height=32))
    wav = write_audio(tmp_path / "long.wav", np.zeros(16000 * 3, np.float32), 16000)
    with pytest.raises(MediaError, match="long.wav.*max_duration"):
        open_audio(wav, MediaLimits(max_duration=2.0))
