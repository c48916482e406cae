"""Predict tab: probabilities per label, behind-the-pipeline view, batch prediction, evaluation report,
and the labels to check (label issues found by confident learning).

The tab follows the model's task (read from its saved config): single-label shows every label's softmax
probability; multi-label every label's sigmoid probability against the decision threshold, with a slider that
starts at the model's saved threshold and decides the label set again as it moves (batch prediction uses it
too); regression shows the number.

The model list follows the runs folder: when a run finishes, the newest finished run is selected,
unless the person picked a model themselves. A model whose classification head was never trained
(any base checkpoint) is predicted with, but a warning says its numbers mean nothing.
"""

from __future__ import annotations

import dataclasses
import html
import re
import tempfile
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from finetune.config.run_config import BUNDLED_CHECKPOINT
from finetune.config.tasks import DEFAULT_THRESHOLD, MULTI_LABEL, REGRESSION, SINGLE_LABEL
from finetune.data.names import FILE_TYPES
from finetune.errors import DataError, FinetuneError, RunError
from finetune.model.checkpoints import PRESETS
from finetune.runs.run import WITH_MODEL, Run

from ..access import find_run, model_source, open_run, visible_runs, visible_runs_with_model, visitor_of
from ..charts import SCATTER_BLOCK, probability_bars, truth_scatter, vega_plot
from ..i18n import say, say_error, t
from ..settings import Settings
from ..studio import Studio, Values
from ..tasks import metric_name, report_lines, saved_model_task

MODEL_HINT = "A finished/cancelled run, a model folder, bundled-minilm, or a Hub text-classification model id."
PRESET_NAMES = frozenset(p.name for p in PRESETS)
BASE_WARNING = (
    "⚠️ **{name} is a base checkpoint**: its classification head has never been trained, so its "
    "probabilities mean nothing. Train a run on the *Train* tab; it appears in this list when it finishes."
)
BATCH_TYPES = sorted(FILE_TYPES)
LABEL_ISSUES_SHOWN = 50


def model_choices(settings: Settings, visitor: Optional[str]) -> list[str]:
    """Runs with a saved model (newest first; public mode: the visitor's), then cross-validation runs without
    one (their evaluation report reads the out-of-fold predictions), then the bundled base checkpoint."""
    with_model = [r.run_id for r in visible_runs_with_model(settings, visitor)]
    reports_only = [
        r.run_id
        for r in visible_runs(settings, visitor)
        if r.run_id not in with_model and r.status in WITH_MODEL and Run(r.path).predictions_path().exists()
    ]
    return with_model + reports_only + [BUNDLED_CHECKPOINT]


def model_list(settings: Settings, current: Optional[str], picked: bool, visitor: Optional[str]) -> Any:
    """The model dropdown: the newest run, unless the person picked a model that is still there."""
    choices = model_choices(settings, visitor)
    gone = current not in choices and find_run(settings, current, None) is not None  # a run deleted since
    keep = picked and current and not gone
    return gr.Dropdown(choices=choices, value=current if keep else choices[0])


KFOLD_MODEL_NOTE = (
    "**{run}** is a {folds}-fold cross-validation run: predictions come from its **final model**, trained on all "
    "{rows} rows after the folds (the run's model/ folder)."
)


def model_note(settings: Settings, choice: Optional[str], visitor: Optional[str]) -> str:
    """What the chosen model is, where that is not plain: a k-fold run's final model, or why such a run has none
    and what to use instead; a base checkpoint's untrained head. Empty for an ordinary run."""
    if choice in PRESET_NAMES:
        return say(BASE_WARNING, name=html.escape(str(choice)))
    run = find_run(settings, choice, visitor)
    train = run.config_dict().get("train") if run is not None else None
    folds = train.get("cv_folds") if isinstance(train, dict) else None
    if run is None or not isinstance(folds, int) or folds < 2:
        return ""
    if not run.has_model:
        return "⚠️ " + html.escape(say_error(run.no_model_reason()))
    pooled = run.metrics().get("cross_validation", {}).get("pooled", {})
    rows = pooled.get("num_examples", "?") if isinstance(pooled, dict) else "?"
    return say(KFOLD_MODEL_NOTE, run=html.escape(run.id), folds=folds, rows=rows)


