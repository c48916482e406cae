"""Command line: ``python -m finetune {train,predict,tokenize,runs,push,inspect,export-script,data}``.

Every config field is a flag of ``train`` (``--learning_rate 3e-5``), with the same help text
the UI shows. ``--config cfg.json`` loads a saved config; flags override it. The same command
runs under ``torchrun --nproc_per_node N -m finetune train ...`` and ``accelerate launch -m
finetune train ...`` (rank 0 creates the run directory and writes events).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional, get_type_hints

from huggingface_hub import get_token

from finetune.cli.data_command import add_data_command, cmd_data
from finetune.cli.runs_command import add_runs_actions, add_search_flags, run_action, search_from_flags, search_spec
from finetune.config.run_config import (
    PADDING_ALIASES,
    PADDING_MODES,
    RunConfig,
    base_type,
    config_from_flat,
    field_index,
    section_classes,
)
from finetune.config.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL, check_threshold
from finetune.errors import FinetuneError
from finetune.hub.push import push_run, resolve_token
from finetune.model.tokenization import get_tokenizer, inspect_text
from finetune.predict.batch import CHUNK_ROWS, ConsoleProgress, predict_to_csv
from finetune.predict.predictor import get_predictor
from finetune.runs.run import Run, RunStatus, list_runs, make_run_id
from finetune.train.cross_validation import run_cross_validation
from finetune.train.preflight import check_before_run
from finetune.train.run_data import find_or_prepare, run_tokenizer


def _type_name(annotation: Any) -> str:
    target = base_type(annotation)
    return getattr(target, "__name__", "list")


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per config field, grouped by section, help text from the field's metadata."""
    for section, cls in section_classes().items():
        group = parser.add_argument_group(f"{section} options")
        hints = get_type_hints(cls)
        for name, (sec, f) in field_index().items():
            if sec != section:
                continue
            help_text = f.metadata.get("help", "")
            choices = f.metadata.get("choices")
            default = f.default if f.default is not f.default_factory else None  # type: ignore[comparison-overlap]
            extra = f" Choices: {', '.join(choices)}." if choices else ""
            kind = _type_name(hints[name])
            flags = [f"--{name}"] + ([f"--{name.replace('_', '-')}"] if "_" in name else [])
            kwargs: dict[str, Any] = dict(
                dest=name, default=argparse.SUPPRESS, help=f"{help_text}{extra} (default: {default})".replace("%", "%%")
            )
            if kind == "bool":
                kwargs.update(nargs="?", const="true", metavar="true|false")
            else:
                kwargs.update(metavar=kind.upper())
            group.add_argument(*flags, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m finetune",
        description="Fine-tune text classifiers with the Hugging Face Trainer, offline or with the Hub.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser(
        "train",
        help="fine-tune a checkpoint on a dataset",
        description="Fine-tune a checkpoint. Every option below is also a key of config.json.",
    )
    train.add_argument("--config", help="a saved config.json to start from (flags override it)")
    train.add_argument(
        "--run-dir",
        help="train into this existing run directory (holding config.json); "
        "used by the app's job runner and for resume",
    )
    train.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its last checkpoint")
    train.add_argument("--quiet", action="store_true", help="do not print events to the console")
    train.add_argument("--print-config", action="store_true", help="print the resulting config as JSON and exit")
    add_config_flags(train)
    add_search_flags(train)

    predict = sub.add_parser("predict", help="label probabilities for texts or pairs")
    predict.add_argument("--model", required=True, help="a run directory, a model folder, bundled-minilm or a Hub id")
    predict.add_argument("--text", action="append", help="text to classify (repeatable)")
    predict.add_argument("--text-pair", action="append", help="second text for pair models (one per --text)")
    predict.add_argument("--file", help="csv/tsv/xlsx/jsonl file to classify; writes CSV to --output")
    predict.add_argument("--text-column", default=None, help="text column of --file (default: detected)")
    predict.add_argument("--text-pair-column", default=None, help="second text column of --file")
    predict.add_argument(
        "--output", help="CSV file for --file results, UTF-8 with BOM, written as rows are predicted (default: print)"
    )
    predict.add_argument("--batch-size", type=int, default=32)
    predict.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="multi-label models: predict the labels whose probability reaches this (0 to 1); default: the "
        "decision threshold the run saved (tuned or configured), else 0.5. Ignored by other models.",
    )
    predict.add_argument(
        "--chunk-rows",
        type=int,
        default=CHUNK_ROWS,
        help="rows of --file read, predicted and written at a time (memory stays flat whatever the file's size)",
    )

    tokenize = sub.add_parser("tokenize", help="show what a tokenizer produces for a text or pair")
    tokenize.add_argument("--checkpoint", default="bundled-minilm", help="checkpoint whose tokenizer to use")
    tokenize.add_argument("--text", required=True)
    tokenize.add_argument("--text-pair", default=None)
    tokenize.add_argument("--max-length", type=int, default=None)
    tokenize.add_argument(
        "--padding",
        default="none",
        choices=PADDING_MODES + tuple(PADDING_ALIASES),
        help="none, dynamic (pad to the longest row; 'longest' is an alias) or max_length",
    )
    tokenize.add_argument("--no-special-tokens", action="store_true")
    tokenize.add_argument("--json", action="store_true", help="print the full report as JSON")

    runs = sub.add_parser("runs", help="list, compare, resume runs; clean their checkpoints")
    runs.add_argument("--runs_dir", default="runs")
    add_runs_actions(runs)

    push = sub.add_parser("push", help="push a run's model to the Hugging Face Hub with a model card")
    push.add_argument("--run-dir", required=True)
    push.add_argument("--repo-id", default=None, help="default: <user>/<checkpoint>-finetuned-<dataset>")
    push.add_argument("--private", action="store_true")
    push.add_argument("--commit-message", default="Upload fine-tuned text classifier")
    push.add_argument(
        "--token",
        default=None,
        help="write token (visible to other users in ps: prefer HF_TOKEN, "
        "the saved login, or the prompt shown when none is set)",
    )
    add_inspect_commands(sub)
    add_data_command(sub, add_config_flags)
    return parser


