"""The training half of an exported script, in the three styles the tutorials teach.

- ``trainer``: ``TrainingArguments`` + ``Trainer`` (tutorials 000, 001, 003);
- ``loop``: the plain PyTorch loop (000, 002, 004): ``DataLoader`` with the collator, ``AdamW``,
  ``get_scheduler`` with the run's schedule and warmup, a ``tqdm`` bar, predictions gathered batch
  by batch into the metric, an evaluation per epoch (or every ``eval_steps``) and the best weights saved;
- ``accelerate``: the same loop under ``accelerate.Accelerator`` (``prepare``, ``backward``,
  ``gather_for_metrics``), as 000 shows it.

The two loops consume randomness and order data as the run's ``Trainer`` did, so they reach the run's
accuracy (tests/engine/export/test_script.py): the seed is set again once the model exists (Trainer seeds
in ``__init__``, after the new head is drawn), the batches come from the run's sampler (a generator seeded
with seed + epoch, or transformers' ``LengthGroupedSampler`` with ``group_by_length``), AdamW is fused
with Trainer's no-decay groups, warmup is ``ceil(ratio * steps)``, accumulated losses are scaled as
Trainer scales them, and evaluation happens when the run's did (each epoch or every ``eval_steps``).

Every style trains through one function, ``train_and_evaluate(data, output_dir)``, so a k-fold run's
script calls it once per fold (and once more for the final model on all rows). What follows the run's task
comes from task_code.py: every style turns logits into predictions with ``predictions_of`` (argmax, a
sigmoid at the decision threshold, or the number) and scores them with ``scores``; the folds are drawn
as the task wants them.
The tokenizer section carries ``add_unknown_tokens``: the script finds the training text's most
frequent ``[UNK]`` pieces exactly as the run did (``finetune.model.vocab``) and adds them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

from finetune.config.run_config import BUNDLED_CHECKPOINT, RunConfig
from finetune.export.literals import lit
from finetune.export.task_code import (
    ScriptTask,
    after_model_lines,
    best_metric,
    datasets_names,
    fold_report_lines,
    folds_code,
    folds_comment,
    head_lines,
    metric_imports,
    metrics_code,
    what_it_learns,
)
from finetune.model.vocab import EXTEND_SAMPLE_ROWS

STYLES = ("trainer", "loop", "accelerate")

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


def header_code(config: RunConfig, run_dir: Any, excel: bool, style: str, only: Optional[str], task: ScriptTask) -> str:
    """Docstring and imports (only those the script uses)."""
    data_imports = ", ".join(sorted([*datasets_names(task), *(["Dataset"] if excel else []), "DatasetDict"]))
    bundled = config.model.checkpoint == BUNDLED_CHECKPOINT
    kfold = bool(config.train.cv_folds)
    loop, grouped = style != "trainer", config.train.group_by_length
    loaders = "DataLoader" if grouped else "DataLoader, RandomSampler"
    names = ["AutoModelForSequenceClassification", "AutoTokenizer", "DataCollatorWithPadding"]
    if style == "trainer":
        names += ["EarlyStoppingCallback"] if config.train.early_stopping_patience else []
        names += ["Trainer", "TrainingArguments"]
    else:
        names += ["get_scheduler"]
    names.append("set_seed")
    what = {"trainer": "with Trainer", "loop": "as a plain PyTorch loop", "accelerate": "as an Accelerate loop"}[style]
    scope = ""
    if kfold:
        scope = f"{config.train.cv_folds}-fold cross-validation" + (
            f", fold {only} only" if only and only != "final" else ", the final model only" if only else ""
        )
    lines = [
        f'"""Fine-tune {config.model.checkpoint} for {what_it_learns(task)} on {config.data.dataset} {what}: '
        f"run {run_dir.name} as a script.",
        *(["", f"{scope[0].upper() + scope[1:]}."] if scope else []),
        "",
        "Written by the fine-tuning studio (python -m finetune export-script). It uses only public libraries and",
        "reproduces the run: the same data, splits, seeds and hyperparameters"
        + (", and the loop draws batches and random numbers in the order the run's Trainer did." if loop else "."),
        "",
        "    " + ("accelerate launch" if style == "accelerate" else "python") + " train.py [OUTPUT_DIR]",
        '"""',
        "",
        *(["import contextlib"] if style == "accelerate" else []),
        *(["import copy"] if config.model.add_unknown_tokens else []),
        *(["import importlib.util"] if bundled else []),
        *(["import inspect"] if loop else []),
        "import json",
        *(["import math", "import re"] if loop else []),
        "import sys",
        *(["from collections import Counter"] if config.model.add_unknown_tokens else []),
        "from pathlib import Path",
        "",
        "import numpy as np",
        *(["import pandas as pd"] if excel else []),
        "import torch",
        *(["from accelerate import Accelerator"] if style == "accelerate" else []),
        f"from datasets import {data_imports}, load_dataset",
        *metric_imports(task, kfold),
        *(["from torch.optim import AdamW", f"from torch.utils.data import {loaders}"] if loop else []),
        *(["from tqdm.auto import tqdm"] if loop else []),
        "from transformers import (",
        *[f"    {name}," for name in names],
        ")",
        *(["from transformers.trainer_pt_utils import LengthGroupedSampler"] if loop and grouped else []),
    ]
    return "\n".join(lines)


