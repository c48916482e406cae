"""Model & Data tab: checkpoint, dataset (preset, Hub id, upload, example), preview, column mapping.

It owns the config widgets in :data:`ui.config_form.DATA_FIELDS`; the Train tab owns the rest.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from finetune.config.recipes import get_recipe, recipe_choices
from finetune.config.run_config import BUNDLED_CHECKPOINT, RunConfig
from finetune.config.tasks import AUTO, MULTI_LABEL, REGRESSION, SINGLE_LABEL
from finetune.data.eval_cap import eval_cap_note
from finetune.data.names import FILE_TYPES
from finetune.errors import FinetuneError, message_of
from finetune.model.checkpoints import PRESETS

from ..config_form import (
    FILE_OPTIONS,
    MAPPING,
    build_data_config,
    config_to_widget_values,
    label_names_to_text,
    widget_for,
)
from ..i18n import say, say_error, t, translate
from ..settings import Settings
from ..studio import Studio, Values
from ..tasks import detection_reason, task_choices, task_name

# name shown -> (dataset, dataset_config, text_column, text_pair_column, label_column[, label_delimiter])
DATASET_PRESETS: dict[str, tuple[str, ...]] = {
    "Example: English reviews (sentiment)": ("examples/data/sentiment_en", "", "", "", ""),
    "Example: English paraphrase pairs": ("examples/data/paraphrase_en", "", "", "", ""),
    "Example: Chinese variety-show comments (4 emotions)": (
        "examples/data/weibo_variety_zh/comments.jsonl",
        "",
        "review",
        "",
        "label",
    ),
    "Example: English support tickets (multi-label)": ("examples/data/support_tickets_en", "", "", "", ""),
    "Example: Chinese comments with |-joined tags (multi-label)": (
        "examples/data/weibo_tags_zh/comments.csv",
        "",
        "评论",
        "",
        "标签",
        "|",
    ),
    "Example: English sentence pairs scored 0-5 (regression)": ("examples/data/sts_pairs_en", "", "", "", ""),
    "GLUE MRPC (Hub: nyu-mll/glue, mrpc)": ("nyu-mll/glue", "mrpc", "sentence1", "sentence2", "label"),
    "IMDB (Hub: stanfordnlp/imdb)": ("stanfordnlp/imdb", "", "text", "", "label"),
    "Yelp review full (Hub: Yelp/yelp_review_full)": ("Yelp/yelp_review_full", "", "text", "", "label"),
}
DEFAULT_PRESET = next(iter(DATASET_PRESETS))
TRANSLATED_CHOICES = (
    "data.preset",
    "data.recipe",
    "checkpoint",
    "task",
)  # dropdowns whose choices are written in the page's language
UPLOAD_TYPES = sorted(FILE_TYPES)
PREVIEW_INPUTS = (
    "dataset",
    "dataset_config",
    "text_column",
    "text_pair_column",
    "label_column",
    "train_split",
    "validation_split",
    "label_names",
    "task",
    "label_delimiter",
    *FILE_OPTIONS,
    "checkpoint",
    "max_eval_samples",
)
PREVIEW_DISPLAY = ("data.rows", "data.summary", "data.dist", "data.task")  # what a preview shows
PREVIEW_OUTPUTS = (*PREVIEW_DISPLAY, *MAPPING)  # ...and the columns and label names it detected


def apply_preset(name: str) -> Values:
    """Dataset fields of a preset; label names are cleared (the preview fills them for the new data) and the task
    is detected again (its label delimiter, for text-joined labels, comes with the preset)."""
    dataset, config, text, pair, label, *delimiter = DATASET_PRESETS.get(name, (name, "", "", "", ""))
    return {
        "dataset": dataset,
        "dataset_config": config,
        "text_column": text,
        "text_pair_column": pair,
        "label_column": label,
        "label_names": "",
        "task": AUTO,
        "label_delimiter": delimiter[0] if delimiter else "",
    }


def clear_mapping() -> Values:
    """Another dataset: forget the previous one's columns and label names (detected again on preview)."""
    return {name: "" for name in MAPPING}


def checkpoint_choices() -> list[tuple[str, str]]:
    """The checkpoint presets, each with its description in the page's language."""
    return [(f"{p.name}: {say(p.description)}", p.name) for p in PRESETS]


