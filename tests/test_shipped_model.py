"""The small Crab+ shipped inside the package: size, format, default of the pipeline and `crab-plus ask`, and real
answers on AV-Synth scenes it never saw (seed 5; it was trained on seed 0). Its held-out scores are in
model_cards/crab-plus-synth-small.md: it hears well (emotion 100 %), finds the sounding object in the picture, boxes
it on the right side of the frame and matches a clip to the sound of the same kind, but its boxes do not say how
high the object is."""

import json

import pytest
from peft import PeftModel
from transformers import pipeline

from crab_plus.cli import main
from crab_plus.data import load_avuie
from crab_plus.data.synth import make_synth
from crab_plus.data.synth.annotate import ANSWER_FRAME, location_word
from crab_plus.demo import is_correct
from crab_plus.pipelines.ask import SHIPPED_MODEL_DIR, shipped_model_path
from crab_plus.tasks.answers import Unparsed

FAMILIES = ("ks", "cremad", "avqa_thu", "a2v", "arig", "ave", "s4")


def one(paths):
    return None if not paths else (paths[0] if len(paths) == 1 else list(paths))


@pytest.fixture(scope="module")
def pipe():
    return pipeline("audio-visual-understanding")  # no model: the shipped one


def unseen_scenes(tmp_path_factory, n: int, tasks) -> dict:
    """``n`` AV-Synth samples per task of seed 5 (the model was trained on seed 0), by task."""
    out = tmp_path_factory.mktemp("unseen")
    make_synth(out, n=n, seed=5, tasks=tasks, test_fraction=0.0, progress=False)
    return load_avuie(out / "AVUIE_2", "train").by_task()


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    return unseen_scenes(tmp_path_factory, 4, FAMILIES)


def test_shipped_folder_is_small_safetensors_only():
    folder = shipped_model_path()
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 40e6
    weights = [p.name for p in files if p.suffix in (".safetensors", ".bin", ".pt", ".pth", ".pkl")]
    assert sorted(weights) == ["adapter_model.safetensors", "model.safetensors"]
    assert json.loads((folder / "adapter" / "adapter_config.json").read_text())["peft_type"] == "ILORA"


def test_pipeline_without_a_model_loads_the_shipped_one_with_its_adapter(pipe):
    assert isinstance(pipe.model, PeftModel)
    assert pipe.model.base_model.model.name_or_path == str(SHIPPED_MODEL_DIR)


def test_answers_on_unseen_scenes_parse_and_emotion_beats_chance(pipe, scenes):
    right = {}
    for key in FAMILIES:
        for sample in scenes[key]:
            result = pipe(video=one(sample.videos), audio=one(sample.audios), task=key, question=sample.question,
                          options=sample.options, frame_idx=sample.frame_idx, max_new_tokens=128)
            assert not isinstance(result["answer"], Unparsed), (key, result["text"])
            right.setdefault(key, []).append(is_correct(key, result["answer"], sample.ground_truth))
    assert sum(right["cremad"]) >= 3  # 4 voices, chance 1 in 4: the model reads emotion from the voice


@pytest.fixture(scope="module")
def ks_scenes(tmp_path_factory):
    return unseen_scenes(tmp_path_factory, 64, ("ks",))["ks"]


def test_action_is_the_motion_of_the_sounding_object(pipe, ks_scenes):
    """ks on 64 unseen clips: the answer names how the sounding object moves (six motions, chance 1 in 6; in half
    the clips a bigger silent object moves otherwise) far more often than chance."""
    inputs = [{"video": one(s.videos), "audio": one(s.audios), "task": "ks"} for s in ks_scenes]
    results = pipe(inputs, batch_size=8, max_new_tokens=96)
    right = [is_correct("ks", r["answer"], s.ground_truth) for r, s in zip(results, ks_scenes)]
    # 31 of 64 here (the stop-26 model 35); 23 after 600 steps of stage 1c, 15 for the stop-24 model; chance about 11.
    assert sum(right) >= 28, sum(right)


@pytest.fixture(scope="module")
def referring_scenes(tmp_path_factory):
    samples = unseen_scenes(tmp_path_factory, 48, ("ref_avs",))["ref_avs"]
    return [s for s in samples if not any(word in s.description for word in ("sounding", "silent", "making"))]


def test_referred_colour_and_shape_is_found_only_when_it_is_in_the_frame(pipe, referring_scenes):
    """Ref-AVS with "the red circle"-style descriptions on unseen frames: "there" (with a box) exactly when that
    object is in the frame, far more often than the 1 in 2 of a constant answer."""
    inputs = [{"video": one(s.videos), "audio": one(s.audios), "task": "ref_avs", "description": s.description,
               "frame_idx": s.frame_idx} for s in referring_scenes]
    results = pipe(inputs, batch_size=8, max_new_tokens=128)
    right = [r["answer"].exists == s.ground_truth.exists for r, s in zip(results, referring_scenes)]
    # 20 of 20 here (10 of them absent), as the stop-26 model; 13 for the one before this reasoning; a constant 10.
    assert sum(right) >= 16, (sum(right), len(right))