UNKNOWN_CODE = f'''def most_frequent_unknown(tokenizer, texts, n):
    """The n pieces of text the tokenizer turns into [UNK] most often, in {EXTEND_SAMPLE_ROWS} texts spread evenly."""
    step = max(1, len(texts) // {EXTEND_SAMPLE_ROWS})
    texts = [t for t in texts[::step][:{EXTEND_SAMPLE_ROWS}] if isinstance(t, str) and t]
    counts = Counter()
    encoded = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    for text, ids, offsets in zip(texts, encoded["input_ids"], encoded["offset_mapping"]):
        for token_id, (start, end) in zip(ids, offsets):
            if token_id == tokenizer.unk_token_id:
                counts[text[start:end]] += 1
    return [piece for piece, _ in counts.most_common(n) if piece.strip()]


def make_tokenizer(train_rows):
    """The checkpoint's tokenizer plus the training text's most frequent [UNK] pieces, as the run added them."""
    tokenizer = copy.deepcopy(base_tokenizer)
    texts = list(train_rows["text"]) + (list(train_rows["text_pair"]) if TEXT_PAIR_COLUMN else [])
    added = most_frequent_unknown(tokenizer, texts, ADD_UNKNOWN_TOKENS)
    tokenizer.add_tokens(added)
    print(f"added {{len(added)}} tokens to the vocabulary: {{' '.join(added[:20])}} ...")
    return tokenizer'''


def model_code(config: RunConfig, is_pair: bool, task: ScriptTask) -> str:
    """Tokenizer (with the run's vocabulary extension), tokenizing function, collator and a fresh model."""
    extra = ""
    if config.model.revision:
        extra += f", revision={lit(config.model.revision)}"
    if config.model.trust_remote_code:
        extra += ", trust_remote_code=True"
    pad = ", pad_to_multiple_of=8 if cuda else None" if config.data.padding == "dynamic" else ""
    padding = ', padding="max_length"' if config.data.padding == "max_length" else ""
    texts = 'batch["text"], batch["text_pair"]' if is_pair else 'batch["text"]'
    if config.model.add_unknown_tokens:
        tokenizer = UNKNOWN_CODE
    else:
        tokenizer = (
            "def make_tokenizer(train_rows):\n"
            '    """The checkpoint\'s tokenizer, as it is."""\n'
            "    return base_tokenizer"
        )
    return "\n".join(
        [
            f"base_tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT{extra})",
            "",
            "",
            tokenizer,
            "",
            "",
            "def tokenize_splits(tokenizer, data):",
            '    """input_ids, token_type_ids and attention_mask for every row of every split."""',
            "",
            "    def tokenize(batch):",
            f"        return tokenizer({texts}, truncation=True, max_length=MAX_LENGTH{padding})",
            "",
            "    return data.map(tokenize, batched=True)",
            "",
            "",
            "def make_collator(tokenizer):",
            '    """Pads each batch to its longest row."""',
            f"    return DataCollatorWithPadding(tokenizer{pad})",
            "",
            "",
            "def new_model(tokenizer):",
            '    """A fresh model from the checkpoint; the seed is set first: the new classification head is drawn."""',
            "    set_seed(SEED)",
            "    id2label = dict(enumerate(LABEL_NAMES))",
            "    model = AutoModelForSequenceClassification.from_pretrained(",
            f"        CHECKPOINT{extra},",
            "        num_labels=len(LABEL_NAMES),",
            "        id2label=id2label,",
            "        label2id={n: i for i, n in id2label.items()},",
            "        ignore_mismatched_sizes=True,",
            *head_lines(task),
            "    )",
            *after_model_lines(task),
            "    if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:  # added tokens: new random rows",
            "        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)",
            "    return model",
        ]
    )