def add_inspect_commands(sub: Any) -> None:
    """``inspect`` (look inside a model) and ``export-script`` (a run as a standalone Python script)."""
    inspect = sub.add_parser(
        "inspect",
        help="a model's architecture card; with --text its outputs' shapes",
        description="Architecture, parameter counts by part and where the classification "
        "head comes from; with --text, one forward pass with hidden states and attention.",
    )
    inspect.add_argument(
        "--checkpoint", default="bundled-minilm", help="a run directory, a model folder, bundled-minilm or a Hub id"
    )
    inspect.add_argument("--text", action="append", help="text to run through the model (repeatable: one padded batch)")
    inspect.add_argument("--text-pair", action="append", help="second text for pairs (one per --text)")
    inspect.add_argument("--tree", action="store_true", help="also print the module tree (print(model))")
    inspect.add_argument("--config", action="store_true", help="also print config.json")
    inspect.add_argument("--json", action="store_true", help="print everything as JSON")
    export = sub.add_parser(
        "export-script",
        help="print a run as a standalone training script",
        description="A short Python script (datasets, transformers, scikit-learn) that "
        "reproduces the run: python -m finetune export-script --run-dir runs/X > train.py",
    )
    export.add_argument("--run-dir", required=True)
    export.add_argument(
        "--style",
        choices=("trainer", "loop", "accelerate"),
        default="trainer",
        help="trainer: TrainingArguments + Trainer; loop: a plain PyTorch loop (DataLoader, AdamW, scheduler, "
        "tqdm); accelerate: the same loop under accelerate.Accelerator",
    )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    base = RunConfig.from_json_file(args.config) if getattr(args, "config", None) else RunConfig()
    overrides = {name: getattr(args, name) for name in field_index() if hasattr(args, name)}
    return config_from_flat(overrides, base=base)


def cmd_train(args: argparse.Namespace) -> int:
    from finetune.train.distributed import DistInfo  # heavy (torch, transformers): only the train command needs them
    from finetune.train.training import run_training

    dist = DistInfo()
    prepared = None
    flags = search_from_flags(args)
    if args.run_dir:
        run = Run.at(args.run_dir)
        config = run.config()
    else:
        if args.resume:
            raise FinetuneError("--resume: expected --run-dir naming the run to continue, found none.")
        config = config_from_args(args)
        if args.print_config:
            print(config.to_json())
            return 0
        prepared = find_or_prepare(config)  # a data error is bad input (exit 2), found before a run exists
        task = data_task(prepared)
        check_before_run(config, _tokenizer_or_none(config), task=task)
        if flags is not None:
            flags.for_task(task)  # a metric of another task is bad input too
        run_id = config.run.run_name or make_run_id(config.model.checkpoint, config.data.dataset)
        run = Run(Path(_on_main_then_share(lambda: str(Run.create(config.run.runs_dir, config, run_id).path), dist)))
    spec = search_spec(flags, run) if dist.is_main and not args.resume else None
    if spec is not None:
        from finetune.train.trials import run_search

        status = run_search(config, run, spec, echo=not args.quiet)
    elif config.train.cv_folds:  # --resume keeps the folds that finished and trains the others
        status = run_cross_validation(config, run.path, echo=not args.quiet, resume=args.resume)
    else:
        status = run_training(config, run, resume=args.resume, echo=not args.quiet and dist.is_main, prepared=prepared)
    if dist.is_main:
        print(
            json.dumps(
                {"run_dir": str(run.path), **{k: v for k, v in status.items() if k != "pid"}},
                default=str,
                ensure_ascii=False,
            )
        )
        for warning in status.get("warnings") or []:
            print(f"WARNING: {warning}", file=sys.stderr)
    return {RunStatus.FINISHED: 0, RunStatus.CANCELLED: 3}.get(status.get("status"), 1)


