"""PNG plots: the routing heatmap and the transfer bar chart."""

import numpy as np
import pytest
from PIL import Image

from crab_plus.evaluation.plots import VIRIDIS, bar_chart_png, colour, heatmap_png


def test_colour_map_ends_and_clipping():
    assert colour(0.0) == tuple(VIRIDIS[0].astype(int))
    assert colour(1.0) == tuple(VIRIDIS[-1].astype(int))
    assert colour(2.0) == colour(1.0) and colour(-1.0) == colour(0.0)
    assert colour(0.5) == tuple(VIRIDIS[2].astype(int))


def test_heatmap_cells_carry_their_value_colour(tmp_path):
    matrix = [[0.0, 1.0, 0.5], [0.25, 0.75, 0.1]]
    path = heatmap_png(matrix, ["qa", "ave"], ["head 0", "head 1", "head 2"], tmp_path / "map.png",
                       title="routing", cell=50)
    image = np.asarray(Image.open(path).convert("RGB"))
    # Find the cells: the top-left corner pixel of each cell has the cell colour (the value text sits centred).
    for value in (0.0, 1.0, 0.25):
        assert (image == np.array(colour(value))).all(-1).sum() > 500, value
    assert image.shape[0] > 100 + 50 and image.shape[1] > 3 * 50


def test_heatmap_rejects_mismatched_labels(tmp_path):
    with pytest.raises(ValueError, match="does not match"):
        heatmap_png([[0.1, 0.2]], ["a", "b"], ["x", "y"], tmp_path / "x.png")


def test_bar_chart_draws_positive_and_negative_bars(tmp_path):
    groups = {"ave": {"LoRA": -5.0, "I-LoRA": 8.0}, "ks": {"LoRA": 2.0, "I-LoRA": 3.0}}
    path = bar_chart_png(groups, tmp_path / "bars.png", title="multi vs single (%)")
    image = np.asarray(Image.open(path).convert("RGB"))
    blue, orange = np.array([31, 119, 180]), np.array([255, 127, 14])
    assert (image == blue).all(-1).sum() > 200 and (image == orange).all(-1).sum() > 200
    # The LoRA bar of "ave" is negative: blue pixels exist below the zero line (grey).
    grey_rows = np.where((image == np.array([150, 150, 150])).all(-1).sum(1) > 40)[0]
    zero_row = grey_rows[0]
    assert (image[zero_row + 2:] == blue).all(-1).sum() > 0