def choices_in_language(v: Values) -> Values:
    """The checkpoint and dataset presets and the tutorial recipes, named in the page's language (values stay)."""
    return {
        "data.preset": gr.Dropdown(choices=[(say(name), name) for name in DATASET_PRESETS]),
        "data.recipe": gr.Dropdown(choices=[(translate(label), key) for label, key in recipe_choices()]),
        "checkpoint": gr.Dropdown(choices=checkpoint_choices()),
        "task": gr.Dropdown(choices=task_choices()),
    }


def vocabulary_markdown(vocabulary: dict[str, Any]) -> str:
    """The share of [UNK] tokens in a sample of the data for the chosen checkpoint, and a warning above 5%."""
    line = "  \n" + say(
        "**Vocabulary:** {share} of the tokens of {rows} sampled rows are [UNK] for {checkpoint}",
        share=f"{vocabulary['share']:.1%}",
        rows=vocabulary["rows"],
        checkpoint=html.escape(str(vocabulary["checkpoint"])),
    )
    if vocabulary.get("warning"):
        line += f"  \n⚠️ **{html.escape(translate(vocabulary['warning']))}**"
    return line


def summary_markdown(report: dict[str, Any], chosen: Optional[str] = None, delimiter: Optional[str] = None) -> str:
    """The preview's summary: source, sizes, columns, the task and why, the labels (or the target); every
    data-controlled string is escaped (shown, never rendered)."""
    esc = lambda value: html.escape(str(value))  # noqa: E731
    cols = report["columns"]
    task = report.get("task") or SINGLE_LABEL
    sizes = ", ".join(
        say("**{split}**: {rows} rows", split=esc(say(k)), rows=f"{v:,}") for k, v in report["split_sizes"].items()
    )
    pair = say(", second text = {column}", column=f"<code>{esc(cols['text_pair'])}</code>") if cols["text_pair"] else ""
    notes = "".join(f"\n- {esc(translate(n))}" for n in report["notes"])
    names = ", ".join(esc(n) for n in report["label_names"])
    labels = (
        say("**Target:** {name} (a number per row)", name=f"<code>{esc(cols['label'])}</code>")
        if task == REGRESSION
        else say("**Labels ({count}):** {names}", count=len(report["label_names"]), names=names)
    )
    return "  \n".join(
        [
            say("**Source:** {source}", source=esc(translate(report["source"]))),
            sizes,
            say("**Validation:** {how}", how=esc(translate(report["validation_source"]))),
            say(
                "**Columns:** text = {text}{pair}, label = {label}",
                text=f"<code>{esc(cols['text'])}</code>",
                pair=pair,
                label=f"<code>{esc(cols['label'])}</code>",
            ),
            "<span id='data-task'>"
            + say(
                "**Task:** {task} ({why})",
                task=esc(task_name(task)),
                why=esc(detection_reason(task, chosen, delimiter)),
            )
            + "</span>",
            labels + target_table(report) + notes,
        ]
    )


def target_table(report: dict[str, Any]) -> str:
    """A regression target's statistics per split (rows, mean, std, min, max) as a table; empty otherwise."""
    stats = report.get("target_stats") or {}
    if not stats:
        return ""
    head = "| " + " | ".join(say(c) for c in ("split", "rows", "mean", "std", "min", "max")) + " |"
    rows = [
        f"| {html.escape(say(split))} | {int(s.get('rows', 0)):,} | "
        + " | ".join(f"{float(s[k]):.4g}" if isinstance(s.get(k), (int, float)) else "" for k in TARGET_STATS)
        + " |"
        for split, s in stats.items()
    ]
    return "\n\n" + "\n".join([head, "|---|---:|---:|---:|---:|---:|", *rows]) + "\n"


TARGET_STATS = ("mean", "std", "min", "max")