def untrained_note(predictor: Any) -> str:
    warning = predictor.head_warning()
    return say("⚠️ **Untrained head.** {warning}", warning=html.escape(say(warning))) if warning else ""


def predict_one(settings: Settings, v: Values) -> Values:
    """One text (or pair) as the model's task reads it: every label's probability (single-label), every label's
    probability against the decision threshold and the labels that reach it (multi-label), or the number
    (regression); and every step behind it."""
    from finetune.predict.predictor import get_predictor

    text, pair = v["predict.text"], v["predict.pair"]
    predictor = get_predictor(model_source(settings, v["predict.model"], visitor_of(v)))
    if not text or not text.strip():
        raise DataError(say("Type a text to classify."))
    out: Values = {}
    threshold = None
    if predictor.task == MULTI_LABEL:
        if v.get("predict.task") == MULTI_LABEL and v.get("predict.threshold") is not None:
            threshold = float(v["predict.threshold"])
        else:  # the slider was not set for this model (a Hub model): its saved threshold
            threshold = predictor.threshold
            out.update(task_view(MULTI_LABEL, threshold))
    result = predictor.predict([text], [pair] if pair and pair.strip() else None, threshold=threshold)[0]
    exp = predictor.explain(text, pair or None)
    notes = [model_note(settings, v["predict.model"], visitor_of(v)), untrained_note(predictor)]
    out.update(
        {
            "predict.behind": tokenizer_step(exp) + behind_model(exp, predictor.task, threshold),
            "predict.warning": "\n\n".join(note for note in notes if note),
        }
    )
    if predictor.task == MULTI_LABEL:  # the slider decides again from these, without running the model
        out.update(decision(result.probabilities, threshold))
        out["predict.probs"] = {"probabilities": dict(result.probabilities), "explanation": dataclasses.asdict(exp)}
    elif predictor.task == REGRESSION:
        name = html.escape(predictor.labels[0])
        out.update(
            {
                "predict.result": say(
                    "**Predicted {name}:** <span id='pred-value'>{value}</span>", name=name, value=f"{result.value:.4f}"
                ),
                "predict.label": gr.Label(value=None, visible=False),
                "predict.chart": gr.Plot(value=None, visible=False),
            }
        )
    else:
        out.update(
            {
                "predict.label": gr.Label(value=result.probabilities, visible=True),
                "predict.chart": gr.Plot(value=None, visible=False),
                "predict.result": "",
            }
        )
    return out


def tokenizer_step(exp: Any) -> str:
    """Step 1 behind the pipeline: the tokens and the ids the model reads."""
    tokens = " ".join(f"<code>{html.escape(t)}</code>" for t in exp.tokens)
    return (
        say("**1. Tokenizer** → {count} ids: {tokens}", count=len(exp.input_ids), tokens=tokens) + "\n\n"
        f"`input_ids` = {exp.input_ids}\n\n"
        + (f"`token_type_ids` = {exp.token_type_ids}\n\n" if exp.token_type_ids is not None else "")
    )


