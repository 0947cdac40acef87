"""Can a fresh small Crab+ learn what a frame shows? A vision-only probe of the AV-Synth design choices.

A random ``small`` Crab+ (the shipped model's size) is trained on single-object frames (two identical frames,
silent audio) to answer one of three questions: the object's colour, where it is (left / middle / right) and its
shape. The script prints each question's first-answer-token accuracy on fresh frames next to chance.

    python benchmarks/vision_probe.py --steps 600 --radius 0.18            # AV-Synth now: colour and position
    python benchmarks/vision_probe.py --steps 600 --radius 0.12 --no-landmarks   # the stop-10 AV-Synth

Results of this script (one run each, 600 steps, both runs side by side on 2 cores, 12.5 min): radius 0.18 with
the landmarks (AV-Synth now): colour 26/26, position 16/34, shape 16/36; radius 0.12 without them (the stop-10
AV-Synth): colour 22/26, position 13/34, shape 16/36 (chance 1/6, 1/3, 1/5). An earlier version of the probe (the
AV-Synth tokenizer, lr 1e-3) gave position 24/34 vs 14/34 and colour 26/26 vs 17/26 for the same two settings:
single runs are noisy, and the difference between the settings is smaller than that first pair suggested.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from crab_plus.data.synth import render_video
from crab_plus.data.synth.scene import COLOURS, SAMPLE_RATE, SHAPES, Scene, SceneObject
from crab_plus.scratch import SIZES, omni_tokenizer, scratch_config, scratch_model, scratch_processor, train_bpe

PLACES = ("left", "middle", "right")
QUESTIONS = ("What colour is the object?", "Where is the object?", "What shape is the object?")
PROMPT = ("<|im_start|>user\n<|vision_bos|><|VIDEO|><|vision_eos|><|audio_bos|><|AUDIO|><|audio_eos|>{q}<|im_end|>\n"
          "<|im_start|>assistant\n")


def frame_question(rng: np.random.Generator, radius: float, size: int) -> tuple[np.ndarray, int, str]:
    """(one (size, size, 3) frame, question index, answer) for a random single-object scene."""
    colour, shape, place = (str(rng.choice(list(COLOURS))), str(rng.choice(SHAPES)), int(rng.integers(3)))
    obj = SceneObject(shape=shape, colour=colour, motion="static", x=(0.2, 0.5, 0.8)[place],
                      y=float(rng.uniform(0.3, 0.7)), radius=radius)
    frame = render_video.render_frame(Scene(duration=2.0, objects=(obj,)), 0.0, size)[0]
    question = int(rng.integers(3))
    return frame, question, (colour, PLACES[place], shape)[question]


def batch(processor, rng, count: int, radius: float):
    items = [frame_question(rng, radius, processor.frame_size) for _ in range(count)]
    inputs = processor(text=[PROMPT.format(q=QUESTIONS[q]) for _, q, _ in items],
                       videos=[[frame, frame] for frame, _, _ in items],
                       audio=[np.zeros(SAMPLE_RATE, np.float32)] * count, target=[answer for _, _, answer in items])
    return inputs, [q for _, q, _ in items]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--radius", type=float, default=0.18, help="object half-size, fraction of the frame side")
    parser.add_argument("--no-landmarks", action="store_true", help="background without the left-right gradient")
    parser.add_argument("--warmth", type=float, default=None, help="the background's left-right gradient "
                        "(red minus blue, 0-255 scale; AV-Synth's default when not given)")
    parser.add_argument("--rope-theta", type=float, default=None, help="the text decoder's M-RoPE base")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.no_landmarks:
        render_video.WARMTH = 0.0  # read by every render_frame call
    elif args.warmth is not None:
        render_video.WARMTH = args.warmth
    words = [f"{q} {a}" for q in QUESTIONS for a in (*COLOURS, *PLACES, *SHAPES)]
    tokenizer = omni_tokenizer(*train_bpe(words * 20, vocab_size=300))
    processor = scratch_processor(tokenizer, SIZES["small"])
    config = scratch_config(tokenizer, SIZES["small"])
    if args.rope_theta is not None:
        config.text_config.rope_parameters["rope_theta"] = args.rope_theta
    model = scratch_model(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), args.lr, weight_decay=0.0)
    rng, start = np.random.default_rng(0), time.perf_counter()
    for step in range(args.steps):
        inputs, _ = batch(processor, rng, args.batch, args.radius)
        loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.3f} ({time.perf_counter() - start:.0f} s)", flush=True)
    model.eval()
    rng, right, total = np.random.default_rng(99), [0, 0, 0], [0, 0, 0]
    for _ in range(6):
        inputs, questions = batch(processor, rng, args.batch, args.radius)
        labels = inputs.pop("labels")  # (B, L): -100 except the answer
        with torch.no_grad():
            logits = model(**inputs).logits  # (B, L, vocab)
        for row, question in enumerate(questions):
            first = int((labels[row] != -100).nonzero()[0])  # the answer's first token
            right[question] += int(logits[row, first - 1].argmax() == labels[row, first])
            total[question] += 1
    chance = (1 / len(COLOURS), 1 / len(PLACES), 1 / len(SHAPES))
    for name, r, t, c in zip(("colour", "position", "shape"), right, total, chance):
        print(f"{name:9s} {r}/{t} right (chance {c:.2f})")


if __name__ == "__main__":
    main()
