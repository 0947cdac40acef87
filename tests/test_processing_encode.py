"""The media writer: real files that decode back to what was written."""

import av
import numpy as np
import soundfile

from crab_plus.testing import indexed_frames, write_test_video, write_test_wav


def test_written_clip_has_h264_video_and_aac_audio_of_the_right_length(tmp_path):
    path = write_test_video(tmp_path / "clip.mp4", seconds=2.0, fps=4, size=(33, 21))  # odd size is padded
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264" and audio.codec_context.name == "aac"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video)]
    assert len(frames) == 8 and frames[0].shape == (22, 34, 3)
    reds = [int(np.median(f[..., 0])) for f in frames]
    assert all(abs(r - 8 * i) <= 3 for i, r in enumerate(reds))
    assert indexed_frames(2.0, 4, (33, 21)).shape == (8, 21, 33, 3)


def test_wav_and_m4a_audio(tmp_path):
    data, rate = soundfile.read(write_test_wav(tmp_path / "a.wav", seconds=0.5, sample_rate=22050, channels=2))
    assert rate == 22050 and data.shape == (11025, 2)
    path = write_test_wav(tmp_path / "a.m4a", seconds=0.5, sample_rate=16000)
    with av.open(str(path)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"


def test_m4a_with_encoder_options_decodes_to_the_same_tone(tmp_path):
    from crab_plus.processing.encode import write_audio
    from crab_plus.processing.media import load_audio
    from crab_plus.testing import relative_rms_error, sine_tone

    tone = sine_tone(2.0, 16000, 440.0)
    for name, options in (("default", None), ("fast", {"aac_coder": "fast"})):
        path = write_audio(tmp_path / f"{name}.m4a", tone, 16000, codec_options=options)
        decoded = load_audio(path, target_rate=16000)[: len(tone)]
        assert abs(len(decoded) - len(tone)) <= 1024
        error = relative_rms_error(decoded, tone)
        assert error < 0.1, (name, error)
    # the option reached the coder
    assert (tmp_path / "default.m4a").read_bytes() != (tmp_path / "fast.m4a").read_bytes()


def test_video_soundtrack_with_encoder_options(tmp_path):
    from crab_plus.processing.encode import write_video
    from crab_plus.processing.media import load_audio
    from crab_plus.testing import relative_rms_error, sine_tone

    tone, frames = sine_tone(2.0, 16000, 440.0), indexed_frames(2.0, 4, (32, 24))
    for name, options in (("default", None), ("fast", {"aac_coder": "fast"})):
        path = write_video(tmp_path / f"{name}.mp4", frames, fps=4, audio=tone, audio_codec_options=options)
        decoded = load_audio(path, target_rate=16000)[: len(tone)]
        error = relative_rms_error(decoded, tone)
        assert error < 0.1, (name, error)
    assert (tmp_path / "default.mp4").read_bytes() != (tmp_path / "fast.mp4").read_bytes()
