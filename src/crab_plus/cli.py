"""The ``crab-plus`` command.

Each subcommand declares its arguments here and imports the module that does the work only when it runs, so
``crab-plus --help`` stays cheap. ``crab-plus --help`` lists the subcommands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    print(run_demo(out_dir=args.out, model=args.model, max_new_tokens=args.max_new_tokens, seed=args.seed,
                   progress=not args.quiet))
    return 0


def _init_scratch(args: argparse.Namespace) -> int:
    from .scratch import init_from_scratch

    report = init_from_scratch(args.out, args.data, size=args.size, vocab_size=args.vocab_size, seed=args.seed)
    print(f"wrote a random {args.size} Crab+ ({report['parameters'] / 1e6:.2f} M parameters, vocabulary "
          f"{report['vocab_size']}, {report['tokens_per_line']:.1f} tokens per corpus line) to {args.out}")
    return 0


def _package(args: argparse.Namespace) -> int:
    from .pipelines.loading import package_model

    out = package_model(args.base, args.adapter, args.out)
    print(f"packaged {args.base} with the adapter of {args.adapter} in {out} (the adapter is in {out}/adapter)")
    return 0


def _init_tiny(args: argparse.Namespace) -> int:
    from .testing import save_tiny_crab_plus

    save_tiny_crab_plus(args.out, seed=args.seed)
    print(f"wrote a tiny random Crab+ model (seed {args.seed}) to {args.out}")
    return 0


def _convert_omni(args: argparse.Namespace) -> int:
    from .modeling.convert_omni import convert_omni_checkpoint

    report = convert_omni_checkpoint(args.src, args.dst, max_shard_size=args.max_shard_size, overwrite=args.overwrite)
    print(report.summary())
    return 0


def _train(args: argparse.Namespace) -> int:
    from .training.run import exit_distributed_run, overrides_from_cli, run_training

    resume = args.resume or "--resume" in args.overrides  # also accepted after the overrides
    overrides = [item for item in args.overrides if item != "--resume"]
    trainer = run_training(args.config, overrides_from_cli(overrides), resume=resume)
    if trainer.is_world_process_zero():
        print(f"trained {trainer.state.global_step} steps; adapter and processor in {trainer.args.output_dir}")
    exit_distributed_run(trainer.accelerator)  # several processes: ends them here (see its docstring)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation.runner import EvaluationConfig, evaluate

    config = EvaluationConfig(model=args.model, data=args.data, out=args.out, split=args.split, tasks=args.tasks,
                              batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
                              predictions=args.predictions, ablate=args.ablate or [], sam_model=args.sam_model,
                              media_root=args.media_root, max_samples_per_task=args.max_samples_per_task)
    result = evaluate(config)
    print((Path(result["paths"]["markdown"])).read_text())
    if "predictions" in result["paths"]:
        print(f"predictions: {result['paths']['predictions']}")
    print(f"metrics: {result['paths']['metrics']}")
    return 0


def _transfer(args: argparse.Namespace) -> int:
    from .evaluation.transfer import TransferConfig, run_transfer
    from .evaluation.transfer_report import transfer_markdown

    study = TransferConfig(tasks=args.tasks, data=args.data, out=args.out, config=args.config,
                           overrides=_overrides(args.overrides), methods=args.methods, batch_size=args.batch_size,
                           max_new_tokens=args.max_new_tokens, max_eval_samples=args.max_eval_samples)
    rows, paths = run_transfer(study)
    print(transfer_markdown(rows))
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def _router_map(args: argparse.Namespace) -> int:
    from .evaluation.router_map import router_map

    paths = router_map(args.adapter, args.data, args.out, split=args.split, tasks=args.tasks,
                       max_samples_per_task=args.max_samples_per_task, batch_size=args.batch_size)
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def _overrides(items: list[str]) -> list[str]:
    from .training.run import overrides_from_cli

    return overrides_from_cli(items)


def _data_validate(args: argparse.Namespace) -> int:
    from .data.jsonl import validate

    report = validate(args.path, media_root=args.media_root, check_media=not args.no_check_media, split=args.split)
    print(report.summary(max_problems=0))
    for problem in report.skipped:
        print(problem, file=sys.stderr)
    for problem in report.warnings:
        print(f"warning: {problem}", file=sys.stderr)
    if report.skipped:
        print(f"{len(report.skipped)} problem(s); fix them or load with errors='skip'.", file=sys.stderr)
        return 2
    print(f"ok: {report.total_loaded} sample(s) valid")
    return 0


def _synth_make(args: argparse.Namespace) -> int:
    from .data.synth import make_synth

    report = make_synth(args.out, args.n, seed=args.seed, tasks=args.tasks, test_fraction=args.split_test_fraction,
                        test_count=args.n_test, size=args.size, fps=args.fps, progress=not args.quiet,
                        aac_coder=args.aac_coder)
    print(report.summary())
    return 0


def _convert_adapter(args: argparse.Namespace) -> int:
    from .ilora.io import convert_release_adapter

    report = convert_release_adapter(args.src, args.dst, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
                                     base_model_name_or_path=args.base_model, overwrite=args.overwrite)
    print(report.summary())
    return 0


def _ask(args: argparse.Namespace) -> int:
    import json

    from .pipelines.ask import ask

    result = ask(args.video, audio=args.audio, task=args.task, question=args.question, options=args.options,
                 frame_idx=args.frame_idx, description=args.description, model=args.model,
                 max_new_tokens=args.max_new_tokens)
    print(json.dumps(result, indent=2) if args.json else f"{result['task']}: {result['answer_text']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crab-plus", description="Crab+ audio-visual scene understanding.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    from .demo import DEMO_MAX_NEW_TOKENS, DEMO_SEED  # constants only: demo.py imports its heavy parts when it runs

    demo = commands.add_parser("demo", help="run Crab+ end to end on this machine, offline")
    demo.add_argument("--out", default="crab_plus_demo", help="folder for report.html (default: ./crab_plus_demo)")
    demo.add_argument("--model", help="a crab-plus model folder (default: the shipped model)")
    demo.add_argument("--max-new-tokens", type=int, default=DEMO_MAX_NEW_TOKENS)
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="AV-Synth seed of the scenes (the shipped model "
                                                                  "was trained on seed 0)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=_demo)

    init_tiny = commands.add_parser("init-tiny", help="write a tiny random Crab+ model (and tokenizer) to a folder")
    init_tiny.add_argument("out", help="destination folder")
    init_tiny.add_argument("--seed", type=int, default=0)
    init_tiny.set_defaults(run=_init_tiny)

    init = commands.add_parser(
        "init", help="write a random Crab+ of a named size, with a tokenizer trained on a dataset, to a folder",
        description="The start of a model trained from scratch (the shipped model: `crab-plus init DIR --data "
                    "AVUIE_2`). The BPE tokenizer learns the system prompt, every task's instruction and the "
                    "train split's questions, options and targets.")
    init.add_argument("out", help="destination folder")
    init.add_argument("--data", required=True, help="AV-UIE v2 folder or JSONL file whose train split trains the tokenizer")
    init.add_argument("--size", default="small", help="model size preset (crab_plus.scratch.SIZES; default small)")
    init.add_argument("--vocab-size", type=int, default=1024, help="BPE vocabulary before the special tokens")
    init.add_argument("--seed", type=int, default=0)
    init.set_defaults(run=_init_scratch)

    package = commands.add_parser(
        "package", help="one folder with a backbone, its processor and a trained adapter (in OUT/adapter)",
        description="A packaged folder loads whole in pipeline(), `crab-plus ask` and `crab-plus evaluate` (the "
                    "shipped model is one); AutoModelForMultimodalLM.from_pretrained(OUT) alone gives the backbone.")
    package.add_argument("base", help="crab-plus model folder with its processor (the adapter's base)")
    package.add_argument("adapter", help="adapter folder (crab-plus train output)")
    package.add_argument("out", help="destination folder")
    package.set_defaults(run=_package)

    train = commands.add_parser(
        "train", help="train adapters with the HF Trainer (works under `accelerate launch`)",
        description="CONFIG is a YAML/JSON file of ModelArguments, DataArguments, AdapterArguments and "
                    "TrainingArguments fields, or a preset name (release, cpu_tiny). Overrides: key=value "
                    "(lists comma-separated: tasks=ave,ks) or --key value; they win over the file.")
    train.add_argument("config", help="config file or preset name")
    train.add_argument("--resume", action="store_true", help="continue from the last checkpoint in output_dir")
    train.add_argument("overrides", nargs=argparse.REMAINDER, help="key=value overrides")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="generate on a test split and compute every task's metric")
    evaluate.add_argument("model", help="crab-plus model folder, adapter folder (crab-plus train output), 'tiny', or "
                                        "'baseline' (each task's trivial answer learnt from the train split: chance "
                                        "level)")
    evaluate.add_argument("--data", required=True, help="AVUIE_2 folder ({task}/{split}.json) or a JSONL file")
    evaluate.add_argument("--out", required=True, help="folder for predictions.jsonl, metrics.json, metrics.md")
    evaluate.add_argument("--split", default="test")
    evaluate.add_argument("--tasks", nargs="+", help="task keys (default: every task with data in the split)")
    evaluate.add_argument("--batch-size", type=int, default=4)
    evaluate.add_argument("--max-new-tokens", type=int, default=512, help="greedy decoding length (release: 512)")
    evaluate.add_argument("--predictions", help="predictions JSONL to resume from / append to (default OUT/...)")
    evaluate.add_argument("--ablate", nargs="+", choices=["audio", "video", "other-audio", "other-video"],
                          help="also run with the audio (silence) or video (black frames) removed, or taken from "
                               "another clip of the same task (other-audio, other-video)")
    evaluate.add_argument("--sam-model", help="SAM-family model folder that turns segmentation answers into masks, or "
                                              "'box' (the predicted box, filled: no SAM)")
    evaluate.add_argument("--media-root", help="root of the media paths (default: the data folder)")
    evaluate.add_argument("--max-samples-per-task", type=int, help="evaluate only the first N samples per task")
    evaluate.set_defaults(run=_evaluate)

    transfer = commands.add_parser("transfer", help="single-task vs multi-task adapters, LoRA vs I-LoRA (same budget)")
    transfer.add_argument("--tasks", nargs="+", required=True, help="task keys of the study (at least two)")
    transfer.add_argument("--data", required=True, help="AVUIE_2 folder with train and test splits")
    transfer.add_argument("--out", required=True, help="folder for the runs and transfer.csv/.md/.png")
    transfer.add_argument("--config", default="cpu_tiny", help="training config file or preset (default cpu_tiny)")
    transfer.add_argument("--methods", nargs="+", default=["lora", "ilora"], choices=["lora", "ilora"])
    transfer.add_argument("--batch-size", type=int, default=4, help="evaluation batch size")
    transfer.add_argument("--max-new-tokens", type=int, default=64)
    transfer.add_argument("--max-eval-samples", type=int, help="evaluate only the first N test samples per task")
    transfer.add_argument("overrides", nargs="*", help="training overrides key=value (e.g. max_steps=50)")
    transfer.set_defaults(run=_transfer)

    router = commands.add_parser("router-map", help="per-task mean I-LoRA router weights as heatmap PNGs")
    router.add_argument("adapter", help="an I-LoRA adapter folder (crab-plus train output)")
    router.add_argument("--data", required=True, help="AVUIE_2 folder (or JSONL file)")
    router.add_argument("--out", required=True, help="PNG path of the task x head map (e.g. map.png)")
    router.add_argument("--split", default="test")
    router.add_argument("--tasks", nargs="+")
    router.add_argument("--max-samples-per-task", type=int, default=16)
    router.add_argument("--batch-size", type=int, default=4)
    router.set_defaults(run=_router_map)

    ask = commands.add_parser("ask", help="answer one question about a clip")
    ask.add_argument("video", help="video file (its own audio track is used unless --audio is given)")
    ask.add_argument("--audio", help="a separate audio file")
    which = ask.add_mutually_exclusive_group(required=True)
    which.add_argument("--task", help="a task key (see docs/tasks.md), e.g. ave, ks, avqa")
    which.add_argument("--question", help="a free-form question (answered with the QA task's template)")
    ask.add_argument("--options", nargs="+", help="answer options, for tasks that take them")
    ask.add_argument("--frame-idx", type=int, help="the second whose frame single-frame tasks look at")
    ask.add_argument("--description", help="the referring expression (ref_avs)")
    ask.add_argument("--model", help="a crab-plus model folder (default: the model shipped with the package)")
    ask.add_argument("--max-new-tokens", type=int, default=512)
    ask.add_argument("--json", action="store_true", help="print task, generated text and typed answer as JSON")
    ask.set_defaults(run=_ask)

    convert = commands.add_parser("convert", help="convert released checkpoints to crab-plus folders")
    convert_kinds = convert.add_subparsers(dest="kind", metavar="KIND")
    convert_kinds.required = True
    omni = convert_kinds.add_parser("omni", help="a Qwen2.5-Omni (full or thinker-only) folder -> crab-plus folder")
    omni.add_argument("src", help="Qwen2.5-Omni checkpoint folder (config.json + safetensors shards)")
    omni.add_argument("dst", help="destination folder (must not exist unless --overwrite)")
    omni.add_argument("--max-shard-size", default="2GB", help="largest output shard, e.g. 500MB or 2GB")
    omni.add_argument("--overwrite", action="store_true", help="replace DST if it exists")
    omni.set_defaults(run=_convert_omni)
    adapter = convert_kinds.add_parser("adapter", help="the released I-LoRA finetune_weights.bin -> I-LoRA adapter folder")
    adapter.add_argument("src", help="finetune_weights.bin (read with torch.load(weights_only=True))")
    adapter.add_argument("dst", help="destination adapter folder")
    adapter.add_argument("--lora-alpha", type=float, default=None, help="default: 2 r (the release's ratio)")
    adapter.add_argument("--lora-dropout", type=float, default=0.1)
    adapter.add_argument("--base-model", default=None, help="recorded as base_model_name_or_path")
    adapter.add_argument("--overwrite", action="store_true")
    adapter.set_defaults(run=_convert_adapter)

    data = commands.add_parser("data", help="check annotation data")
    data_actions = data.add_subparsers(dest="action", metavar="ACTION")
    data_actions.required = True
    data_validate = data_actions.add_parser(
        "validate", help="check a JSONL file (crab-plus schema) or an AV-UIE v2 folder; exit 2 on problems")
    data_validate.add_argument("path", help="a .jsonl file or an AVUIE_2 folder ({task}/{split}.json)")
    data_validate.add_argument("--media-root", default=None, help="folder media paths are relative to")
    data_validate.add_argument("--split", default=None, help="AV-UIE v2 split (default: train and test found)")
    data_validate.add_argument("--no-check-media", action="store_true", help="do not check media files exist")
    data_validate.set_defaults(run=_data_validate)

    synth = commands.add_parser("synth", help="generated audio-visual scenes (AV-Synth)")
    synth_actions = synth.add_subparsers(dest="action", metavar="ACTION")
    synth_actions.required = True
    make = synth_actions.add_parser("make", help="write an AV-Synth dataset in the AV-UIE v2 layout (OUT/AVUIE_2)")
    make.add_argument("--out", required=True, help="output folder (AVUIE_2/ is created inside)")
    make.add_argument("--n", type=int, required=True, help="samples per task (train + test)")
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--tasks", nargs="+", default=None, help="task keys (default: all AV-Synth tasks)")
    make.add_argument("--split-test-fraction", type=float, default=0.2, help="share of each task's samples in test")
    make.add_argument("--n-test", type=int, default=None, help="test samples per task (instead of the fraction; "
                      "test sample i is the same whatever --n is, so --n 1360 --n-test 80 adds train samples to "
                      "the test split of --n 400)")
    make.add_argument("--size", type=int, default=112, help="frame side in pixels")
    make.add_argument("--fps", type=float, default=4.0, help="clip frame rate (60 s QA clips use 1 fps)")
    make.add_argument("--aac-coder", choices=("default", "fast"), default="default", help="ffmpeg's AAC coder for "
                      "the soundtracks: default (the shipped model's data) or fast (a sixth of the encoding time)")
    make.add_argument("--quiet", action="store_true", help="no progress bar")
    make.set_defaults(run=_synth_make)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import CrabPlusError

    try:
        return args.run(args)
    except CrabPlusError as error:
        print(f"crab-plus {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
