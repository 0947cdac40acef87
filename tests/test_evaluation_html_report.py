"""The demo's HTML report: real PNGs of frames and waveform, escaped text, one file."""

import base64
import io
import re

import numpy as np
from PIL import Image

from crab_plus.evaluation.html_report import ReportRow, frame_strip_png, waveform_png, write_html_report


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_frame_strip_keeps_the_frames_side_by_side():
    red = np.zeros((32, 48, 3), np.uint8); red[..., 0] = 255
    blue = np.zeros((32, 48, 3), np.uint8); blue[..., 2] = 255
    strip = _decode(frame_strip_png([red, blue], height=16))
    assert strip.shape == (16, 24 + 2 + 24, 3)
    assert tuple(strip[8, 5]) == (255, 0, 0) and tuple(strip[8, 40]) == (0, 0, 255)


def test_waveform_draws_the_envelope_where_the_sound_is():
    samples = np.zeros(16000, np.float32)
    samples[8000:] = np.sin(np.arange(8000) * 0.3)  # silence, then a tone
    image = _decode(waveform_png(samples, width=100, height=40))
    drawn = (image != 255).any(axis=2)
    assert drawn[:, 60:].sum(axis=0).min() > 20  # the loud half spans most of the height
    assert drawn[:, :40].sum(axis=0).max() <= 2  # the silent half is a flat line


def test_report_is_one_file_with_escaped_text_and_inline_images(tmp_path):
    rows = [ReportRow("ks", "which <action>?", "playing drums", "playing drums", True,
                      frames=[np.full((8, 8, 3), 90, np.uint8)], waveform=np.ones(100)),
            ReportRow("ave", "events?", "(unparsed)", "event: dog", False)]
    page = write_html_report(rows, tmp_path / "out" / "report.html", note="tiny random model").read_text()
    assert "which &lt;action&gt;?" in page and "<action>" not in page
    images = re.findall(r'data:image/png;base64,([A-Za-z0-9+/=]+)', page)
    assert len(images) == 2 and all(Image.open(io.BytesIO(base64.b64decode(i))).format == "PNG" for i in images)
    assert page.count("<tr>") == 3 and "✔" in page and "✘" in page
