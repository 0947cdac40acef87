"""Router-map rendering: per-task head weights averaged over layers, and the per-layer map."""

import json

import numpy as np
from PIL import Image

from crab_plus.evaluation.router_map import layer_matrix, task_head_matrix, write_router_map


def test_matrices_and_files(tmp_path):
    stats = {"ave": np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1]]), "ks": np.array([[0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])}
    assert np.allclose(task_head_matrix(stats), [[0.4, 0.5, 0.1], [0.2, 0.2, 0.6]])
    matrix, labels = layer_matrix(stats)
    assert labels == ["ave/h0", "ave/h1", "ave/h2", "ks/h0", "ks/h1", "ks/h2"]
    assert np.allclose(matrix[1], [0.2, 0.7, 0.1, 0.3, 0.3, 0.4])
    paths = write_router_map(stats, ["text.layers.0", "text.layers.1"], tmp_path / "map.png")
    assert Image.open(paths["map"]).size[0] > 150 and Image.open(paths["layers"]).size[0] > 300
    saved = json.loads(paths["json"].read_text())
    assert saved["layers"] == ["text.layers.0", "text.layers.1"] and saved["weights"]["ks"][0] == [0.1, 0.1, 0.8]