def _argument_values(config: RunConfig, task: ScriptTask) -> dict[str, Any]:
    """The run's ``TrainingArguments`` values that the script writes (see ALWAYS_ARGS / SKIPPED_ARGS)."""
    from transformers import TrainingArguments

    from finetune.train.arguments import to_training_arguments

    args = to_training_arguments(config, "out", precision="fp32", task=task.name)
    defaults = TrainingArguments(output_dir="out")
    values = {}
    for f in dataclasses.fields(args):
        value = getattr(args, f.name)
        if not f.init or f.name in SKIPPED_ARGS or (value == getattr(defaults, f.name) and f.name not in ALWAYS_ARGS):
            continue
        values[f.name] = getattr(value, "value", value)  # enums such as IntervalStrategy -> their string
    return values


def precision_code(config: RunConfig) -> str:
    """``BF16`` / ``FP16``: the run's precision as the script's device computes it. ``auto`` is the studio's rule
    (finetune.model.precision): bf16 on a GPU that supports it, else fp16 on CUDA; bf16 autocast on a CPU with
    bf16 instructions, else fp32."""
    from finetune.model.precision import CPU_BF16_FLAGS

    precision = config.train.precision
    if precision != "auto":
        return f"BF16, FP16 = {precision == 'bf16'}, {precision == 'fp16'}  # the run's precision: {precision}"
    return "\n".join(
        [
            "# the run's precision, auto: bf16 where the device computes it (a GPU that supports it, a CPU with bf16",
            "# instructions), else fp16 on a GPU and fp32 on a CPU",
            f"CPU_BF16_FLAGS = {CPU_BF16_FLAGS!r}",
            'cpu_bf16 = any(getattr(torch.cpu, "get_capabilities", dict)().get(flag) for flag in CPU_BF16_FLAGS)',
            "BF16 = torch.cuda.is_bf16_supported() if cuda else cpu_bf16",
            "FP16 = cuda and not BF16",
        ]
    )


def trainer_arguments_code(config: RunConfig, task: ScriptTask) -> str:
    """``ARGS`` (and ``FINAL_ARGS`` for a k-fold run's final model): the run's ``TrainingArguments`` values."""
    from transformers import TrainingArguments

    values = _argument_values(config, task)
    lines = ["ARGS = dict("] + [f"    {name}={lit(value)}," for name, value in values.items()]
    # use_cpu: transformers refuses bf16 without a GPU unless told it runs on the CPU (accelerate then autocasts)
    lines += ["    bf16=BF16,", "    fp16=FP16,", "    use_cpu=not cuda,", '    report_to="none",', ")"]
    if config.train.cv_folds and config.train.cv_final_model:
        final = _argument_values(_final_config(config), task)
        defaults = TrainingArguments(output_dir="out")
        changed = {
            name: final.get(name, getattr(getattr(defaults, name), "value", getattr(defaults, name)))
            for name in {**values, **final}
            if final.get(name) != values.get(name)
        }
        lines.append(f"FINAL_ARGS = {{**ARGS, {', '.join(f'{lit(k)}: {lit(v)}' for k, v in changed.items())}}}")
        lines[-1] += "  # the final model has no validation rows to choose with"
    return "\n".join(lines)


def _final_config(config: RunConfig) -> RunConfig:
    """The config the run trained its final model (all rows) with."""
    from finetune.train.cross_validation import fold_config

    return fold_config(config, "final", is_pair=False, label_names=["a", "b"], final=True)


def trainer_train_code(config: RunConfig, task: ScriptTask) -> str:
    """``train_and_evaluate`` with ``Trainer``."""
    patience = config.train.early_stopping_patience
    callbacks = f"[EarlyStoppingCallback(early_stopping_patience={patience})]" if patience else "[]"
    final_args = "FINAL_ARGS if final else ARGS" if config.train.cv_final_model and config.train.cv_folds else "ARGS"
    after_training = ""
    if task.two_thresholds:
        after_training = (
            "\n    trainer.compute_metrics = lambda eval_pred: compute_metrics(eval_pred, THRESHOLD)"
            "  # the final evaluations decide at the run's tuned threshold"
        )
    return f'''def train_and_evaluate(data, output_dir, final=False):
    """Train a fresh model on data["train"], score it on data["validation"] (and "test"), save it."""
    tokenizer = make_tokenizer(data["train"])
    tokenized = tokenize_splits(tokenizer, data)
    model = new_model(tokenizer)
    trainer = Trainer(
        model=model,
        args=TrainingArguments(output_dir=output_dir, **({final_args})),
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=make_collator(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=[] if final else {callbacks},
    )
    trainer.train(){after_training}
    output = trainer.predict(tokenized["validation"], metric_key_prefix="eval")
    print(output.predictions.shape, output.label_ids.shape)
    trainer.save_metrics("eval", output.metrics)  # output_dir/eval_results.json
    print(output.metrics)
    if "test" in tokenized:
        test_metrics = trainer.evaluate(tokenized["test"], metric_key_prefix="test")
        trainer.save_metrics("test", test_metrics)
        print(test_metrics)
    trainer.save_model(output_dir)  # model + tokenizer, ready for pipeline()
    predictions = predictions_of(output.predictions)
    metrics = {{"loss": output.metrics["eval_loss"], **scores(predictions, output.label_ids)}}
    return metrics, predictions, output.label_ids'''