def place_of(box) -> str:
    """"left", "middle" or "right": the third of the answer frame that holds the box's centre."""
    return location_word((box[0] + box[2]) / 2 / ANSWER_FRAME)


@pytest.fixture(scope="module")
def box_scenes(tmp_path_factory):
    return unseen_scenes(tmp_path_factory, 20, ("arig", "s4"))


def test_boxes_are_where_the_sounding_object_is_only_with_its_own_frame(pipe, box_scenes):
    """ARIG and S4 with each clip's own frame, then with the next clip's frame (the audio kept): the box lands in
    the sounding object's third of the frame far more often with the frame that shows it, so it is seen."""
    hits = {}
    for kind, shift in (("own", 0), ("other", 1)):
        inputs, truths = [], []
        for key, samples in box_scenes.items():
            for i, sample in enumerate(samples):
                frame = samples[(i + shift) % len(samples)].videos[0]
                inputs.append({"video": frame, "audio": sample.audios[0], "task": key, "frame_idx": sample.frame_idx})
                truths.append(place_of(sample.ground_truth.box))
        results = pipe(inputs, batch_size=8, max_new_tokens=128)
        hits[kind] = sum(not isinstance(r["answer"], Unparsed) and place_of(r["answer"].box) == truth
                         for r, truth in zip(results, truths))
    # 34 and 14 of 40 here (the stop-26 model: 23 and 16); on the 240 held-out ARIG, S4 and MS3 answers 204 and 96
    # (model card, (22))
    assert hits["own"] >= hits["other"] + 4, hits


@pytest.fixture(scope="module")
def side_scenes(tmp_path_factory):
    samples = unseen_scenes(tmp_path_factory, 48, ("s4",))["s4"]
    return [s for s in samples if place_of(s.ground_truth.box) != "middle"]


def test_a_sounding_object_at_a_side_is_boxed_on_its_own_side(pipe, side_scenes):
    """S4 on unseen frames whose sounding object is in the left or right third: the box is on that side far more
    often than on the other. The reasoning lists the objects with their places and copies the sounding one's
    ("In view: the red circle left, the green square right. ... from the green square right"); the stop-26 model,
    without it, boxed a side object on the wrong side about as often as on the right one."""
    inputs = [{"video": s.videos[0], "audio": s.audios[0], "task": "s4", "frame_idx": s.frame_idx}
              for s in side_scenes]
    results = pipe(inputs, batch_size=8, max_new_tokens=128)
    said = [None if isinstance(r["answer"], Unparsed) else place_of(r["answer"].box) for r in results]
    truth = [place_of(s.ground_truth.box) for s in side_scenes]
    own = sum(p == t for p, t in zip(said, truth))
    mirrored = sum(p is not None and p != "middle" and p != t for p, t in zip(said, truth))
    # 26 right and 0 mirrored of 27 here; the stop-26 model 12 and 14
    assert own >= 2 * mirrored + 4, (own, mirrored, len(side_scenes))


def test_ask_uses_the_shipped_model_by_default(scenes, capsys):
    sample = scenes["ks"][0]
    assert main(["ask", sample.videos[0], "--task", "ks", "--json", "--max-new-tokens", "64"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["task"] == "ks" and printed["answer"]["type"] == "Label"


@pytest.fixture(scope="module")
def match_scenes(tmp_path_factory):
    return unseen_scenes(tmp_path_factory, 12, ("a2v", "v2a"))


def test_matching_follows_the_matching_candidate_in_either_order(pipe, match_scenes):
    """a2v and v2a on unseen plain records (the other candidate has none of the clip's kinds), asked with the
    candidates as generated and swapped: the pick follows the matching candidate, not a position."""
    answers = []
    for key, samples in match_scenes.items():
        for sample in (s for s in samples if not s.extra.get("conflict")):
            for swap in (False, True):
                videos, audios = list(sample.videos), list(sample.audios)
                candidates = videos if key == "a2v" else audios
                if swap:
                    candidates.reverse()
                truth = 3 - sample.ground_truth.index if swap else sample.ground_truth.index
                answer = pipe(video=one(videos), audio=one(audios), task=key, max_new_tokens=64)["answer"]
                answers.append(not isinstance(answer, Unparsed) and answer.index == truth)
    # 19 of 20 here; chance is half; held out (model card): 35 of 39 (a2v) and 42 of 42 (v2a) plain records
    assert len(answers) >= 16 and sum(answers) >= 0.8 * len(answers), answers
