"""`crab-plus demo` end to end (the shipped model, generated scenes) and its per-sample scoring."""

import re

from crab_plus.cli import main
from crab_plus.demo import DEMO_TASKS, is_correct
from crab_plus.tasks.answers import BoxPoints, Choice, Label, RefAVSAnswer, TimedEvent, TimedEvents, Unparsed


def test_demo_answers_every_family_and_writes_the_report(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "shipped with the package" in printed
    right, scored = map(int, re.search(r"correct: (\d+)/(\d+) scored answers", printed).groups())
    assert scored >= 7 and right >= 1  # every family answers in its format; at least one answer is right
    table_tasks = {line.split("|")[0].strip() for line in printed.splitlines() if line.count("|") == 4}
    assert set(DEMO_TASKS) <= table_tasks
    page = (tmp_path / "report.html").read_text()
    assert len(re.findall(r"data:image/png;base64", page)) == 2 * len(DEMO_TASKS)  # frames + waveform per clip


def test_per_sample_correctness():
    assert is_correct("ks", Label("Bouncing"), Label("bouncing")) is True
    assert is_correct("ks", Unparsed("x", "no tag"), Label("bouncing")) is False
    assert is_correct("a2v", Choice(2, None), Choice(1, None)) is False
    box = BoxPoints("square", (10, 10, 50, 50), ((20, 20), (30, 30), (40, 40)))
    near = BoxPoints("square", (12, 12, 50, 50), ((20, 20), (30, 30), (40, 40)))
    assert is_correct("arig", near, box) is True
    assert is_correct("ref_avs", RefAVSAnswer(False, None), RefAVSAnswer(True, box)) is False
    assert is_correct("ref_avs", RefAVSAnswer(False, None), RefAVSAnswer(False, None)) is True
    events = TimedEvents((TimedEvent("dog", 1, 3),))
    assert is_correct("ave", events, events) is None  # scored by `crab-plus evaluate`, not per sample
