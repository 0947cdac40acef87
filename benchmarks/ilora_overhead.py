"""I-LoRA overhead, measured side by side in one run (issue 4's performance targets).

Llama-style model, hidden 1024, 4 layers, sequence 512, batch 2, all seven projections adapted:
forward + backward time of I-LoRA (N=3, r=16) over peft LoRA (r=16) (target <= 1.15), over a straightforward
per-head Python loop of the same formula (target <= 0.8), and memory of I-LoRA over LoRA twice: the bytes of
activations saved for backward (the part of training memory an adapter changes) and the peak RSS of one
training step, each variant in a fresh child process (weights and framework included). Timed variants run
interleaved, ``--repeats`` rounds, and the median of each is compared. The last lines are ``<name>: <ratio>``.

    OMP_NUM_THREADS=2 python benchmarks/ilora_overhead.py [--repeats 5] [--small]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

import crab_plus  # noqa: F401  (registers I-LoRA with peft)
from crab_plus.ilora import ILoraConfig, RELEASE_TARGET_MODULES
from crab_plus.ilora.layer import Linear as ILoraLinear

TARGETS = list(RELEASE_TARGET_MODULES)


class LoopILoraLinear(ILoraLinear):
    """The same formula, one head at a time: the baseline the batched layer must beat."""

    def _adapter_output(self, name, x):
        r, heads = self.r[name], self.num_heads[name]
        h = F.linear(self.ilora_dropout[name](x), self.ilora_A[name])  # (B, T, r)
        g = self.routing(name, x).to(h.dtype)  # (B, T, N)
        weight_b = self.ilora_B[name]
        out = 0
        for i in range(heads):
            out = out + g[..., i:i + 1] * F.linear(h, weight_b[:, i * r:(i + 1) * r])
        return out * self.scaling[name]


def build(kind: str, small: bool):
    torch.manual_seed(0)
    hidden = 256 if small else 1024
    config = LlamaConfig(vocab_size=1000, hidden_size=hidden, intermediate_size=hidden * 11 // 4, num_hidden_layers=4,
                         num_attention_heads=hidden // 64, num_key_value_heads=hidden // 64)
    model = LlamaForCausalLM(config)
    if kind == "lora":
        return get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=TARGETS))
    model = get_peft_model(model, ILoraConfig(r=16, lora_alpha=32, num_heads=3, target_modules=TARGETS))
    if kind == "loop":
        for module in model.modules():
            if isinstance(module, ILoraLinear):
                module.__class__ = LoopILoraLinear
    return model


def timed_step(model, batch, bf16: bool = False) -> tuple[float, float]:
    """(seconds, loss) of one forward and backward pass, under bfloat16 autocast when ``bf16``."""
    start = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = model(**batch).loss
    loss.backward()
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - start, float(loss.detach())


def step(model, batch) -> float:
    """Seconds of one float32 forward and backward pass."""
    return timed_step(model, batch)[0]


def saved_activation_bytes(model, batch) -> int:
    total = 0

    def pack(tensor):
        nonlocal total
        total += tensor.numel() * tensor.element_size()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = model(**batch).loss
    loss.backward()
    model.zero_grad(set_to_none=True)
    return total


def _peak_rss_kib() -> int:
    """This process's peak RSS (VmHWM, Linux). Not ru_maxrss: that survives fork+exec and starts at the parent's."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def peak_rss_mib(kind: str, small: bool) -> float:
    """Peak resident memory (MiB) of a fresh process that builds ``kind`` and runs one training step."""
    command = [sys.executable, __file__, "--peak-of", kind] + (["--small"] if small else [])
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--small", action="store_true", help="hidden 256, sequence 128 (a quick check)")
    parser.add_argument("--peak-of", choices=("lora", "ilora"), help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    length = 128 if args.small else 512
    batch_ids = torch.randint(0, 1000, (2, length), generator=torch.Generator().manual_seed(0))
    batch = {"input_ids": batch_ids, "labels": batch_ids}
    if args.peak_of:
        step(build(args.peak_of, args.small), batch)
        print(_peak_rss_kib() / 1024)
        return
    models = {kind: build(kind, args.small) for kind in ("lora", "ilora", "loop")}
    for model in models.values():
        step(model, batch)  # warm-up
    times = {kind: [] for kind in models}
    for _ in range(args.repeats):
        for kind, model in models.items():  # interleaved: machine noise hits every variant alike
            times[kind].append(step(model, batch))
    median = {kind: statistics.median(values) for kind, values in times.items()}
    memory = {kind: saved_activation_bytes(models[kind], batch) for kind in ("lora", "ilora")}
    del models
    peak = {kind: peak_rss_mib(kind, args.small) for kind in ("lora", "ilora")}
    for kind, value in median.items():
        print(f"{kind:6s} forward+backward median {value:.3f} s over {args.repeats} rounds")
    print(f"saved activations: lora {memory['lora'] / 2**20:.1f} MiB, ilora {memory['ilora'] / 2**20:.1f} MiB")
    print(f"peak RSS of one step: lora {peak['lora']:.0f} MiB, ilora {peak['ilora']:.0f} MiB")
    print("targets: ilora_over_lora <= 1.15, ilora_over_loop <= 0.8")
    print(f"ilora_peak_rss_over_lora: {peak['ilora'] / peak['lora']:.3f}")
    print(f"ilora_saved_activations_over_lora: {memory['ilora'] / memory['lora']:.3f}")
    print(f"ilora_over_loop: {median['ilora'] / median['loop']:.3f}")
    print(f"ilora_over_lora: {median['ilora'] / median['lora']:.3f}")


if __name__ == "__main__":
    main()