def data_task(start: Any) -> Optional[str]:
    """The task the data resolved to (run_data.DataStart: prepared now, or read from the cache entry's report)."""
    if start.prepared is not None:
        return start.prepared.task
    stored = start.cached[1] if start.cached is not None else {}
    return (stored.get("report") or {}).get("task", SINGLE_LABEL)


def _tokenizer_or_none(config: RunConfig) -> Any:
    """The run's tokenizer, or None when it does not load (the run then reports why)."""
    try:
        return run_tokenizer(config)
    except Exception:  # a checkpoint error is the run's to report
        return None


def _on_main_then_share(fn: Any, dist: Any) -> Any:
    """Run ``fn`` on rank 0 only and give its (picklable) result to every rank."""
    if dist.world_size <= 1:
        return fn()
    import torch
    import torch.distributed as torch_dist

    if not torch_dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(dist.local_rank)
        torch_dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    holder = [fn() if dist.is_main else None]
    torch_dist.broadcast_object_list(holder, src=0)
    return holder[0]


def cmd_predict(args: argparse.Namespace) -> int:
    predictor = get_predictor(args.model)
    if not predictor.head_trained:
        print(f"WARNING: {predictor.head_warning()}", file=sys.stderr)
    if args.file:
        return predict_file_command(predictor, args)
    if not args.text:
        raise FinetuneError("predict: expected --text (or --file), found neither.")
    pairs = args.text_pair or []
    if predictor.pair_warning(bool(pairs)):
        print(f"WARNING: {predictor.pair_warning(bool(pairs))}", file=sys.stderr)
    if pairs and len(pairs) != len(args.text):
        raise FinetuneError(f"predict: expected one --text-pair per --text, found {len(pairs)} for {len(args.text)}.")
    threshold = prediction_threshold(predictor, args.threshold)
    results = predictor.predict(args.text, pairs or None, batch_size=args.batch_size, threshold=threshold)
    for result in results:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    return 0


def prediction_threshold(predictor: Any, threshold: Optional[float]) -> Optional[float]:
    """``--threshold`` checked (a probability), for a multi-label model; with another model it does nothing,
    and a note on stderr says so."""
    if threshold is None:
        return None
    check_threshold(threshold)
    if predictor.task != MULTI_LABEL:
        print(
            f"NOTE: --threshold applies to multi-label models; '{predictor.name}' is "
            f"{predictor.task.replace('_', '-')}, so it is ignored",
            file=sys.stderr,
        )
        return None
    return threshold


def predict_file_command(predictor: Any, args: argparse.Namespace) -> int:
    """``predict --file``: stream the file in chunks, write the CSV as it goes (--output, else stdout),
    progress with rows/s on stderr."""
    threshold = prediction_threshold(predictor, getattr(args, "threshold", None))
    console = ConsoleProgress(sys.stderr)
    if predictor.pair_warning(bool(args.text_pair_column)):
        print(f"WARNING: {predictor.pair_warning(bool(args.text_pair_column))}", file=sys.stderr)
    try:
        result = predict_to_csv(
            predictor,
            args.file,
            args.output or sys.stdout,
            text_column=args.text_column,
            text_pair_column=args.text_pair_column,
            batch_size=args.batch_size,
            chunk_rows=args.chunk_rows,
            progress=console,
            threshold=threshold,
        )
    finally:
        console.close()
    if args.output:
        print(
            f"wrote {result.rows} predictions to {args.output} in {result.seconds:.1f} s "
            f"({result.rows_per_second:,.0f} rows/s, {predictor.precision.describe()})"
        )
    return 0


