"""A self-contained HTML report of answered clips: a frame strip, the waveform, the question, answer and truth.

Images are PNGs drawn with Pillow and inlined as base64, so the report is one file that opens offline.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


@dataclass
class ReportRow:
    task: str
    question: str
    answer: str
    truth: str
    correct: bool | None
    frames: list[np.ndarray] = field(default_factory=list)  # each (H, W, 3) uint8
    waveform: np.ndarray | None = None  # (samples,) float, 16 kHz mono


def frame_strip_png(frames: list[np.ndarray], height: int = 64) -> bytes:
    """Frames side by side, each scaled to ``height`` pixels high."""
    tiles = []
    for frame in frames:
        image = Image.fromarray(np.asarray(frame, dtype=np.uint8))
        width = max(1, round(image.width * height / image.height))
        tiles.append(image.resize((width, height)))
    strip = Image.new("RGB", (max(1, sum(t.width for t in tiles) + 2 * max(len(tiles) - 1, 0)), height), "white")
    x = 0
    for tile in tiles:
        strip.paste(tile, (x, 0))
        x += tile.width + 2
    return _png(strip)


def waveform_png(samples: np.ndarray, width: int = 320, height: int = 64) -> bytes:
    """Min/max envelope of ``samples`` per pixel column."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    middle = height / 2
    draw.line([(0, middle), (width, middle)], fill=(200, 200, 200))
    if samples.size:
        peak = float(np.abs(samples).max()) or 1.0
        columns = np.array_split(samples / peak, width)
        for x, column in enumerate(columns):
            if column.size:
                low, high = float(column.min()), float(column.max())
                draw.line([(x, middle - high * (middle - 1)), (x, middle - low * (middle - 1))], fill=(40, 90, 160))
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _img(png: bytes) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def write_html_report(rows: list[ReportRow], path: str | Path, title: str = "crab-plus demo", note: str = "") -> Path:
    """Write the report to ``path`` (parents created) and return it."""
    mark = {True: "✔", False: "✘", None: "–"}
    body = []
    for row in rows:
        media = (frame_strip_png(row.frames) if row.frames else None, waveform_png(row.waveform)
                 if row.waveform is not None else None)
        cells = [html.escape(row.task), " ".join(_img(png) for png in media if png), html.escape(row.question),
                 html.escape(row.answer), html.escape(row.truth), mark[row.correct]]
        body.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif}} td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}}
table{{border-collapse:collapse}} img{{display:block;margin:2px 0}}</style></head>
<body><h1>{html.escape(title)}</h1><p>{html.escape(note)}</p>
<table><tr><th>task</th><th>frames / waveform</th><th>question</th><th>answer</th><th>ground truth</th>
<th>correct</th></tr>
{chr(10).join(body)}
</table></body></html>
"""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