def behind_model(exp: Any, task: str, threshold: Optional[float]) -> str:
    """The steps after the tokenizer, as the model's task takes them: softmax over the classes (single-label),
    a sigmoid per label and the threshold (multi-label), or the output itself (regression: no softmax)."""
    if task == REGRESSION:
        name = html.escape(exp.id2label.get(0, "label"))
        return (
            say("**2. Model** → one output, **no softmax**: the output is the number ({name}).", name=name)
            + "\n\n"
            + say("| output | value |")
            + f"\n|---|---|\n| {name} | {exp.logits[0]:.4f} |\n\n"
            + say("**Prediction:** {label}", label=f"{name} = {exp.logits[0]:.4f}")
        )
    if task == MULTI_LABEL:
        cut = DEFAULT_THRESHOLD if threshold is None else threshold
        yes, no = say("yes"), say("no")
        table = "\n".join(
            f"| {i} | {html.escape(exp.id2label[i])} | {exp.logits[i]:.4f} | {exp.probabilities[i]:.4f} | "
            f"{yes if exp.probabilities[i] >= cut else no} |"
            for i in range(len(exp.logits))
        )
        chosen = [exp.id2label[i] for i in range(len(exp.logits)) if exp.probabilities[i] >= cut]
        return (
            say(
                "**2. Model** → logits, **3. sigmoid** on each logit by itself (not softmax: the probabilities need "
                "not add up to 1) → probabilities, **4. threshold** {threshold}: every label at or above it:",
                threshold=f"{cut:g}",
            )
            + "\n\n"
            + say("| id | label | logit | probability | predicted |")
            + f"\n|---|---|---|---|---|\n{table}\n\n"
            + say("**Prediction:** {label}", label=html.escape(", ".join(chosen)) or say("none of the labels"))
        )
    table = "\n".join(
        f"| {i} | {html.escape(exp.id2label[i])} | {exp.logits[i]:.4f} | {exp.probabilities[i]:.4f} |"
        for i in range(len(exp.logits))
    )
    return (
        say("**2. Model** → logits, **3. softmax** → probabilities, **4. id2label**:")
        + "\n\n"
        + say("| id | label | logit | probability |")
        + f"\n|---|---|---|---|\n{table}\n\n"
        + say("**Prediction:** {label}", label=html.escape(exp.prediction))
    )


def decision(probabilities: dict[str, float], threshold: float) -> Values:
    """A multi-label prediction at ``threshold``: the bar chart with the threshold drawn, and the label set."""
    words = {
        "title": say("probability of every label (sigmoid), and the threshold"),
        "probability": say("probability"),
        "above": say("at or above the threshold"),
        "below": say("below the threshold"),
        "threshold": say("threshold"),
    }
    chosen = [name for name, p in probabilities.items() if p >= threshold]
    labels = ", ".join(f"<code>{html.escape(name)}</code>" for name in chosen) or say("none of the labels")
    return {
        "predict.chart": gr.Plot(value=vega_plot(probability_bars(probabilities, threshold, words)), visible=True),
        "predict.label": gr.Label(value=None, visible=False),
        "predict.result": say(
            "**Predicted labels** (probability at or above {threshold}): <span id='pred-set'>{labels}</span>",
            threshold=f"{threshold:g}",
            labels=labels,
        ),
    }


def redecide(v: Values) -> Values:
    """The slider moved: the last multi-label prediction decided again at its value, its chart, label set and
    steps behind it (the model is not run again)."""
    from finetune.predict.predictor import Explanation

    last = v.get("predict.probs")
    if not last or v.get("predict.threshold") is None:
        return {}
    threshold = float(v["predict.threshold"])
    exp = Explanation(**last["explanation"])
    behind = tokenizer_step(exp) + behind_model(exp, MULTI_LABEL, threshold)
    return {**decision(last["probabilities"], threshold), "predict.behind": behind}


def task_view(task: Optional[str], threshold: float) -> Values:
    """The Predict tab for a model's task: the threshold slider at the model's saved threshold (multi-label only),
    the probability of every label (single-label) or the bar chart (multi-label)."""
    return {
        "predict.task": task,
        "predict.threshold": gr.Slider(value=threshold, visible=task == MULTI_LABEL),
        "predict.label": gr.Label(visible=task not in (MULTI_LABEL, REGRESSION)),
        "predict.chart": gr.Plot(visible=task == MULTI_LABEL),
    }