def rows_with_names(rows: Any, names: list[str], task: str = SINGLE_LABEL) -> Any:
    """The preview rows as a person reads them: single-label, the label's name first and its id beside it;
    multi-label, the row's labels by name; regression, the number under the target's name."""
    frame = rows.copy()
    values = frame.pop("label")
    shown = {"text": say("text"), "text_pair": say("second text")}
    if task == MULTI_LABEL:  # the labels first: a long text would push them out of sight
        frame.insert(0, "labels", [", ".join(n for n, on in zip(names, hot) if on) for hot in values])
        shown["labels"] = say("labels")
    elif task == REGRESSION:
        frame.insert(0, names[0] if names else "label", [round(float(value), 4) for value in values])
    else:
        frame["label"] = [names[int(i)] for i in values]
        frame["label id"] = values
        shown.update({"label": say("label"), "label id": say("label id")})
    return frame.rename(columns=shown)


def preview(settings: Settings, v: Values) -> Values:
    """Preview rows, sizes and label distribution (or the target's statistics), the task and why, and fill the
    column dropdowns.

    A preview that fails after the columns were read still offers them in the dropdowns, and says
    what went wrong in the summary, so the person can pick the right column.
    """
    from finetune.explore.data_preview import list_columns
    from finetune.explore.data_preview import preview as data_preview

    config = build_data_config(settings, v)
    bar = v.get("progress")  # a gr.Progress when the listener asks for one (large files take a second or two)
    columns = list_columns(config)
    choices = [""] + columns
    dropdowns = {name: gr.Dropdown(choices=choices) for name in MAPPING[:3]}
    try:
        result = data_preview(
            config,
            checkpoint=v.get("checkpoint") or None,
            progress=(lambda share, message: bar(share, desc=say(message))) if bar else None,
        )
    except FinetuneError as exc:
        message = html.escape(settings.shown(say_error(message_of(exc))))
        gr.Warning(message, title=say("Warning"))
        return {
            **dropdowns,
            "data.summary": say("**Preview failed:** {error}", error=message),
            "data.rows": None,
            "data.dist": None,
            "data.task": None,
        }
    report = {**result["report"], "source": settings.shown(result["report"]["source"])}  # public: no server folder
    cols, task = report["columns"], report.get("task") or SINGLE_LABEL
    summary = summary_markdown(report, config.task, config.label_delimiter)
    if result.get("vocabulary"):
        summary += vocabulary_markdown(result["vocabulary"])
    capped = eval_cap_note(report["split_sizes"], config.max_eval_samples)
    if capped:  # large data: the evaluation scores a sample, and the person reads so before training
        summary += f"  \nℹ️ {html.escape(say(capped))}"
    return {
        "data.rows": rows_with_names(result["rows"], report["label_names"], task),
        "data.summary": summary,
        "data.dist": distribution(report),
        "data.task": task,
        "text_column": gr.Dropdown(choices=choices, value=cols["text"]),
        "text_pair_column": gr.Dropdown(choices=choices, value=cols["text_pair"] or ""),
        "label_column": gr.Dropdown(choices=choices, value=cols["label"]),
        "label_names": label_names_to_text(report["label_names"]),
    }


def distribution(report: dict[str, Any]) -> Any:
    """Rows per label and split for the bar chart, its axes named in the page's language: a multi-label set
    counts the rows having each label; a regression target has no labels (its statistics are in the summary),
    so the chart hides."""
    import pandas as pd

    task = report.get("task") or SINGLE_LABEL
    if task == REGRESSION:
        return gr.BarPlot(value=None, visible=False)
    label, rows, split = say("label"), say("rows"), say("split")
    frame = pd.DataFrame(
        [
            {label: name, split: say(part), rows: count}
            for part, counts in report["label_counts"].items()
            for name, count in counts.items()
        ]
    )
    # the chart's title, not its axis, says what a multi-label count is: a changed axis title redraws the chart
    # with the data it had before (gradio's native plot), so the axes stay the same for every task
    title = say("rows having each label (a row can have several)") if task == MULTI_LABEL else say("label distribution")
    return gr.BarPlot(value=frame, x=label, y=rows, color=split, label=title, visible=True)


def preview_display(settings: Settings, v: Values) -> Values:
    """On page load only the display is filled: the mapping widgets may already hold what a person typed."""
    out = preview(settings, v)
    return {k: out[k] for k in PREVIEW_DISPLAY if k in out}