def loop_constants_code(config: RunConfig, task: ScriptTask) -> str:
    """The loop styles' hyperparameters: the run's values, named as the loop uses them."""
    from finetune.train.arguments import to_training_arguments

    t = config.train
    metric, greater = best_metric(config, task)
    arguments = to_training_arguments(config, "out", precision="fp32", task=task.name)
    eval_steps = arguments.eval_steps  # None: Trainer's logging_steps
    lines = [
        f"LEARNING_RATE = {t.learning_rate!r}",
        f"EPOCHS = {t.num_train_epochs!r}",
        f"MAX_STEPS = {t.max_steps if t.max_steps and t.max_steps > 0 else -1}  # > 0: stop after this many steps",
        f"BATCH_SIZE = {t.per_device_train_batch_size}",
        f"EVAL_BATCH_SIZE = {t.per_device_eval_batch_size}",
        f"GRADIENT_ACCUMULATION = {t.gradient_accumulation_steps}",
        f"WEIGHT_DECAY = {t.weight_decay!r}  # not on biases and normalization layers, as Trainer does",
        f"SCHEDULE = {lit(t.lr_scheduler_type)}",
        f"WARMUP_RATIO = {t.warmup_ratio!r}  # warmup steps: ceil(WARMUP_RATIO * total steps), as Trainer counts them",
        "MAX_GRAD_NORM = 1.0  # Trainer's gradient clipping",
        f"BEST_METRIC = {lit(metric)}  # the best evaluation's weights are saved to OUTPUT_DIR/best",
        f"GREATER_IS_BETTER = {greater!r}  # " + ("a higher score is better" if greater else "a lower loss or error"),
        f"KEEP_BEST = {t.keeps_best_model!r}  # True: the final model is the best evaluation's, as the run kept it",
        f"PATIENCE = {t.early_stopping_patience!r}  # stop after this many evaluations without a better {metric}",
        f"EVAL_STRATEGY = {lit(t.eval_strategy)}  # validation after each epoch, every EVAL_STEPS steps, or never",
        f"EVAL_STEPS = {eval_steps if t.eval_strategy == 'steps' else None!r}",
    ]
    return "\n".join(lines)