def cmd_tokenize(args: argparse.Namespace) -> int:
    tokenizer = get_tokenizer(args.checkpoint)
    report = inspect_text(
        tokenizer,
        args.text,
        args.text_pair,
        add_special_tokens=not args.no_special_tokens,
        max_length=args.max_length,
        padding=args.padding,
    )
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(json.dumps(report.raw_output()))
    print(f"{'pos':>4}  {'token':<16} {'id':>7} {'type':>4} {'mask':>4}  span")
    for row in report.tokens:
        span = "" if row.start is None else f"{row.start}-{row.end}"
        marker = " (special)" if row.special else ""
        token_type = "" if row.token_type_id is None else row.token_type_id
        print(f"{row.position:>4}  {row.token:<16} {row.id:>7} {token_type:>4} {row.attention_mask:>4}  {span}{marker}")
    print(f"decode: {report.decoded}")
    print(
        f"{report.n_chars} chars, {report.n_words} words, {report.n_tokens} tokens, {report.n_unknown} unknown"
        f"{', truncated' if report.truncated else ''}"
    )
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    if args.action != "list":
        return run_action(args)
    for summary in list_runs(args.runs_dir):  # a damaged run is listed too, with the reason
        print(
            json.dumps(
                {**summary.as_row(), **({"message": summary.message} if summary.message else {})},
                default=str,
                ensure_ascii=False,
            )
        )
    return 0


TOKEN_IN_ARGV = (
    "WARNING: --token puts the token on the command line, where other users of this machine can "
    "read it (ps, /proc, shell history). Prefer HF_TOKEN, `hf auth login`, or the prompt "
    "(run without --token)."
)


def push_token(typed: Optional[str]) -> str:
    """The push token: --token (with a warning: argv is visible), else HF_TOKEN or the saved login,
    else a hidden prompt when stdin is a terminal; HubError when there is none."""
    if typed:
        print(TOKEN_IN_ARGV, file=sys.stderr)
    elif not get_token() and sys.stdin.isatty():
        typed = getpass.getpass("Hugging Face write token (input hidden): ")
    return resolve_token(typed)


def cmd_push(args: argparse.Namespace) -> int:
    token = push_token(args.token)
    result = push_run(
        args.run_dir, repo_id=args.repo_id, token=token, private=args.private, commit_message=args.commit_message
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _card_lines(card: Any) -> list[str]:
    names = [card.id2label[i] for i in sorted(card.id2label)]
    sizes = " · ".join(f"{name} {value}" for name, value in card.sizes.items() if value is not None)
    lines = [
        f"{card.source}  ({card.path})",
        f"{card.model_class}, model type {card.model_type}",
        sizes,
        f"task: {describe_task(card.task, card.threshold)}",
        f"{'output' if card.task == REGRESSION else 'labels'}: {', '.join(names)}",
        f"classification head: {card.head_origin}",
        "parameters by part:",
    ]
    for part in card.parts + [type(card.parts[0])("total", card.total_parameters, card.trainable_parameters)]:
        lines.append(f"  {part.name:<22} {part.parameters:>12,}  (trainable {part.trainable:,})")
    return lines


def cmd_inspect(args: argparse.Namespace) -> int:
    from finetune.explore.model_inspection import architecture_card, look_inside

    card = architecture_card(args.checkpoint)
    report = look_inside(args.checkpoint, args.text, args.text_pair) if args.text else None
    if args.json:
        print(
            json.dumps(
                {"card": card.to_dict(), "forward": report.to_dict() if report else None}, ensure_ascii=False, indent=2
            )
        )
        return 0
    print("\n".join(_card_lines(card)))
    if args.tree:
        print(card.module_tree)
    if args.config:
        print(card.config_json)
    if report is not None:
        print("outputs:")
        print("\n".join(f"  {shape.describe()}" for shape in report.shapes))
        for i, text in enumerate(report.texts):
            probs = ", ".join(f"{report.id2label[j]} {p:.4f}" for j, p in enumerate(report.probabilities[i]))
            shown = report.predictions[i] or "(no label)"
            print(f"  [{i}] {shown}" + (f"  ({probs})" if probs else "") + f"  {text[:60]!r}")
    return 0


def describe_task(task: str, threshold: Optional[float] = None) -> str:
    """A model's task in words, as the CLI prints it: how its outputs are read."""
    if task == MULTI_LABEL:
        return f"multi-label (a sigmoid per label; labels at or above {threshold or 0.5:g})"
    if task == REGRESSION:
        return "regression (one output, the number itself)"
    return "single-label (softmax over the classes)"


def cmd_export_script(args: argparse.Namespace) -> int:
    from finetune.export.script import export_script

    sys.stdout.write(export_script(args.run_dir, args.style))
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "train": cmd_train,
        "predict": cmd_predict,
        "tokenize": cmd_tokenize,
        "runs": cmd_runs,
        "push": cmd_push,
        "inspect": cmd_inspect,
        "export-script": cmd_export_script,
        "data": lambda args: cmd_data(args, config_from_args(args)),
    }
    try:
        return handlers[args.command](args)
    except FinetuneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
