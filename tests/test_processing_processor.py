"""CrabPlusProcessor on real generated media against the tiny model: every task, labels, batching, save/load."""

import numpy as np
import pytest
import torch
from transformers import AutoProcessor

from crab_plus.errors import MediaError, TaskError
from crab_plus.processing.processing_crab_plus import SYSTEM_PROMPT
from crab_plus.tasks import TASKS
from crab_plus.testing import tiny_crab_plus, write_test_video, write_test_wav

SLOTS = {"question": "Which object sounds first?", "options": ["the dog", "the car"], "description": "the red ball"}


@pytest.fixture(scope="module")
def tiny():
    return tiny_crab_plus(seed=0)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    return {"video": write_test_video(folder / "a.mp4", seconds=2.0, fps=4),
            "video2": write_test_video(folder / "b.mp4", seconds=2.0, fps=4, tone_hz=880),
            "wav": write_test_wav(folder / "a.wav", seconds=2.0), "wav2": write_test_wav(folder / "b.wav", tone_hz=660),
            "silent": write_test_video(folder / "silent.mp4", seconds=2.0, audio=False)}


def _prepare(processor, key, media, **extra):
    task = TASKS[key]
    kwargs = {slot: SLOTS[slot] for slot in task.slots}
    video = [media["video"], media["video2"]] if task.num_videos == 2 else media["video"]
    audio = [media["wav"], media["wav2"]] if task.num_audios == 2 else None
    frame_idx = 1 if task.policy.needs_frame_idx else None
    return processor.prepare(key, video=video, audio=audio, frame_idx=frame_idx, **kwargs, **extra)


@pytest.mark.parametrize("key", list(TASKS))
def test_every_task_gives_inputs_the_tiny_model_accepts(tiny, media, key):
    model, processor = tiny
    inputs = _prepare(processor, key, media)
    counts = model.model.expected_media_tokens(inputs.get("image_grid_thw"), inputs.get("video_grid_thw"),
                                               inputs["feature_attention_mask"])
    ids = inputs["input_ids"][0]
    config = model.config
    assert int((ids == config.audio_token_id).sum()) == counts["audio"] > 0
    visual = "image" if TASKS[key].visual_kind == "image" else "video"
    token = config.image_token_id if visual == "image" else config.video_token_id
    assert int((ids == token).sum()) == counts[visual] > 0
    with torch.no_grad():
        assert torch.isfinite(model(**inputs).logits).all()


def test_policies_decide_frames_and_audio_seconds(tiny, media):
    _, processor = tiny
    ave = _prepare(processor, "ave", media)
    assert ave["video_grid_thw"].tolist() == [[5, 4, 4]]  # 10 frames = 5 temporal patches of 4 x 4
    assert int(ave["feature_attention_mask"].sum()) == 1000  # ten 1 s segments (past the 2 s clip: silence)
    assert int(_prepare(processor, "cremad", media)["feature_attention_mask"].sum()) == 400  # the first 4 s
    assert int(_prepare(processor, "avqa", media)["feature_attention_mask"].sum()) == 2000  # ten 2 s windows
    s4 = _prepare(processor, "s4", media)
    assert "pixel_values_videos" not in s4 and s4["image_grid_thw"].tolist() == [[1, 4, 4]]
    assert int(s4["feature_attention_mask"].sum()) == 100  # the 1 s at frame_idx
    assert _prepare(processor, "a2v", media)["video_grid_thw"].tolist() == [[10, 4, 4]]  # two clips in time
    assert int(_prepare(processor, "v2a", media)["feature_attention_mask"].sum()) == 2000  # two audios


def test_prompt_layout_and_labels_cover_only_the_assistant_turn(tiny, media):
    _, processor = tiny
    target = "A dog barks.\nevent:dog barking start_time:2 end_time:7"
    inputs = _prepare(processor, "ave", media, target=target)
    text = processor.tokenizer.decode(inputs["input_ids"][0])
    assert text.startswith(f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n"
                           "This is a video and an audio: <|vision_bos|><|VIDEO|>")
    assert "<|vision_eos|><|audio_bos|><|AUDIO|>" in text and text.index("<|audio_eos|>") < text.index(TASKS["ave"].instruction())
    labels = inputs["labels"][0]
    learned = processor.tokenizer.decode(labels[labels != -100])
    assert learned == target + "<|im_end|>"
    assert (labels[: -len(labels[labels != -100])] == -100).all()


