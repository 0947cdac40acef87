import numpy as np
import pytest

from crab_plus.data import Sample
from crab_plus.errors import TaskError
from crab_plus.evaluation.metrics import compute_task_metric
from crab_plus.tasks import (TASKS, AVVPEvents, BoxPoints, Caption, Choice, Label, RefAVSAnswer, TimedEvent,
                             TimedEvents, Unparsed, metric_input, metric_inputs)

# (task, ground truth, a wrong answer) for every task whose metric takes parsed answers
CASES = {
    "a2v": (Choice(index=2), Choice(index=1)),
    "ks": (Label("playing guitar"), Label("playing piano")),
    "meld": (Label("Happy"), Label("sad")),
    "avqa": (Label("two"), Label("three")),
    "avqa_thu": (Choice(option="dog"), Choice(option="cat")),
    "ave": (TimedEvents((TimedEvent("dog barking", 2, 7),)), TimedEvents((TimedEvent("dog barking", 0, 10),))),
    "avvp": (AVVPEvents(audio=(TimedEvent("Speech", 0, 4),), visual=(TimedEvent("Dog", 3, 10),)),
             AVVPEvents(audio=(TimedEvent("Speech", 5, 10),), visual=())),
    "arig": (BoxPoints("dog", (10, 20, 120, 150)), BoxPoints("dog", (150, 150, 224, 224))),
    "avcap": (Caption("a dog barks at a red car"), Caption("a man plays the piano")),
}
PRIMARY = {"accuracy": "accuracy", "music_avqa_accuracy": "accuracy", "ave_accuracy": "accuracy",
           "avvp_f1": "segment_type_av", "arig_ciou_auc": "ciou",
           "caption_metrics": "bleu_1"}


def _samples(key, truths):
    return [Sample(task=key, ground_truth=t, id=str(i), extra={"type": ["Audio", "Visual", "Audio-Visual"][i % 3]})
            for i, t in enumerate(truths)]


@pytest.mark.parametrize("key", list(CASES))
def test_metric_inputs_feed_the_task_metric(key):
    task = TASKS[key]
    truth, wrong = CASES[key]
    # the text round trip the evaluator does: target text -> ground truth, generated text -> prediction
    truth = task.parse(task.format_answer(truth))
    samples = _samples(key, [truth] * 3)
    perfect = [task.parse(task.format_answer(truth, reasoning="" if key == "avcap" else "Because."))] * 3
    predictions, references, kwargs = metric_inputs(task, perfect, samples)
    assert predictions == references
    score = PRIMARY[task.metric]
    best = compute_task_metric(task.metric, predictions, references, **kwargs)
    assert best[score] == pytest.approx(1.0, abs=1e-9)
    mixed = [wrong, Unparsed("???", "no answer"), truth]
    predictions, references, kwargs = metric_inputs(task, mixed, samples)
    assert predictions[1] is None
    worse = compute_task_metric(task.metric, predictions, references, **kwargs)
    assert worse[score] < best[score]


def test_plain_data_shapes():
    assert metric_input(TASKS["a2v"], Choice(index=2)) == "2"
    assert metric_input(TASKS["avqa_thu"], Choice(option="dog")) == "dog"
    assert metric_input(TASKS["ave"], CASES["ave"][0]) == [("dog barking", 2.0, 7.0)]
    assert metric_input(TASKS["avvp"], CASES["avvp"][0]) == {"audio": [("Speech", 0.0, 4.0)],
                                                            "visual": [("Dog", 3.0, 10.0)]}
    assert metric_input(TASKS["arig"], CASES["arig"][0]) == [10.0, 20.0, 120.0, 150.0]
    assert metric_input(TASKS["avcap"], Caption("x")) == "x"
    assert TASKS["ks"].metric_input(Unparsed("", "empty")) is None and metric_input(TASKS["ks"], None) is None
    with pytest.raises(TaskError, match="answers with Label, got Choice"):
        metric_input(TASKS["ks"], Choice(index=1))
    with pytest.raises(TaskError, match="predict_answer"):
        metric_input(TASKS["s4"], BoxPoints("dog", (0, 0, 1, 1)))


def test_music_avqa_question_types_come_from_the_samples():
    samples = _samples("avqa", [Label("two"), Label("yes"), Label("no")])
    predictions, references, kwargs = metric_inputs("avqa", [Label("two"), Label("no"), Label("no")], samples)
    result = compute_task_metric("music_avqa_accuracy", predictions, references, **kwargs)
    assert result["accuracy_audio"] == 1 and result["accuracy_visual"] == 0 and result["accuracy_audio_visual"] == 1
    samples[1].extra = {}
    with pytest.raises(TaskError, match="question type"):
        metric_inputs("avqa", [Label("two")] * 3, samples)


def test_segmentation_is_scored_on_masks():
    truth = np.zeros((8, 8), bool)
    truth[2:6, 2:6] = True
    answers = [RefAVSAnswer(True, BoxPoints("dog", (2, 2, 6, 6))), Unparsed("x", "no box")]
    samples = _samples("ref_avs", [None, None])
    with pytest.raises(TaskError, match="masks="):
        metric_inputs("ref_avs", answers, samples)
    with pytest.raises(TaskError, match="reference_masks="):
        metric_inputs("ref_avs", answers, samples, masks=[truth, None])
    predictions, references, kwargs = metric_inputs("ref_avs", answers, samples, masks=[truth, truth],
                                                    reference_masks=[truth, truth])
    assert predictions[1] is None  # unparsed text is scored as an empty mask, whatever the mask stage gave
    result = compute_task_metric(TASKS["ref_avs"].metric, predictions, references, **kwargs)
    assert result["miou"] == pytest.approx(0.5)


def test_bad_calls():
    from crab_plus.tasks import Task

    unscored = Task(key="unscored", family="captioning", dataset="d", policy=TASKS["avcap"].policy,
                    instruction_template="Describe.", answer_format=TASKS["avcap"].answer_format, metric=None,
                    evaluated=False)
    with pytest.raises(TaskError, match="no metric"):
        metric_inputs(unscored, [], [])
    with pytest.raises(TaskError, match="2 answers for 1 samples"):
        metric_inputs("ks", [Label("a"), Label("b")], _samples("ks", [Label("a")]))
    with pytest.raises(TaskError, match="no parsed ground truth"):
        metric_inputs("ks", [Label("a")], _samples("ks", [Unparsed("?", "no tag")]))


def test_options_named_by_letter_or_number_are_resolved():
    samples = [Sample(task="avqa_thu", options=["dog", "cat", "car"], ground_truth=Choice(option="cat"), id=str(i))
               for i in range(6)]
    said = ["B", "(2)", "b. cat", "D", "B. dog", "cat"]
    answers = [TASKS["avqa_thu"].parse(f"<answer>{text}</answer>") for text in said]
    predictions, references, _ = metric_inputs("avqa_thu", answers, samples)
    assert predictions == ["cat", "cat", "cat", "D", "B. dog", "cat"]
    assert compute_task_metric("accuracy", predictions, references)["accuracy"] == pytest.approx(4 / 6)