def model_view(settings: Settings, v: Values) -> Values:
    """Another model: the tab follows its task, read from its saved config (no weights are loaded); a model that
    is not at hand yet (a Hub id) is read when it first predicts."""
    from finetune.predict.predictor import resolve_model_source

    try:
        _, folder = resolve_model_source(model_source(settings, v["predict.model"], visitor_of(v)))
    except FinetuneError:
        folder = None
    task, threshold = saved_model_task(folder)
    return task_view(task, threshold)


def predict_batch(settings: Settings, v: Values) -> Values:
    """Classify many lines or a file; a table to sort (a file's first rows) and the whole CSV to download. A
    multi-label model decides at the slider's threshold once the slider is set for it.

    A file streams (finetune.predict.batch): read, predicted and written in chunks, so memory stays flat
    and the progress bar shows rows done and rows/s. The CSV is UTF-8 with a BOM: Excel shows Chinese text.
    """
    from finetune.predict.batch import PREVIEW_ROWS, predict_to_csv
    from finetune.predict.predictor import get_predictor, label_rows

    predictor = get_predictor(model_source(settings, v["predict.model"], visitor_of(v)))
    progress = v["progress"]
    file = v["predict.batch_file"]
    threshold = None  # multi-label: the slider's threshold, once it is set for this model
    if predictor.task == MULTI_LABEL and v.get("predict.task") == MULTI_LABEL and v.get("predict.threshold"):
        threshold = float(v["predict.threshold"])
    path = Path(tempfile.mkdtemp(prefix="predictions-")) / download_name(v["predict.model"], file)
    if file is not None:
        result = predict_to_csv(
            predictor,
            str(getattr(file, "name", file)),
            path,
            text_column=v["predict.batch_text_col"] or None,
            text_pair_column=v["predict.batch_pair_col"] or None,
            preview_rows=PREVIEW_ROWS,
            progress=lambda p: progress(p.fraction, desc=p.describe(say)),
            threshold=threshold,
        )
        table = result.head
        label = (
            say(
                "predictions (the first {shown} of {rows} rows; the download has every row)",
                shown=f"{len(table):,}",
                rows=f"{result.rows:,}",
            )
            if result.rows > PREVIEW_ROWS
            else say("predictions (sortable)")
        )
    else:
        texts = [line for line in (v["predict.batch_lines"] or "").splitlines() if line.strip()]
        if not texts:
            raise DataError(say("Type one text per line, or upload a file."))
        table = label_rows(
            predictor,
            texts,
            None,
            "text",
            None,
            progress=lambda done, total: progress(
                done / total, desc=say("{done}/{total} rows", done=done, total=total)
            ),
            threshold=threshold,
        )
        table.to_csv(path, index=False, encoding="utf-8-sig")  # with a BOM: Excel opens Chinese text correctly
        label = say("predictions (sortable)")
    return {
        "predict.batch_table": gr.Dataframe(value=table.round(4), label=label, visible=True),
        "predict.batch_download": gr.update(value=str(path), visible=True),
        "predict.warning": untrained_note(predictor),
    }


def download_name(model: Optional[str], file: Any) -> str:
    """The predictions file's name: what was predicted with which model, e.g. ``reviews-predictions-run-3.csv``."""
    stem = Path(str(getattr(file, "name", file))).stem if file is not None else "lines"
    model_name = Path(str(model or "model")).name
    safe = re.sub(r"[^\w.-]+", "-", f"{stem}-predictions-{model_name}", flags=re.UNICODE).strip("-.")
    return f"{safe[:120] or 'predictions'}.csv"


def confusion_html(matrix: list[list[int]], names: list[str]) -> str:
    peak = max((v for row in matrix for v in row), default=1) or 1
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = ""
    for name, row in zip(names, matrix):
        cells = "".join(
            f"<td style='background:rgba(249,115,22,{0.1 + 0.9 * v / peak:.2f});text-align:center'>{v}</td>"
            for v in row
        )
        body += f"<tr><th>{html.escape(name)}</th>{cells}</tr>"
    corner = html.escape(say("true \\ predicted"))
    return f"<table id='confusion-matrix'><tr><th>{corner}</th>{head}</tr>{body}</table>"