LOOP_COMMON_CODE = '''def parameter_groups(model):
    """AdamW's weight decay on the weights, not on biases and normalization layers: Trainer's rule (parameters
    of a LayerNorm, or named like a bias or a norm)."""
    no_decay = re.compile(r"bias|layernorm|rmsnorm|(?:^|\\.)norm(?:$|\\.)|_norm(?:$|\\.)")
    norms = {f"{name}.{p}" for name, module in model.named_modules() if isinstance(module, torch.nn.LayerNorm)
             for p, _ in module.named_parameters()}
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decays = [n not in norms and not no_decay.search(n.lower()) for n, _ in named]
    return [
        {"params": [p for (_, p), d in zip(named, decays) if d], "weight_decay": WEIGHT_DECAY},
        {"params": [p for (_, p), d in zip(named, decays) if not d], "weight_decay": 0.0},
    ]


def trainer_averages_accumulated_batches(model):
    """Whether Trainer divides each batch's loss by the number of batches one optimizer step accumulates.
    Not when the model's forward takes **kwargs, as most do in transformers 5: Trainer then leaves the averaging
    to the model, which a classification model does batch by batch, so the accumulated losses add up."""
    takes_kwargs = getattr(model, "accepts_loss_kwargs", None)
    if takes_kwargs is None:
        takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in inspect.signature(model.forward).parameters.values())
    return not takes_kwargs


def batches_in_step(i, batches):
    """How many batches the optimizer step of batch i accumulates: GRADIENT_ACCUMULATION, fewer in an epoch's last."""
    last_step_start = (batches - 1) // GRADIENT_ACCUMULATION * GRADIENT_ACCUMULATION
    return batches - last_step_start if i >= last_step_start else GRADIENT_ACCUMULATION


def loop_tensors(tokenizer, data):
    """Tokenized splits as tensors: the text columns dropped, "label" renamed "labels" (what the model takes)."""
    tokenized = tokenize_splits(tokenizer, data)
    tokenized = tokenized.remove_columns([c for c in ("text", "text_pair") if c in tokenized["train"].column_names])
    tokenized = tokenized.rename_column("label", "labels")
    tokenized.set_format("torch")
    return tokenized


def is_better(metrics, best):
    """Strictly better on BEST_METRIC (higher, or lower for a loss or an error), as Trainer compares."""
    if best is None:
        return True
    if GREATER_IS_BETTER:
        return metrics[BEST_METRIC] > best[BEST_METRIC]
    return metrics[BEST_METRIC] < best[BEST_METRIC]


class BestModel:
    """The best validation metrics so far, their weights saved in `folder`, and the evaluations since: what
    the run's Trainer tracked for load_best_model_at_end and EarlyStoppingCallback."""

    def __init__(self, folder):
        self.folder, self.metrics, self.waited = folder, None, 0

    def update(self, metrics, model, tokenizer):
        """Save the weights when `metrics` are the best so far. True: stop, PATIENCE evaluations without better."""
        if is_better(metrics, self.metrics):
            self.metrics, self.waited = metrics, 0
            save(model, tokenizer, self.folder)
            return False
        self.waited += 1
        return bool(PATIENCE) and self.waited >= PATIENCE


def save_results(output_dir, prefix, metrics):
    """output_dir/<prefix>_results.json, as Trainer.save_metrics writes it."""
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    results = {f"{prefix}_{name}": value for name, value in metrics.items()}
    Path(output_dir, f"{prefix}_results.json").write_text(json.dumps(results, indent=4), encoding="utf-8")
    print(results)'''

# The run's Trainer shuffled through accelerate's SeedableRandomSampler (data_seed = seed).
SEEDED_SAMPLER_CODE = '''class RunOrderSampler(RandomSampler):
    """The training rows in the run's order: Trainer shuffles them with accelerate's SeedableRandomSampler,
    a new permutation each epoch from a generator seeded with SEED + epoch."""

    def __init__(self, rows):
        super().__init__(rows, generator=torch.Generator())
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        self.generator.manual_seed(SEED + self.epoch)
        return super().__iter__()'''

# group_by_length: the run's Trainer used transformers' LengthGroupedSampler (finetune/compat.py).
GROUPED_SAMPLER_CODE = '''class RunOrderSampler(LengthGroupedSampler):
    """The training rows in the run's order: with group_by_length, Trainer's LengthGroupedSampler shuffles them
    from torch's global random state at each epoch, then sorts chunks of the permutation by length, so that a
    batch holds rows of similar length (little padding)."""

    def __init__(self, rows):
        lengths = [len(ids) for ids in rows.with_format(None)["input_ids"]]
        super().__init__(BATCH_SIZE * GRADIENT_ACCUMULATION, lengths=lengths)

    def set_epoch(self, epoch):
        """Nothing to set: each epoch's shuffle draws from the global random state where training left it."""'''

