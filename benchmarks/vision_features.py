"""How much of an object's colour and shape do a Crab+ model's vision tokens carry? Probes on frozen features.

For each model, renders the frames of N AV-Synth ARIG scenes (1-3 objects each; seed 11, not the training seed;
every object repainted in a random colour, so shape and colour vary apart), runs the model's vision encoder, and
takes for every object the 3x3 merged vision tokens around its centre (9 x out_hidden_size features). A small
MLP probe (one hidden layer of 256, dropout, 400 full-batch Adam steps) is fitted on the first 75 % of the objects
and scored on the rest; the script prints the held-out accuracy of the colour and shape probes next to the
majority class. The same objects are scored for every model in one run, so the numbers compare models (a random
`crab-plus init` folder gives the untrained baseline).

    python benchmarks/vision_features.py crab-plus-synth-init crab-plus-synth-align crab-plus-synth-backbone

Results (1,500 scenes, 3,011 objects, 753 held out; majority class 0.216 for shape, 0.178 for colour; about 40 s
per model on 2 cores; the models of the shipped recipe, stages 0 and 1 at lr 5e-4):

    random init (crab-plus init)                           shape 0.640   colour 0.972
    stage 0 (captions, 500 steps)                          shape 0.426   colour 0.969
    stage 1 checkpoint-400                                 shape 0.373
    stage 1 checkpoint-1600 (the shipped backbone)         shape 0.420   colour 0.973
    stage 1 with "seen first" reasoning (stop 14, below)   shape 0.420   colour 0.969

With the objects repainted (600 scenes, 1,196 objects, 299 held out; shape majority 0.214): random init shape 0.498,
the stop-13 backbone 0.311, the stop-15 backbone (kinds with their own colour in training) 0.237; colour 0.97,
0.97, 0.94 (`python benchmarks/vision_features.py INIT OLD src/crab_plus/shipped_model --scenes 600`, 2 min).

Training keeps the colour and loses a third of the shape information the random encoder had: in AV-Synth every
shape has its own sound, so the sounding object's shape comes from the audio and little rewards seeing it. That is
why the model names the sounding shape (from the sound) but not which of several objects on screen it is. Targets
that list every object in the frame with its shape before the answer (the stop-14 experiment, model card) did not
bring it back.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import torch
from transformers import AutoModelForMultimodalLM, AutoProcessor

import crab_plus  # noqa: F401  (registers the Crab+ auto classes)
from crab_plus.data.synth.recipes import RECIPES
from crab_plus.data.synth.render_video import render_frame
from crab_plus.data.synth.scene import COLOURS, SHAPES, scene_rng

FRAME = 112  # AV-Synth's default frame side
TRAIN_SHARE = 0.75  # the probes fit on the first 75 % of the objects and are scored on the rest


def render_scenes(count: int) -> list[tuple[np.ndarray, list, list[np.ndarray]]]:
    """(frame (FRAME, FRAME, 3), scene objects, their masks) of ``count`` ARIG scenes (seed 11), once for all
    models. Every object is repainted in a random colour: in AV-Synth a kind's colour goes with its shape, and the
    probes must tell what the tokens say about each apart."""
    scenes = []
    for index in range(count):
        frame_media = RECIPES["arig"](scene_rng(11, "arig", "train", index), "train", index, FRAME).media[0]
        paint = scene_rng(11, "colours", index)
        scene = frame_media.scene.with_objects(replace(obj, colour=str(paint.choice(list(COLOURS))))
                                               for obj in frame_media.scene.objects)
        frame, masks = render_frame(scene, frame_media.time, FRAME)
        scenes.append((frame, scene.objects, masks))
    return scenes


def object_features(model_dir: str, scenes) -> tuple[np.ndarray, list[int], list[int]]:
    """(objects, 9 * hidden) features, shape indices, colour indices of every object seen in ``scenes``."""
    processor = AutoProcessor.from_pretrained(model_dir)
    visual = AutoModelForMultimodalLM.from_pretrained(model_dir).eval().model.visual
    features, shapes, colours = [], [], []
    for frame, objects, masks in scenes:
        pixels = processor(text="<|vision_bos|><|IMAGE|><|vision_eos|>", images=[frame])  # the processor's resize
        with torch.no_grad():
            tokens = visual(pixels["pixel_values"], grid_thw=pixels["image_grid_thw"]).pooler_output  # (side^2, D)
        side = int(pixels["image_grid_thw"][0, 2]) // visual.spatial_merge_size
        grid = tokens.reshape(side, side, -1)  # merged tokens in row-major order of the frame
        for obj, mask in zip(objects, masks):
            if not mask.any():
                continue
            ys, xs = np.nonzero(mask)
            row, col = int(ys.mean() / FRAME * side), int(xs.mean() / FRAME * side)
            around = [grid[min(max(row + dr, 0), side - 1), min(max(col + dc, 0), side - 1)]
                      for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
            features.append(torch.cat(around).numpy())
            shapes.append(SHAPES.index(obj.shape))
            colours.append(list(COLOURS).index(obj.colour))
    return np.stack(features), shapes, colours


def probe_accuracy(features: np.ndarray, labels: list[int]) -> tuple[float, float]:
    """(held-out accuracy of an MLP probe fitted on the first TRAIN_SHARE of the rows, the held-out rows'
    majority-class share)."""
    x = torch.tensor(features)
    x = (x - x.mean(0)) / (x.std(0) + 1e-6)
    y = torch.tensor(labels)
    split = int(TRAIN_SHARE * len(x))
    torch.manual_seed(0)
    probe = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 256), torch.nn.GELU(), torch.nn.Dropout(0.3),
                                torch.nn.Linear(256, int(y.max()) + 1))
    optimizer = torch.optim.Adam(probe.parameters(), 1e-3, weight_decay=1e-2)
    for _ in range(400):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(probe(x[:split]), y[:split]).backward()
        optimizer.step()
    probe.eval()
    with torch.no_grad():
        accuracy = float((probe(x[split:]).argmax(-1) == y[split:]).float().mean())
    return accuracy, float(torch.bincount(y[split:]).max()) / len(y[split:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", help="Crab+ folders (a `crab-plus init` one gives the baseline)")
    parser.add_argument("--scenes", type=int, default=1500, help="ARIG scenes to render (1-3 objects each)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    scenes = render_scenes(args.scenes)
    for model_dir in args.models:
        features, shapes, colours = object_features(model_dir, scenes)
        (shape, shape_majority), (colour, colour_majority) = (probe_accuracy(features, shapes),
                                                              probe_accuracy(features, colours))
        print(f"{model_dir}: shape {shape:.3f} (majority {shape_majority:.3f}), colour {colour:.3f} (majority "
              f"{colour_majority:.3f}), {len(shapes) - int(TRAIN_SHARE * len(shapes))} held-out objects of "
              f"{len(shapes)}", flush=True)


if __name__ == "__main__":
    main()
