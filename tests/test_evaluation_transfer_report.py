"""Transfer-study numbers: gains, relative change, shares of positive transfer, and the written files."""

import csv

import pytest
from PIL import Image

from crab_plus.evaluation.transfer_report import TransferRow, positive_share, rows_from_scores, write_transfer_report


def test_gain_and_relative_change_respect_the_direction_of_the_metric():
    up = TransferRow("lora", "ave", "accuracy", single=0.5, multi=0.6)
    assert up.gain == pytest.approx(0.1) and up.relative_change == pytest.approx(0.2) and up.transfer == "positive"
    null_s = TransferRow("lora", "ref_avs", "null_s", single=0.2, multi=0.3, higher_is_better=False)
    assert null_s.gain == pytest.approx(-0.1) and null_s.relative_change == pytest.approx(-0.5)
    assert null_s.transfer == "negative"
    from_zero = TransferRow("ilora", "ks", "accuracy", single=0.0, multi=0.25)
    assert from_zero.relative_change is None and from_zero.transfer == "positive"


def test_positive_share_per_method_and_report_files(tmp_path):
    scores = {
        "lora": {"single": {"ave": ("accuracy", 0.5, True), "ks": ("accuracy", 0.4, True)},
                 "multi": {"ave": ("accuracy", 0.4, True), "ks": ("accuracy", 0.4, True)}},
        "ilora": {"single": {"ave": ("accuracy", 0.5, True), "ks": ("accuracy", 0.0, True)},
                  "multi": {"ave": ("accuracy", 0.6, True), "ks": ("accuracy", 0.1, True)}},
    }
    rows = rows_from_scores(scores)
    assert positive_share(rows) == {"lora": 0.0, "ilora": 1.0}
    paths = write_transfer_report(rows, tmp_path)
    table = list(csv.DictReader(paths["csv"].open()))
    assert [(r["method"], r["task"], r["transfer"]) for r in table] == [
        ("lora", "ave", "negative"), ("lora", "ks", "none"), ("ilora", "ave", "positive"), ("ilora", "ks", "positive")]
    assert float(table[0]["relative_change"]) == pytest.approx(-0.2) and table[3]["relative_change"] == ""
    markdown = paths["markdown"].read_text()
    assert "| lora | 2 | 0% | 50% |" in markdown and "| ilora | 2 | 100% | 0% |" in markdown
    assert "-20.0%" in markdown and "n/a" in markdown
    assert Image.open(paths["png"]).size[0] > 100