def upload_path(upload: Any) -> Optional[str]:
    """The server path of the upload widget's file (None when it holds none)."""
    if upload is None:
        return None
    return str(getattr(upload, "name", upload))


def on_upload(v: Values) -> Values:
    """An uploaded file becomes the dataset, shown by its name (its path is a long temporary folder; handlers
    get the path, see :func:`uploaded_dataset`): its columns are detected again, and no preset names it."""
    path = upload_path(v["data.upload"])
    if path is None:
        return {}
    return {"dataset": Path(path).name, "data.preset": None, **clear_mapping()}


def uploaded_dataset(shown: Any, upload: Any) -> Any:
    """What the dataset box means: the upload's path while the box shows the upload's name, else the box."""
    path = upload_path(upload)
    if path and shown and str(shown).strip() == Path(path).name:
        return path
    return shown


# what the person chose, not what a recipe set
KEPT_ON_RESET = ("checkpoint", "dataset", *MAPPING, "task", "label_delimiter")


def default_values(v: Values) -> Values:
    """Every config widget at its default but the checkpoint, the dataset and its columns; the recipe card
    goes (its settings no longer apply)."""
    from finetune.config.run_config import RunConfig

    defaults = config_to_widget_values(RunConfig())
    return {**{k: value for k, value in defaults.items() if k not in KEPT_ON_RESET}, "data.recipe_card": ""}


def recipe_off_on_upload(v: Values) -> Values:
    """After a recipe, an uploaded file is the person's own data: the recipe's settings (folds, added tokens,
    fixed padding...) are put back to the defaults, and the message says so. Without a recipe nothing changes."""
    if v["data.upload"] is None or not (v.get("data.recipe_card") or "").strip():
        return {}
    return {
        **default_values(v),
        "data.recipe_note": say("Your own file: the recipe's settings were put back to the defaults."),
    }


def recipe_values(v: Values) -> Values:
    """Every config widget as the chosen tutorial recipe (or its offline twin) sets it, and the recipe's card."""
    recipe = get_recipe(v["data.recipe"])
    offline = bool(v["data.recipe_offline"])
    return {**config_to_widget_values(recipe.config(offline)), "data.recipe_card": recipe.card(offline, say=say)}


def build_recipes(add: Any) -> None:
    """The tutorial recipes: pick one, use it (every config widget), read its card."""
    with gr.Accordion(
        t("Tutorial recipes: one click sets everything as the tutorial has it"), open=False, elem_id="recipe-box"
    ):
        with gr.Row():
            add(
                "data.recipe",
                gr.Dropdown(
                    choices=recipe_choices(),
                    value=recipe_choices()[0][1],
                    label=t("recipe"),
                    elem_id="recipe-pick",
                    scale=3,
                ),
            )
            add(
                "data.recipe_offline",
                gr.Checkbox(
                    value=True, label=t("offline twin (bundled checkpoint, data at hand)"), elem_id="recipe-offline"
                ),
            )
            add("data.recipe_apply", gr.Button(t("Use this recipe"), elem_id="recipe-apply"))
            add("data.recipe_reset", gr.Button(t("Back to the defaults"), elem_id="recipe-reset"))
        add("data.recipe_card", gr.Markdown(elem_id="recipe-card"))
        add("data.recipe_note", gr.Markdown(elem_id="recipe-note"))


PRINTOUT_INPUTS = (*PREVIEW_INPUTS, "validation_size", "split_seed", "max_length", "padding")
PRINTOUT_OUTPUTS = ("data.print_datasets", "data.print_example", "data.print_tokenized", "data.print_batch")


def printout_config(settings: Settings, v: Values) -> RunConfig:
    """The RunConfig the printouts use: the tab's data and checkpoint, the Train tab's length and padding."""
    data = dataclasses.asdict(build_data_config(settings, v))
    for name in ("validation_size", "split_seed", "max_length", "padding"):
        if v.get(name) not in (None, ""):
            data[name] = v[name]
    return RunConfig().replace(model={"checkpoint": v.get("checkpoint") or BUNDLED_CHECKPOINT}, data=data)


