"""Does a Crab+ trained on AV-Synth say where things are? Places and colours in its held-out captions.

Generates an avcap caption (greedy, 40 new tokens) for the first N clips of the test split and compares the
"<place>, a <colour> <shape>" phrases with the truth's (docs/synth.md: captions list the visible objects from left
to right with their place). Prints how many predicted (place, colour) and (place, colour, shape) phrases are in
the truth, and the first object's colour and place.

    python benchmarks/caption_places.py crab-plus-synth-align --data synth_data/AVUIE_2 --n 32

Results (stage 0 of the shipped model's recipe, 32 test clips of AV-Synth seed 0): `synth_align` as shipped (lr
1.5e-3): (place, colour) 15/51, (place, colour, shape) 5/51, first object colour 19/32 and place 21/32; the same
stage at `learning_rate=5e-4` (the preset's rate since): 37/49, 17/49, 28/32 and 27/32. Stage 1 (`synth_backbone`,
all tasks, avcap among them) at 1.5e-3: 19/55, 11/55, 23/32, 21/32; at 5e-4: 44/51, 22/51, 30/32, 31/32.
"""

from __future__ import annotations

import argparse
import re

import torch
from transformers import AutoModelForMultimodalLM, AutoProcessor

import crab_plus  # noqa: F401  (registers the Crab+ auto classes)
from crab_plus.data import load_avuie
from crab_plus.data.synth.recipes import PLACE_PHRASES
from crab_plus.data.synth.scene import COLOURS

PHRASE = re.compile(rf"({'|'.join(PLACE_PHRASES)}), an? ({'|'.join(COLOURS)}) (\w+)")  # (place, colour, shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a Crab+ folder trained with avcap (e.g. a stage-0 output)")
    parser.add_argument("--data", default="synth_data/AVUIE_2", help="AV-Synth AVUIE_2 folder with a test split")
    parser.add_argument("--n", type=int, default=32, help="test clips to caption")
    args = parser.parse_args()
    torch.set_num_threads(2)
    processor = AutoProcessor.from_pretrained(args.model)
    model = AutoModelForMultimodalLM.from_pretrained(args.model).eval()
    samples = load_avuie(args.data, "test").by_task()["avcap"][: args.n]
    phrases = pairs = triples = firsts = first_colour = first_place = 0
    for sample in samples:
        inputs = processor.prepare("avcap", video=sample.videos[0], audio=sample.audios[0] if sample.audios else None)
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=40, do_sample=False)
        text = processor.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        said, truth = PHRASE.findall(text), PHRASE.findall(str(sample.ground_truth))
        true_pairs, true_triples = {(place, colour) for place, colour, _ in truth}, set(truth)
        phrases += len(said)
        pairs += sum((place, colour) in true_pairs for place, colour, _ in said)
        triples += sum(phrase in true_triples for phrase in said)
        if said and truth:
            firsts += 1
            first_colour += said[0][1] == truth[0][1]
            first_place += said[0][0] == truth[0][0]
    print(f"(place, colour) in the truth {pairs}/{phrases}, (place, colour, shape) {triples}/{phrases}; "
          f"first object colour {first_colour}/{firsts}, place {first_place}/{firsts}")


if __name__ == "__main__":
    main()