def report_view(report: dict[str, Any], title: str = "", config: Optional[dict[str, Any]] = None) -> Values:
    """A report as its task reads: overall metrics and what to read them against, then single-label's per-class
    table, confusion matrix and most confident mistakes; multi-label's per-label table (precision, recall, F1,
    support) at the decision threshold and the rows whose label set is wrong; regression's predicted-against-true
    scatter and its largest errors."""
    import pandas as pd

    task = report.get("task") or SINGLE_LABEL
    value, metric = say("value"), say("metric")
    metrics = pd.DataFrame([{metric: metric_name(k), value: round(v, 4)} for k, v in report["metrics"].items()])
    notes = report_lines(report, config or {})
    out: Values = {
        "predict.eval_title": title,
        "predict.eval_overall": gr.Dataframe(value=metrics, visible=True),
        "predict.eval_note": "\n".join(
            "- " + say("{name}: **{value}**", name=name, value=shown) for name, shown in notes
        ),
        "predict.eval_matrix": "",
        "predict.eval_scatter": gr.Plot(value=None, visible=False),
        "predict.eval_per_class": gr.Dataframe(value=None, visible=False),
    }
    if task != REGRESSION:
        per_class = pd.DataFrame(report["per_class"]).round(4)
        per_class = per_class.rename(columns={c: say(c) for c in per_class.columns})
        label = say("per label, at the decision threshold") if task == MULTI_LABEL else say("per class")
        out["predict.eval_per_class"] = gr.Dataframe(value=per_class, visible=True, label=label)
    if task == SINGLE_LABEL:
        out["predict.eval_matrix"] = confusion_html(report["confusion_matrix"], report["label_names"])
    if task == REGRESSION and report.get("scatter"):
        name = (report.get("label_names") or ["label"])[0]
        words = {
            "title": say("predicted against true values"),
            "true": say("true {name}", name=name),
            "predicted": say("predicted {name}", name=name),
            "reference": say("dashed line: y = x, a perfect prediction"),
        }
        points = report["scatter"]
        plot = vega_plot(truth_scatter(points["true"], points["predicted"], words))
        out["predict.eval_scatter"] = gr.Plot(value=plot, visible=True)
    out["predict.eval_mistakes"] = mistakes_table(report.get("mistakes") or [], task)
    return out


MISTAKE_TITLES = {
    SINGLE_LABEL: "misclassified validation examples, most confident first",
    MULTI_LABEL: "rows whose predicted labels differ from the true ones, most wrong labels first",
    REGRESSION: "the largest errors",
}


def mistakes_table(rows: list[dict[str, Any]], task: str) -> Any:
    """A report's wrong rows, as its task has them."""
    import pandas as pd

    def text(m: dict[str, Any]) -> str:
        return m["text"] + (f"  ‖  {m['text_pair']}" if m.get("text_pair") else "")

    if task == MULTI_LABEL:  # the labels first: a long text would push them out of sight
        columns = [say(c) for c in ("true", "predicted", "text")]

        def names(labels: Any) -> str:
            return ", ".join(labels or []) or say("none")

        data = [(names(m.get("labels")), names(m.get("predicted")), text(m)) for m in rows]
    elif task == REGRESSION:
        columns = [say(c) for c in ("error", "true", "predicted", "text")]
        data = [(round(m["error"], 4), m["label"], round(m["prediction"], 4), text(m)) for m in rows]
    else:
        columns = [say(c) for c in ("text", "true", "predicted", "confidence")]
        data = [(text(m), m["label_name"], m["prediction_name"], round(m["confidence"], 4)) for m in rows]
    return gr.Dataframe(value=pd.DataFrame(data, columns=columns), visible=True, label=say(MISTAKE_TITLES[task]))