def printouts(settings: Settings, v: Values) -> Values:
    """The tutorials' data printouts (engine: finetune.explore.printouts), each in its own code box."""
    from finetune.explore.printouts import data_printouts

    shown = data_printouts(printout_config(settings, v))
    return {
        "data.print_datasets": shown.dataset_dict,
        "data.print_example": shown.example,
        "data.print_tokenized": shown.tokenized,
        "data.print_batch": shown.batch_shapes,
    }


def predict_printout(settings: Settings, v: Values) -> Values:
    """trainer.predict's shapes on a few validation rows with the chosen checkpoint."""
    from finetune.explore.printouts import prediction_shapes

    return {"data.print_predict": prediction_shapes(printout_config(settings, v))}


def metric_printout(v: Values) -> Values:
    """A metric tried on the values typed in, as tutorial 001 does."""
    from finetune.explore.printouts import metric_on_values

    return {"data.print_metric": metric_on_values(v["data.metric_name"], v["data.metric_preds"], v["data.metric_refs"])}


def build_printouts(add: Any) -> None:
    """The accordion with the tutorials' printouts; its button is wired in ui.page (it reads the Train tab)."""
    from finetune.explore.printouts import METRICS

    def box(name: str, label: str, elem: str, max_lines: int = 16) -> None:
        add(
            name,
            gr.Code(
                language="python", label=label, elem_id=elem, interactive=False, max_lines=max_lines, wrap_lines=True
            ),
        )

    with gr.Accordion(t("The tutorials' printouts"), open=False, elem_id="data-printouts-box"):
        gr.Markdown(
            t(
                "What the tutorials print at each step, for the data and checkpoint chosen above: the loaded "
                "DatasetDict and its features, one raw row, one tokenized row, the shapes of a padded batch of 8, "
                "and the shapes of trainer.predict's output."
            )
        )
        add("data.print_btn", gr.Button(t("Show the printouts"), elem_id="data-printouts-btn"))
        box(
            "data.print_datasets",
            t("the DatasetDict and its features: as loaded (raw_datasets), then as training uses it (dataset)"),
            "data-print-datasets",
            max_lines=40,
        )
        with gr.Row():
            box("data.print_example", t("one raw row"), "data-print-example")
            box("data.print_tokenized", t("one tokenized row"), "data-print-tokenized")
        with gr.Row():
            box("data.print_batch", t("a collated batch's shapes"), "data-print-batch")
            box(
                "data.print_predict",
                t("trainer.predict's output shapes, on the first validation rows"),
                "data-print-predict",
            )
        gr.Markdown(t("Try a metric on values of your own (label ids, comma-separated)."))
        with gr.Row():
            add(
                "data.metric_preds",
                gr.Textbox(value="0, 0, 1, 1", label=t("predictions"), elem_id="data-metric-preds"),
            )
            add(
                "data.metric_refs",
                gr.Textbox(value="0, 1, 1, 1", label=t("references"), elem_id="data-metric-refs"),
            )
            add(
                "data.metric_name",
                gr.Dropdown(list(METRICS), value="accuracy", label=t("metric"), elem_id="data-metric-name"),
            )
            add("data.metric_btn", gr.Button(t("Compute"), elem_id="data-metric-btn"))
        box("data.print_metric", t("metric.compute"), "data-print-metric")


