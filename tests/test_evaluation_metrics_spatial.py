"""ARIG cIoU/AUC, mask mIoU/F-score and the Ref-AVS null S-metric, against hand-computed values."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crab_plus.evaluation.metrics import (
    MetricInputError,
    arig_ciou_auc,
    box_iou,
    map_iou,
    mask_jaccard_fscore,
    refavs_null_s,
    segmentation_miou_fscore,
    success_auc,
)


def test_box_iou_hand_computed():
    # overlap 5x5 = 25, union 100 + 100 - 25 = 175
    assert box_iou([0, 0, 10, 10], [5, 5, 15, 15]) == pytest.approx(25 / 175)
    assert box_iou([0, 0, 10, 10], [0, 0, 10, 20]) == pytest.approx(0.5)
    assert box_iou([20, 20, 30, 30], [0, 0, 10, 10]) == 0.0
    assert box_iou([5, 5, 5, 9], [0, 0, 10, 10]) == 0.0  # degenerate predicted box


def test_arig_hand_computed():
    refs = [[0, 0, 10, 10], [0, 0, 10, 20], [5, 5, 15, 15], [0, 0, 10, 10]]
    preds = [[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], None]
    # IoUs: 1, 0.5, 1/7 (~0.143), 0 (unparsed) -> cIoU = share >= 0.5 = 2/4
    # success rate at t = 0: 1; t = .05, .10: 3/4; t = .15 .. .50 (8 points): 1/2; t = .55 .. 1.0 (10 points): 1/4
    # trapezoids (x 0.05): (1+.75)/2 + .75 + (.75+.5)/2 + 7*.5 + (.5+.25)/2 + 9*.25 = 8.375 -> AUC 0.41875
    result = arig_ciou_auc(preds, refs)
    assert result["ciou"] == 0.5
    assert result["auc"] == pytest.approx(0.41875)
    assert result["mean_iou"] == pytest.approx((1 + 0.5 + 1 / 7 + 0) / 4)


def test_auc_extremes():
    assert success_auc([1.0, 1.0]) == pytest.approx(1.0)
    assert success_auc([0.0, 0.0]) == pytest.approx(0.025)  # only t = 0 succeeds: one half trapezoid of width .05


boxes = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(1, 20), st.integers(1, 20)).map(
    lambda b: [b[0], b[1], b[0] + b[2], b[1] + b[3]]
)


@settings(max_examples=40, deadline=None)
@given(a=boxes, b=boxes)
def test_box_iou_equals_lvs_map_ciou_of_rasterised_boxes(a, b):
    def raster(box):
        m = np.zeros((64, 64), dtype=np.uint8)
        m[box[1] : box[3], box[0] : box[2]] = 1
        return m

    assert box_iou(a, b) == pytest.approx(map_iou(raster(a), raster(b)))
    assert box_iou(a, b) == pytest.approx(box_iou(b, a))
    assert box_iou(a, a) == pytest.approx(1.0)


def _mask(cells, shape=(4, 4)):
    m = np.zeros(shape, dtype=np.uint8)
    for r, c in cells:
        m[r, c] = 1
    return m


def test_mask_jaccard_fscore_hand_computed():
    gt = _mask([(0, 0), (0, 1), (1, 0), (1, 1)])  # top-left 2x2
    pred = _mask([(0, 0), (0, 1), (0, 2)])  # first row, 3 pixels
    # intersection 2, union 4 + 3 - 2 = 5 -> J = 0.4; precision 2/3, recall 1/2
    # F = 1.3 * (2/3)(1/2) / (0.3 * 2/3 + 1/2) = (1.3/3) / 0.7
    j, f = mask_jaccard_fscore(pred, gt)
    assert j == pytest.approx(0.4)
    assert f == pytest.approx((1.3 / 3) / 0.7)


def test_mask_edge_cases():
    empty, some = _mask([]), _mask([(1, 1)])
    assert mask_jaccard_fscore(empty, empty) == (1.0, 1.0)  # nothing to find, nothing found
    assert mask_jaccard_fscore(empty, some) == (0.0, 0.0)  # missed object
    assert mask_jaccard_fscore(None, some) == (0.0, 0.0)  # unparsed counts as wrong
    assert mask_jaccard_fscore(some, empty) == (0.0, 0.0)  # hallucinated object


def test_segmentation_means_over_frames():
    gt = _mask([(0, 0), (0, 1), (1, 0), (1, 1)])
    pred = _mask([(0, 0), (0, 1), (0, 2)])
    result = segmentation_miou_fscore([pred, gt, None], [gt, gt, gt])
    # J: 0.4, 1, 0 -> mean 1.4 / 3; F: (1.3/3)/0.7, 1, 0
    assert result["miou"] == pytest.approx(1.4 / 3)
    assert result["fscore"] == pytest.approx(((1.3 / 3) / 0.7 + 1) / 3)
    assert result["num_samples"] == 3


def test_refavs_null_s_hand_computed():
    four = _mask([(0, 0), (1, 1), (2, 2), (3, 3)])  # 4 of 16 pixels -> sqrt(4 / 12)
    full = np.ones((4, 4), dtype=np.uint8)  # no background -> inf, left out of the mean and counted
    result = refavs_null_s([four, _mask([]), None, full])
    # finite values: sqrt(1/3), 0 (empty mask: perfect), 1 (unparsed) -> mean
    assert result["null_s"] == pytest.approx((math.sqrt(1 / 3) + 0 + 1) / 3)
    assert result["num_full_frame"] == 1 and result["num_samples"] == 4
    assert refavs_null_s([_mask([])] * 3)["null_s"] == 0.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: box_iou([0, 0, 1], [0, 0, 1, 1]),
        lambda: box_iou([0, 0, 1, 1], [0, 0, 0, 1]),
        lambda: map_iou(np.ones((2, 2)), np.zeros((2, 2))),
        lambda: mask_jaccard_fscore(np.ones((2, 2)), np.ones((3, 3))),
        lambda: mask_jaccard_fscore(np.ones(4), np.ones(4)),
        lambda: segmentation_miou_fscore([], []),
        lambda: refavs_null_s([np.zeros((2, 2))], references=[]),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(MetricInputError):
        call()
