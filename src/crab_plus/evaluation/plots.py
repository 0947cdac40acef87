"""PNG plots drawn with Pillow: a labelled heatmap (the per-task routing map) and a grouped bar chart (the
transfer study). Pillow is already a dependency; no plotting library is needed for these two figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Anchor colours of matplotlib's viridis at 0, 0.25, 0.5, 0.75, 1 (interpolated linearly in between).
VIRIDIS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=float)
SERIES_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]
WHITE, BLACK, GREY = (255, 255, 255), (0, 0, 0), (150, 150, 150)


def colour(value: float, low: float = 0.0, high: float = 1.0) -> tuple[int, int, int]:
    """A value in [low, high] -> its viridis RGB colour (values outside are clipped)."""
    t = 0.0 if high <= low else float(np.clip((value - low) / (high - low), 0.0, 1.0))
    position = t * (len(VIRIDIS) - 1)
    i = min(int(position), len(VIRIDIS) - 2)
    rgb = VIRIDIS[i] + (VIRIDIS[i + 1] - VIRIDIS[i]) * (position - i)
    return tuple(int(round(c)) for c in rgb)


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def heatmap_png(matrix: Sequence[Sequence[float]], row_labels: Sequence[str], col_labels: Sequence[str],
                path: str | Path, *, title: str = "", low: float = 0.0, high: float = 1.0, cell: int = 56) -> Path:
    """Draw ``matrix`` (rows x cols) as coloured cells with their values written in; returns the PNG path."""
    values = np.asarray(matrix, dtype=float)
    if values.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"heatmap: matrix shape {values.shape} does not match {len(row_labels)} row and "
                         f"{len(col_labels)} column labels")
    font, title_font = _font(13), _font(16)
    left = 16 + max((int(font.getlength(str(r))) for r in row_labels), default=0)
    top = 40 + 20
    width, height = left + cell * values.shape[1] + 16, top + cell * values.shape[0] + 16
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    draw.text((8, 8), title, fill=BLACK, font=title_font)
    for j, label in enumerate(col_labels):
        draw.text((left + j * cell + cell / 2, top - 6), str(label), fill=BLACK, font=font, anchor="mb")
    for i, label in enumerate(row_labels):
        draw.text((left - 8, top + i * cell + cell / 2), str(label), fill=BLACK, font=font, anchor="rm")
        for j in range(values.shape[1]):
            box = (left + j * cell, top + i * cell, left + (j + 1) * cell - 1, top + (i + 1) * cell - 1)
            fill = colour(values[i, j], low, high)
            draw.rectangle(box, fill=fill)
            ink = BLACK if sum(fill) > 400 else WHITE
            draw.text((box[0] + cell / 2, box[1] + cell / 2), f"{values[i, j]:.2f}", fill=ink, font=font, anchor="mm")
    path = Path(path)
    image.save(path)
    return path


def bar_chart_png(groups: Mapping[str, Mapping[str, float]], path: str | Path, *, title: str = "",
                  value_format: str = "{:+.1f}", bar: int = 18, plot_height: int = 240) -> Path:
    """Grouped bars: ``groups`` maps a group (e.g. a task) to {series (e.g. a method): value}; values may be
    negative (drawn below the zero line). Returns the PNG path."""
    series = list(dict.fromkeys(s for values in groups.values() for s in values))
    all_values = [v for values in groups.values() for v in values.values()] or [0.0]
    high, low = max(max(all_values), 0.0), min(min(all_values), 0.0)
    span = (high - low) or 1.0
    font, title_font = _font(12), _font(16)
    group_width = bar * len(series) + 24
    legend_height = 22 * len(series)
    width = 60 + group_width * len(groups) + 20
    top = 40 + legend_height
    height = top + plot_height + 50
    image = Image.new("RGB", (max(width, 320), height), WHITE)
    draw = ImageDraw.Draw(image)
    draw.text((8, 8), title, fill=BLACK, font=title_font)
    for k, name in enumerate(series):
        y = 34 + 22 * k
        draw.rectangle((12, y, 26, y + 14), fill=SERIES_COLOURS[k % len(SERIES_COLOURS)])
        draw.text((32, y), name, fill=BLACK, font=font)

    def y_of(value: float) -> float:
        return top + (high - value) / span * plot_height

    zero = y_of(0.0)
    draw.line((56, zero, width - 10, zero), fill=GREY)
    for g, (group, values) in enumerate(groups.items()):
        x0 = 60 + g * group_width
        for k, name in enumerate(series):
            if name not in values:
                continue
            value = values[name]
            x = x0 + k * bar
            y = y_of(value)
            draw.rectangle((x, min(y, zero), x + bar - 3, max(y, zero)), fill=SERIES_COLOURS[k % len(SERIES_COLOURS)])
            draw.text((x + bar / 2, y - 2 if value >= 0 else y + 2), value_format.format(value), fill=BLACK,
                      font=_font(9), anchor="mb" if value >= 0 else "mt")
        draw.text((x0 + bar * len(series) / 2, top + plot_height + 24), str(group), fill=BLACK, font=font, anchor="mm")
    path = Path(path)
    image.save(path)
    return path