def build(studio: Studio) -> None:
    """The tab's components; config widgets are named by their field."""
    add, settings = studio.add, studio.settings
    gr.Markdown(
        t(
            "Pick a **checkpoint** and a **dataset**, check the preview, then go to *Train*. "
            "Offline, use the bundled checkpoint and the examples; online, any Hub id works. "
            "Following a tutorial? Start from its recipe."
        )
    )
    build_recipes(add)
    with gr.Row():
        with gr.Column():
            add(
                "checkpoint",
                gr.Dropdown(
                    choices=checkpoint_choices(),
                    value=BUNDLED_CHECKPOINT,
                    allow_custom_value=True,
                    label=t("checkpoint"),
                    elem_id="cfg-checkpoint",
                    info=t("A preset, any Hub id (owner/name) or a local folder saved with save_pretrained."),
                ),
            )
        with gr.Column():
            add(
                "data.preset",
                gr.Dropdown(
                    choices=list(DATASET_PRESETS),
                    value=DEFAULT_PRESET,
                    label=t("dataset preset"),
                    elem_id="dataset-preset",
                    info=t("Examples work offline; Hub datasets need internet."),
                ),
            )
    with gr.Row():
        add("dataset", widget_for("dataset", value=DATASET_PRESETS[DEFAULT_PRESET][0], scale=3))
        add("dataset_config", widget_for("dataset_config", label=t("Hub config (e.g. mrpc)")))
        for name in ("train_split", "validation_split", "test_split"):
            add(name, widget_for(name))
    with gr.Row():
        add("sheet", widget_for("sheet", label=t("Excel sheet (empty: the first)")))
        add("header_row", widget_for("header_row", label=t("header row (empty: the first row)")))
    add(
        "data.upload",
        gr.File(
            label=t("...or upload a file (" + ", ".join(kind.lstrip(".") for kind in UPLOAD_TYPES) + ")"),
            file_types=UPLOAD_TYPES,
            elem_id="data-upload",
            height=110,
        ),
    )
    studio.resolve("dataset", "data.upload", uploaded_dataset)
    with gr.Row():
        add(
            "text_column",
            gr.Dropdown(
                label=t("text column"),
                allow_custom_value=True,
                choices=[""],
                value="",
                info=t("Detected when left empty."),
                elem_id="cfg-text_column",
            ),
        )
        add(
            "text_pair_column",
            gr.Dropdown(
                label=t("second text column (pairs)"),
                allow_custom_value=True,
                choices=[""],
                value="",
                elem_id="cfg-text_pair_column",
                info=t("For sentence pairs (e.g. sentence2); empty for single texts."),
            ),
        )
        add(
            "label_column",
            gr.Dropdown(
                label=t("label column"),
                allow_custom_value=True,
                choices=[""],
                value="",
                elem_id="cfg-label_column",
                info=t("Detected when left empty."),
            ),
        )
        add("label_names", widget_for("label_names", label=t("label names (one per line, in id order)")))
    with gr.Row():
        add("task", widget_for("task", choices=task_choices(), scale=2))
        add("label_delimiter", widget_for("label_delimiter", scale=1))
        add("data.task", gr.State(None))  # the task the last preview found (the Train tab's metrics follow it)
    with gr.Row():
        for name in ("validation_size", "split_seed", "max_train_samples", "max_eval_samples"):
            add(name, widget_for(name))
    add("data.preview_btn", gr.Button(t("Preview data"), elem_id="preview-btn"))
    add("data.summary", gr.Markdown(elem_id="data-summary"))
    with gr.Row():
        add(
            "data.rows",
            gr.Dataframe(
                label=t("first rows (after column mapping and label encoding)"),
                elem_id="data-rows",
                scale=3,
                max_height=300,
                wrap=True,
            ),
        )
        add(
            "data.dist",
            gr.BarPlot(
                x="label", y="rows", color="split", label=t("label distribution"), elem_id="label-dist", scale=2
            ),
        )

    build_printouts(add)

    preset_fields = (
        "dataset",
        "dataset_config",
        "text_column",
        "text_pair_column",
        "label_column",
        "label_names",
        "task",
        "label_delimiter",
    )
    studio.listen(studio["data.preset"].input, lambda v: apply_preset(v["data.preset"]), ["data.preset"], preset_fields)
    studio.listen(studio["dataset"].input, lambda v: clear_mapping(), [], MAPPING)
    uploaded = studio.listen(
        studio["data.upload"].upload, on_upload, ["data.upload"], ["dataset", "data.preset", *MAPPING]
    )
    studio.listen(  # the preview follows the upload (it named the previous data until Preview was pressed)
        uploaded.success,
        lambda v: preview(settings, v),
        PREVIEW_INPUTS,
        PREVIEW_OUTPUTS,
        progress=True,
    )
    studio.listen(
        studio["data.preview_btn"].click,
        lambda v: preview(settings, v),
        PREVIEW_INPUTS,
        PREVIEW_OUTPUTS,
        progress=True,
    )
    studio.listen(
        [studio["data.metric_btn"].click, studio["data.metric_preds"].submit, studio["data.metric_refs"].submit],
        metric_printout,
        ["data.metric_name", "data.metric_preds", "data.metric_refs"],
        ["data.print_metric"],
    )