def test_padding_left_for_generation_matches_each_sample_alone(tiny, media):
    model, processor = tiny
    samples = [_prepare(processor, "ks", media), _prepare(processor, "avqa_thu", media)]
    batch = processor.pad(samples, padding_side="left")
    assert batch["input_ids"].shape[0] == 2 and batch["attention_mask"][0, 0] == 0
    generated = model.generate(**batch, max_new_tokens=6, do_sample=False)[:, batch["input_ids"].shape[1]:]
    for row, sample in zip(generated, samples):
        alone = model.generate(**sample, max_new_tokens=6, do_sample=False)[0, sample["input_ids"].shape[1]:]
        assert row.tolist() == alone.tolist()
    right = processor.pad([_prepare(processor, "ks", media, target="<answer>dog</answer>")] * 2, padding_side="right")
    assert right["labels"].shape == right["input_ids"].shape


def test_save_and_autoprocessor_round_trip(tiny, media, tmp_path):
    _, processor = tiny
    processor.save_pretrained(tmp_path)
    loaded = AutoProcessor.from_pretrained(tmp_path)
    assert type(loaded) is type(processor) and loaded.frame_size == processor.frame_size
    assert loaded.chat_template == processor.chat_template
    first, second = _prepare(processor, "ave", media), _prepare(loaded, "ave", media)
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)


def test_usual_call_and_chat_template(tiny):
    _, processor = tiny
    messages = [{"role": "user", "content": [{"type": "video"}, {"type": "audio"}, {"type": "text", "text": "what?"}]}]
    text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert text.endswith("<|audio_eos|>what?<|im_end|>\n<|im_start|>assistant\n")
    frames = np.zeros((4, 30, 40, 3), np.uint8)
    inputs = processor(text=text, videos=[frames], audio=[np.zeros(16000, np.float32)])
    assert inputs["video_grid_thw"].tolist() == [[2, 4, 4]] and inputs["input_features"].shape == (1, 128, 100)
    with pytest.raises(TaskError, match="placeholder"):
        processor(text=text, videos=[frames])


def test_bad_inputs(tiny, media):
    _, processor = tiny
    with pytest.raises(TaskError, match="valid|known"):
        processor.prepare("no_such_task", video=media["video"])
    with pytest.raises(TaskError, match="question"):
        processor.prepare("avqa", video=media["video"])
    with pytest.raises(MediaError, match="takes 2 videos"):
        processor.prepare("a2v", video=media["video"])
    with pytest.raises(MediaError, match=r"a\.mp4: frame_idx=5 is outside the clip"):
        processor.prepare("s4", video=media["video"], frame_idx=5)
    with pytest.raises(MediaError, match=r"a\.wav: frame_idx=7 is outside the clip"):
        processor.prepare("s4", video=np.zeros((56, 56, 3), np.uint8), audio=media["wav"], frame_idx=7)
    with pytest.raises(MediaError, match="no audio track"):
        processor.prepare("ks", video=media["silent"])
    with pytest.warns(UserWarning, match="silence"):
        inputs = processor.prepare("ks", video=media["silent"], allow_silent=True)
    assert int(inputs["feature_attention_mask"].sum()) == 1000
    with pytest.raises(MediaError, match="no video stream|not a media file"):
        processor.prepare("ks", video=media["wav"])


def test_chat_template_tokenized_decodes_the_media_it_names(tiny, media):
    _, processor = tiny
    messages = [{"role": "user", "content": [{"type": "video", "video": media["video"]},
                                             {"type": "audio", "audio": media["wav"]},
                                             {"type": "text", "text": "what?"}]}]
    inputs = processor.apply_chat_template(messages, tokenize=True, add_generation_prompt=True, return_dict=True,
                                           num_frames=4)
    assert inputs["video_grid_thw"].tolist() == [[2, 4, 4]]
    assert int(inputs["feature_attention_mask"].sum()) == 200  # 2 s of audio, 100 mel frames a second
    assert float(inputs["video_second_per_grid"][0]) == pytest.approx(1.0)  # 2 frames of 0.5 s per grid
    text = processor.apply_chat_template(messages, add_generation_prompt=True)
    expected = processor(text=text, videos=[np.zeros((4, 56, 56, 3), np.uint8)], audio=[np.zeros(32000, np.float32)])
    assert inputs["input_ids"].tolist() == expected["input_ids"].tolist()  # same expanded prompt