def run_report(settings: Settings, v: Values) -> Values:
    """The run's saved evaluation report, or a new one on another split or labelled file."""
    from finetune.predict.run_report import evaluate_run
    from finetune.predict.run_report import run_report as saved_report

    choice, dataset, split = v["predict.model"], v["predict.eval_data"], v["predict.eval_split"]
    if find_run(settings, choice, visitor_of(v)) is None:
        raise RunError(say("Choose a run (not a bare checkpoint) for its evaluation report."))
    run = open_run(settings, choice, visitor_of(v))
    if dataset:
        settings.guard(dataset, "dataset")
        report = evaluate_run(run.path, dataset=dataset, split=split or None)
    elif split and split != "validation":
        report = evaluate_run(run.path, split=split)
    else:
        report = saved_report(run.path)
    data = Path(dataset).name if dataset else say(split or "validation")
    title = say("### Report of **{run}** on {data}", run=html.escape(str(choice)), data=html.escape(data))
    return report_view(report, title, run.config_dict())


def forget_results(v: Values) -> Values:
    """Another model: what the previous one predicted and its report are cleared (they named its labels); the
    tables, the charts and the download hide until filled again (an empty table shows placeholder headers). Which
    of the probability views shows is the model's task's to say (:func:`model_view`)."""
    out: Values = {name: gr.update(value=None, visible=name not in HIDDEN_UNTIL_FILLED) for name in RESULTS}
    out.update({name: gr.update(value=None) for name in ("predict.label", "predict.chart")})
    out["predict.probs"] = None
    return out


def labels_to_check(settings: Settings, v: Values) -> Values:
    """The run's rows whose given label is probably wrong: the first ``LABEL_ISSUES_SHOWN`` and a CSV of all."""
    import pandas as pd

    from finetune.evaluation.label_issues import run_label_issues

    run = open_run(settings, v["predict.model"], visitor_of(v))
    issues = run_label_issues(run)
    frame = pd.DataFrame(issues)
    path = Path(tempfile.mkdtemp(prefix="label-issues-")) / f"{run.id}-label-issues.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    source = say("out-of-fold predictions") if run.folds_dir.is_dir() else say("validation predictions")
    note = say(
        "**{count}** of {rows} rows have a label the model finds unlikely ({source} of run {run}), least likely "
        "first. Check them by hand: some are mistakes in the data, some are hard rows.",
        count=len(issues),
        rows=len(run.predictions("validation")),
        source=source,
        run=run.id,
    )
    shown = frame.head(LABEL_ISSUES_SHOWN).rename(columns={c: say(c) for c in frame.columns})
    return {"predict.issues_note": note, "predict.issues_table": shown, "predict.issues_download": str(path)}


def examples(settings: Settings, v: Values) -> Values:
    """Up to 20 validation texts of the selected run (pairs joined by a tab) to try; the first fills an empty box.

    A base checkpoint (a preset) gets its warning at once: its classification head is untrained.
    """
    choice = v["predict.model"]
    run = find_run(settings, choice, visitor_of(v))
    rows = run.predictions() if run is not None else []
    options = [r["text"] + ("\t" + r["text_pair"] if r.get("text_pair") else "") for r in rows[:20]]
    out: Values = {
        "predict.examples": gr.Dropdown(choices=options, value=None),
        "predict.warning": model_note(settings, choice, visitor_of(v)),
    }
    if options and not (v.get("predict.text") or "").strip():
        out.update(use_example({"predict.examples": options[0]}))
    return out


def use_example(v: Values) -> Values:
    text, _, pair = (v["predict.examples"] or "").partition("\t")
    return {"predict.text": text, "predict.pair": pair}


