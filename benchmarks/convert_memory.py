"""Peak memory of `crab-plus convert omni` on a synthetic ~2 GB released-layout Qwen2.5-Omni checkpoint.

Writes the checkpoint tensor by tensor (thinker weights of a 24-layer, hidden-1024 text model plus talker and
token2wav weights, fp32, sharded at 400 MB), then runs the converter in a child process and reads its peak
resident memory. Last line: "convert_memory: <peak RSS / checkpoint size>" (lower is better; < 1 means the
conversion never held the checkpoint in memory).

    python benchmarks/convert_memory.py [--workdir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def synthetic_config():
    from crab_plus.testing import tiny_crab_plus_config

    tiny = tiny_crab_plus_config().to_dict()
    text = {k: v for k, v in tiny["text_config"].items() if k != "layer_types"}
    text.update(vocab_size=32768, hidden_size=1024, intermediate_size=2816, num_hidden_layers=24,
                num_attention_heads=16, num_key_value_heads=4,
                rope_parameters={"rope_type": "default", "mrope_section": [8, 12, 12], "rope_theta": 10000.0})
    return tiny_crab_plus_config(
        text_config=text,
        vision_config=dict(tiny["vision_config"], out_hidden_size=1024),
        audio_config=dict(tiny["audio_config"], output_dim=1024),
    )


def tensors(config, talker_bytes: int):
    """(released name, random fp32 tensor), created one at a time."""
    import torch

    from crab_plus import CrabPlusForConditionalGeneration
    from crab_plus.testing import release_key

    with torch.device("meta"):
        shapes = {k: v.shape for k, v in CrabPlusForConditionalGeneration(config).state_dict().items()}
    generator = torch.Generator().manual_seed(0)
    for key, shape in shapes.items():
        yield release_key(key), torch.randn(shape, generator=generator)
    rows = 4096
    for i in range(talker_bytes // (rows * 1024 * 4)):
        yield f"talker.model.layers.{i}.mlp.up_proj.weight", torch.randn(rows, 1024, generator=generator)


def write_checkpoint(src: Path) -> None:
    from crab_plus.testing import write_omni_release_checkpoint

    write_omni_release_checkpoint(src, synthetic_config(), tensors(synthetic_config(), 650 * 2**20),
                                  max_shard_bytes=400 * 10**6)


# Run in a fresh child: Linux children inherit the parent's peak RSS at fork, so the parent stays small
# (it never imports torch) and the child reports its own peak after converting.
CONVERT = """
import resource, sys
from crab_plus.cli import main
status = main(["convert", "omni", *sys.argv[1:]])
print("PEAK_RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
sys.exit(status)
"""
IMPORT_ONLY = "import resource, crab_plus.cli, crab_plus.modeling.convert_omni; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--max-shard-size", default="400MB")
    parser.add_argument("--write-only", metavar="SRC", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_only:
        return write_checkpoint(Path(args.write_only))
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="crab-convert-bench-"))
    src, dst = workdir / "Qwen2.5-Omni-synthetic", workdir / "crab-plus"
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--write-only", str(src)], check=True)
        size = sum(p.stat().st_size for p in src.glob("*.safetensors"))
        print(f"synthetic checkpoint: {size / 1e9:.2f} GB in {len(list(src.glob('*.safetensors')))} shards "
              f"({time.perf_counter() - started:.0f} s to write)")
        started = time.perf_counter()
        converted = subprocess.run([sys.executable, "-c", CONVERT, str(src), str(dst), "--max-shard-size",
                                    args.max_shard_size], capture_output=True, text=True, check=True)
        print(converted.stdout.splitlines()[0])
        peak = int(converted.stdout.split("PEAK_RSS")[1])
        baseline = subprocess.run([sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True, check=True)
        print(f"conversion: {time.perf_counter() - started:.0f} s, peak RSS {peak / 1e9:.2f} GB "
              f"(of which {int(baseline.stdout) / 1e9:.2f} GB is importing torch+transformers)")
        print(f"convert_memory: {peak / size:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