LOOP_CODE = '''device = torch.device("cuda" if cuda else "cpu")
use_amp = BF16 or FP16
amp_dtype = torch.bfloat16 if BF16 else torch.float16


def autocast():
    return torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp)


def evaluate_model(model, loader):
    """Loss and metrics over a loader; the logits are gathered batch by batch, then scored."""
    model.eval()
    logits, references, losses = [], [], []
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        with torch.no_grad(), autocast():
            outputs = model(**batch)
        logits.append(outputs.logits.float().cpu())  # the metric's add_batch
        references.append(batch["labels"].cpu())
        losses.append(outputs.loss.item() * len(batch["labels"]))
    predictions, references = predictions_of(torch.cat(logits).numpy()), torch.cat(references).numpy()
    return {"loss": sum(losses) / len(references), **scores(predictions, references)}, predictions, references


def save(model, tokenizer, folder):
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def validate(model, tokenizer, loader, best, when):
    """An evaluation during training: score the validation rows, keep the weights if they are the best so far.
    True: stop early."""
    metrics = evaluate_model(model, loader)[0]
    print(f"{when}: {metrics}")
    model.train()
    return best.update(metrics, model, tokenizer)


def train_and_evaluate(data, output_dir, final=False):
    """Train a fresh model on data["train"], score it on data["validation"] (and "test"), save it."""
    tokenizer = make_tokenizer(data["train"])
    tokenized = loop_tensors(tokenizer, data)
    collator = make_collator(tokenizer)
    model = new_model(tokenizer).to(device)
    set_seed(SEED)  # Trainer seeds again once it has the model: batch order and dropout draw from here, as in the run
    sampler = RunOrderSampler(tokenized["train"])
    train_loader = DataLoader(tokenized["train"], sampler=sampler, batch_size=BATCH_SIZE, collate_fn=collator)
    eval_loader = DataLoader(tokenized["validation"], batch_size=EVAL_BATCH_SIZE, collate_fn=collator)
    optimizer = AdamW(parameter_groups(model), lr=LEARNING_RATE, fused=True)  # fused: Trainer's default AdamW
    steps_per_epoch = math.ceil(len(train_loader) / GRADIENT_ACCUMULATION)
    total_steps = MAX_STEPS if MAX_STEPS > 0 else math.ceil(EPOCHS * steps_per_epoch)
    lr_scheduler = get_scheduler(SCHEDULE, optimizer, num_warmup_steps=math.ceil(WARMUP_RATIO * total_steps),
                                 num_training_steps=total_steps)
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp and amp_dtype == torch.float16)
    average = trainer_averages_accumulated_batches(model)
    best, step, stop = BestModel(Path(output_dir, "best")), 0, False
    progress = tqdm(range(total_steps))
    model.train()
    for epoch in range(math.ceil(total_steps / steps_per_epoch)):
        sampler.set_epoch(epoch)
        for i, batch in enumerate(train_loader):
            batch = {k: v.to(device) for k, v in batch.items()}
            with autocast():
                loss = model(**batch).loss
            if average:
                loss = loss / batches_in_step(i, len(train_loader))
            scaler.scale(loss).backward()
            if (i + 1) % GRADIENT_ACCUMULATION and i + 1 < len(train_loader):
                continue
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
            scale = scaler.get_scale()
            scaler.step(optimizer)
            scaler.update()
            if scaler.get_scale() >= scale:  # fp16: a step skipped for overflow leaves the schedule where it is
                lr_scheduler.step()
            optimizer.zero_grad()
            progress.update(1)
            step += 1
            stop = step >= total_steps
            if EVAL_STRATEGY == "steps" and not final and (step % EVAL_STEPS == 0 or stop):
                stop = validate(model, tokenizer, eval_loader, best, f"step {step}") or stop
            if stop:
                break
        if EVAL_STRATEGY == "epoch" and not final:
            stop = validate(model, tokenizer, eval_loader, best, f"epoch {epoch + 1}") or stop
        if stop:
            break
    if KEEP_BEST and best.metrics is not None and not final:
        model = AutoModelForSequenceClassification.from_pretrained(best.folder).to(device)
    metrics, predictions, references = evaluate_model(model, eval_loader)
    save_results(output_dir, "eval", metrics)
    if "test" in tokenized:
        test_loader = DataLoader(tokenized["test"], batch_size=EVAL_BATCH_SIZE, collate_fn=collator)
        save_results(output_dir, "test", evaluate_model(model, test_loader)[0])
    save(model, tokenizer, output_dir)  # model + tokenizer, ready for pipeline()
    return metrics, predictions, references'''