REPORT = (
    "predict.eval_title",
    "predict.eval_overall",
    "predict.eval_note",
    "predict.eval_per_class",
    "predict.eval_matrix",
    "predict.eval_scatter",
    "predict.eval_mistakes",
)
HIDDEN_UNTIL_FILLED = (
    "predict.batch_table",
    "predict.batch_download",
    "predict.eval_overall",
    "predict.eval_per_class",
    "predict.eval_scatter",
    "predict.eval_mistakes",
)
RESULTS = (
    "predict.label",
    "predict.chart",
    "predict.result",
    "predict.probs",
    "predict.behind",
    "predict.batch_table",
    "predict.batch_download",
    *REPORT,
)
TASK_VIEW = ("predict.task", "predict.threshold", "predict.label", "predict.chart")
EXAMPLE_INPUTS = ("predict.model", "predict.text")
EXAMPLE_OUTPUTS = ("predict.examples", "predict.warning", "predict.text", "predict.pair")


def build(studio: Studio) -> None:
    add = studio.add
    choices = model_choices(studio.settings, None)
    with gr.Row():
        add(
            "predict.model",
            gr.Dropdown(
                choices=choices,
                value=choices[0],
                allow_custom_value=True,
                label=t("model"),
                info=t(MODEL_HINT),
                elem_id="pred-model",
                scale=3,
            ),
        )
        add("predict.picked", gr.State(False))
    with gr.Row():
        add("predict.text", gr.Textbox(label=t("text"), lines=2, elem_id="pred-text"))
        add("predict.pair", gr.Textbox(label=t("second text (pair models)"), lines=2, elem_id="pred-text-pair"))
    with gr.Row():
        add(
            "predict.examples",
            gr.Dropdown(
                label=t("examples from the run's validation data (pick one)"), elem_id="pred-examples", choices=[]
            ),
        )
        add("predict.go", gr.Button(t("Predict"), variant="primary", elem_id="pred-btn"))
    add("predict.warning", gr.Markdown(elem_id="pred-warning"))
    add("predict.task", gr.State(None))  # the chosen model's task, read from its config (see model_view)
    add("predict.probs", gr.State(None))  # the last multi-label prediction (probabilities, steps), for the slider
    add(
        "predict.threshold",
        gr.Slider(
            0.01,
            0.99,
            value=DEFAULT_THRESHOLD,
            step=0.01,
            label=t("decision threshold: a label is predicted when its probability reaches it"),
            info=t("Starts at the model's own threshold (tuned on validation when the run tuned it)."),
            elem_id="pred-threshold",
            visible=False,
        ),
    )
    add("predict.result", gr.Markdown(elem_id="pred-result"))
    add("predict.label", gr.Label(label=t("probability of every label"), elem_id="pred-label"))
    add(
        "predict.chart",
        gr.Plot(show_label=False, elem_id="pred-chart", visible=False),  # its title is the chart's own
    )
    with gr.Accordion(t("Behind the pipeline"), open=False):
        add("predict.behind", gr.Markdown(elem_id="pred-behind"))
    with gr.Accordion(t("Batch prediction"), open=False):
        add("predict.batch_lines", gr.Textbox(lines=4, label=t("one text per line")))
        with gr.Row():
            add(
                "predict.batch_file",
                gr.File(label=t("...or a csv/tsv/xlsx/jsonl file"), file_types=BATCH_TYPES, height=110),
            )
            add("predict.batch_text_col", gr.Textbox(label=t("text column of the file (empty: detected)")))
            add("predict.batch_pair_col", gr.Textbox(label=t("second text column (pairs)")))
        add("predict.batch_go", gr.Button(t("Predict all")))
        add(
            "predict.batch_table",
            gr.Dataframe(label=t("predictions (sortable)"), elem_id="pred-batch", max_height=320, visible=False),
        )
        add(
            "predict.batch_download",
            gr.File(
                label=t("download as CSV (UTF-8 with BOM, opens in Excel)"),
                elem_id="pred-batch-download",
                height=60,
                visible=False,
            ),
        )
    with gr.Accordion(t("Evaluation report"), open=False):
        with gr.Row():
            add("predict.eval_data", gr.Textbox(label=t("labelled file or dataset (empty: the run's own data)")))
            add("predict.eval_split", gr.Textbox(label=t("split (empty: validation)")))
            add("predict.eval_go", gr.Button(t("Show report"), elem_id="eval-btn"))
        add("predict.eval_title", gr.Markdown(elem_id="eval-title"))
        with gr.Row():
            with gr.Column(scale=1):
                add("predict.eval_overall", gr.Dataframe(label=t("overall"), elem_id="eval-overall", visible=False))
                add("predict.eval_note", gr.Markdown(elem_id="eval-note"))
            add(
                "predict.eval_per_class",
                gr.Dataframe(label=t("per class"), elem_id="eval-per-class", visible=False, scale=2),
            )
            add(
                "predict.eval_scatter",
                gr.Plot(
                    show_label=False, elem_id="eval-scatter", visible=False, scale=2, min_width=SCATTER_BLOCK
                ),  # a line of its own when the page is narrow
            )
        add("predict.eval_matrix", gr.HTML(elem_id="eval-confusion"))
        add(
            "predict.eval_mistakes",
            gr.Dataframe(
                label=t(MISTAKE_TITLES[SINGLE_LABEL]),
                elem_id="eval-mistakes",
                max_height=360,
                wrap=True,
                visible=False,
            ),
        )
    with gr.Accordion(t("Labels to check"), open=False):
        add(
            "predict.issues_go",
            gr.Button(t("Find labels that are probably wrong"), elem_id="issues-btn"),
        )
        add("predict.issues_note", gr.Markdown(elem_id="issues-note"))
        add("predict.issues_table", gr.Dataframe(elem_id="issues-table", max_height=360, wrap=True))
        add("predict.issues_download", gr.File(label=t("all flagged rows as CSV"), elem_id="issues-download"))
    wire(studio)


def wire(studio: Studio) -> None:
    settings = studio.settings
    studio.listen(studio["predict.model"].input, lambda v: {"predict.picked": True}, [], ["predict.picked"])
    studio.listen(studio["predict.model"].change, lambda v: examples(settings, v), EXAMPLE_INPUTS, EXAMPLE_OUTPUTS)
    studio.listen(studio["predict.model"].change, forget_results, [], list(RESULTS))
    studio.listen(studio["predict.model"].change, lambda v: model_view(settings, v), ["predict.model"], TASK_VIEW)
    studio.listen(studio["predict.examples"].input, use_example, ["predict.examples"], ["predict.text", "predict.pair"])
    single = ["predict.model", "predict.text", "predict.pair", "predict.task", "predict.threshold"]
    one_out = [*TASK_VIEW, "predict.result", "predict.probs", "predict.behind", "predict.warning"]
    studio.listen(
        [studio["predict.go"].click, studio["predict.text"].submit], lambda v: predict_one(settings, v), single, one_out
    )
    studio.listen(
        studio["predict.threshold"].change,
        redecide,
        ["predict.probs", "predict.threshold"],
        ["predict.chart", "predict.label", "predict.result", "predict.behind"],
        trigger_mode="always_last",
    )
    studio.listen(
        studio["predict.batch_go"].click,
        lambda v: predict_batch(settings, v),
        [
            "predict.model",
            "predict.batch_lines",
            "predict.batch_file",
            "predict.batch_text_col",
            "predict.batch_pair_col",
            "predict.task",
            "predict.threshold",
        ],
        ["predict.batch_table", "predict.batch_download", "predict.warning"],
        progress=True,
    )
    studio.listen(
        studio["predict.eval_go"].click,
        lambda v: run_report(settings, v),
        ["predict.model", "predict.eval_data", "predict.eval_split"],
        list(REPORT),
    )
    studio.listen(
        studio["predict.issues_go"].click,
        lambda v: labels_to_check(settings, v),
        ["predict.model"],
        ["predict.issues_note", "predict.issues_table", "predict.issues_download"],
    )


def refresh_models(settings: Settings, v: Values) -> Values:
    """After a run started or ended: the model list, keeping the person's own pick."""
    return {"predict.model": model_list(settings, v["predict.model"], bool(v["predict.picked"]), visitor_of(v))}