ACCELERATE_CODE = '''MIXED_PRECISION = "bf16" if BF16 else "fp16" if FP16 else "no"
accelerator = Accelerator(mixed_precision=MIXED_PRECISION)  # the loop accumulates gradients itself, as Trainer does


def evaluate_model(model, loader):
    """Loss and metrics over a loader; every process's logits gathered batch by batch, then scored."""
    model.eval()
    logits, references, losses = [], [], []
    for batch in loader:
        with torch.no_grad():
            outputs = model(**batch)
        batch_logits, batch_references = accelerator.gather_for_metrics((outputs.logits, batch["labels"]))
        logits.append(batch_logits.float().cpu())  # the metric's add_batch
        references.append(batch_references.cpu())
        losses.append(accelerator.gather_for_metrics(outputs.loss.repeat(len(batch["labels"]))).cpu())
    predictions, references = predictions_of(torch.cat(logits).numpy()), torch.cat(references).numpy()
    return {"loss": float(torch.cat(losses).mean()), **scores(predictions, references)}, predictions, references


def save(model, tokenizer, folder):
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        accelerator.unwrap_model(model).save_pretrained(folder, save_function=accelerator.save)
        tokenizer.save_pretrained(folder)


def validate(model, tokenizer, loader, best, when):
    """An evaluation during training: score the validation rows, keep the weights if they are the best so far.
    True: stop early."""
    metrics = evaluate_model(model, loader)[0]
    accelerator.print(f"{when}: {metrics}")
    model.train()
    return best.update(metrics, model, tokenizer)


def train_and_evaluate(data, output_dir, final=False):
    """Train a fresh model on data["train"], score it on data["validation"] (and "test"), save it."""
    tokenizer = make_tokenizer(data["train"])
    tokenized = loop_tensors(tokenizer, data)
    collator = make_collator(tokenizer)
    model = new_model(tokenizer).to(accelerator.device)
    set_seed(SEED)  # Trainer seeds again once it has the model: batch order and dropout draw from here, as in the run
    sampler = RunOrderSampler(tokenized["train"])
    train_loader = DataLoader(tokenized["train"], sampler=sampler, batch_size=BATCH_SIZE, collate_fn=collator)
    eval_loader = DataLoader(tokenized["validation"], batch_size=EVAL_BATCH_SIZE, collate_fn=collator)
    optimizer = AdamW(parameter_groups(model), lr=LEARNING_RATE, fused=True)  # fused: Trainer's default AdamW
    average = trainer_averages_accumulated_batches(model)
    train_loader, eval_loader, model, optimizer = accelerator.prepare(train_loader, eval_loader, model, optimizer)
    steps_per_epoch = math.ceil(len(train_loader) / GRADIENT_ACCUMULATION)
    total_steps = MAX_STEPS if MAX_STEPS > 0 else math.ceil(EPOCHS * steps_per_epoch)
    lr_scheduler = get_scheduler(SCHEDULE, optimizer, num_warmup_steps=math.ceil(WARMUP_RATIO * total_steps),
                                 num_training_steps=total_steps)
    best, step, stop = BestModel(Path(output_dir, "best")), 0, False
    progress = tqdm(range(total_steps), disable=not accelerator.is_local_main_process)
    model.train()
    for epoch in range(math.ceil(total_steps / steps_per_epoch)):
        sampler.set_epoch(epoch)
        for i, batch in enumerate(train_loader):
            step_ends = (i + 1) % GRADIENT_ACCUMULATION == 0 or i + 1 == len(train_loader)
            with contextlib.nullcontext() if step_ends else accelerator.no_sync(model):  # gradients sync once a step
                loss = model(**batch).loss
                if average:
                    loss = loss / batches_in_step(i, len(train_loader))
                accelerator.backward(loss)
            if not step_ends:
                continue
            accelerator.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
            optimizer.step()
            if not accelerator.optimizer_step_was_skipped:  # fp16: a step skipped for overflow keeps the schedule
                lr_scheduler.step()
            optimizer.zero_grad()
            progress.update(1)
            step += 1
            stop = step >= total_steps
            if EVAL_STRATEGY == "steps" and not final and (step % EVAL_STEPS == 0 or stop):
                stop = validate(model, tokenizer, eval_loader, best, f"step {step}") or stop
            if stop:
                break
        if EVAL_STRATEGY == "epoch" and not final:
            stop = validate(model, tokenizer, eval_loader, best, f"epoch {epoch + 1}") or stop
        if stop:
            break
    if KEEP_BEST and best.metrics is not None and not final:
        accelerator.wait_for_everyone()
        accelerator.unwrap_model(model).load_state_dict(
            AutoModelForSequenceClassification.from_pretrained(best.folder).state_dict())
    metrics, predictions, references = evaluate_model(model, eval_loader)
    if accelerator.is_main_process:
        save_results(output_dir, "eval", metrics)
    if "test" in tokenized:
        test_loader = accelerator.prepare(DataLoader(tokenized["test"], batch_size=EVAL_BATCH_SIZE,
                                                     collate_fn=collator))
        test_metrics = evaluate_model(model, test_loader)[0]
        if accelerator.is_main_process:
            save_results(output_dir, "test", test_metrics)
    save(model, tokenizer, output_dir)  # model + tokenizer, ready for pipeline()
    return metrics, predictions, references'''


def run_code(config: RunConfig, only: Optional[str], task: ScriptTask) -> str:
    """What the script does with ``train_and_evaluate``: one run, or the k folds (and the final model)."""
    t = config.train
    if not t.cv_folds:
        return "train_and_evaluate(raw, OUTPUT_DIR)"
    final = t.cv_final_model if only is None else only == "final"
    folds = "[]" if only == "final" else "range(1, FOLDS + 1)" if only is None else f"[{only}]"
    lines = [
        f"FOLDS = {t.cv_folds}  # {folds_comment(task)}",
        f"RUN_FOLDS = {folds}  # the folds this script trains",
        f"FINAL_MODEL = {final!r}  # then one more model on every training row, the run's model",
        "",
        'rows = raw["train"]',
        *folds_code(task),
        "results = {}",
        "for fold in RUN_FOLDS:",
        "    train_index, validation_index = folds[fold - 1]",
        '    print(f"fold {fold}/{FOLDS}: training on {len(train_index)} rows, validating on {len(validation_index)}")',
        '    fold_data = DatasetDict({"train": rows.select(train_index), "validation": rows.select(validation_index)})',
        '    metrics, predictions, references = train_and_evaluate(fold_data, f"{OUTPUT_DIR}/fold-{fold}")',
        "    results[fold] = metrics",
        *fold_report_lines(task),
        "if results:",
        "    summary = {}",
        "    for name in next(iter(results.values())):",
        "        values = [m[name] for m in results.values()]",
        "        # np.std is the population std (ddof=0), as the run reports it",
        '        summary[name] = {"mean": float(np.mean(values)), "std": float(np.std(values)), "per_fold": values}',
        "    for name, stats in summary.items():",
        '        per_fold = ", ".join(f"{v:.4f}" for v in stats[\'per_fold\'])',
        "        print(f\"{name}: {stats['mean']:.4f} ± {stats['std']:.4f}  ({per_fold})\")",
        "    Path(OUTPUT_DIR).mkdir(parents=True, exist_ok=True)",
        '    results_text = json.dumps({"folds": results, "summary": summary}, indent=2)',
        '    Path(OUTPUT_DIR, "cv_results.json").write_text(results_text, encoding="utf-8")',
        "if FINAL_MODEL:",
        '    validation = raw["validation"] if "validation" in raw else rows  # no hold-out: scored on its own rows',
        '    everything = DatasetDict({"train": rows, "validation": validation})',
        '    if "test" in raw:',
        '        everything["test"] = raw["test"]',
        '    train_and_evaluate(everything, f"{OUTPUT_DIR}/final", final=True)',
    ]
    return "\n".join(lines)


def training_code(config: RunConfig, style: str, only: Optional[str], task: ScriptTask) -> list[str]:
    """Sections 5, 6 and 7 of the script: metrics, training in ``style``, then the run (one, or k folds)."""
    kfold = "k-fold cross-validation" if config.train.cv_folds else "train, evaluate, save"
    if style == "trainer":
        training = trainer_arguments_code(config, task) + "\n\n\n" + trainer_train_code(config, task)
        return [
            "# 5. Metrics\n" + metrics_code(task, trainer=True),
            "# 6. Train, evaluate, save\n" + training,
            f"# 7. Run: {kfold}\n" + run_code(config, only, task),
        ]
    sampler = GROUPED_SAMPLER_CODE if config.train.group_by_length else SEEDED_SAMPLER_CODE
    loop = loop_code(LOOP_CODE if style == "loop" else ACCELERATE_CODE, task)
    parts = [loop_constants_code(config, task), LOOP_COMMON_CODE, sampler, loop]
    return [
        "# 5. Metrics\n" + metrics_code(task, trainer=False),
        "# 6. Train, evaluate, save\n" + "\n\n\n".join(parts),
        f"# 7. Run: {kfold}\n" + run_code(config, only, task),
    ]


# A multi-label run that tuned its threshold: evaluations during training decided at the configured one.
TWO_THRESHOLDS = {
    "def evaluate_model(model, loader):": "def evaluate_model(model, loader, threshold=THRESHOLD):",
    "predictions_of(torch.cat(logits).numpy())": "predictions_of(torch.cat(logits).numpy(), threshold)",
    "metrics = evaluate_model(model, loader)[0]": (
        "metrics = evaluate_model(model, loader, TRAINING_THRESHOLD)[0]  # the configured threshold, as the run"
    ),
}


def loop_code(code: str, task: ScriptTask) -> str:
    """The loop as it is, or with two thresholds (:data:`TWO_THRESHOLDS`) when the run tuned its threshold."""
    if not task.two_thresholds:
        return code
    for old, new in TWO_THRESHOLDS.items():
        assert code.count(old) == 1, old
        code = code.replace(old, new)
    return code
