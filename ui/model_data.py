"""Model & Data tab: checkpoint, dataset (preset, Hub id, upload, example), preview, column mapping."""

from __future__ import annotations

from typing import Any

import gradio as gr

from finetune.checkpoints import PRESETS
from finetune.config import BUNDLED_CHECKPOINT, DataConfig

from .common import Settings, engine_call, widget_for

# name shown -> (dataset, dataset_config, text_column, text_pair_column, label_column)
DATASET_PRESETS: dict[str, tuple[str, str, str, str, str]] = {
    "Example: English reviews (sentiment)": ("examples/data/sentiment_en", "", "", "", ""),
    "Example: English paraphrase pairs": ("examples/data/paraphrase_en", "", "", "", ""),
    "Example: Chinese variety-show comments (4 emotions)": ("examples/data/weibo_variety_zh/comments.jsonl", "",
                                                           "review", "", "label"),
    "GLUE MRPC (Hub: nyu-mll/glue, mrpc)": ("nyu-mll/glue", "mrpc", "sentence1", "sentence2", "label"),
    "IMDB (Hub: stanfordnlp/imdb)": ("stanfordnlp/imdb", "", "text", "", "label"),
    "Yelp review full (Hub: Yelp/yelp_review_full)": ("Yelp/yelp_review_full", "", "text", "", "label"),
}
DEFAULT_PRESET = next(iter(DATASET_PRESETS))
UPLOAD_TYPES = [".csv", ".tsv", ".json", ".jsonl", ".parquet", ".xlsx"]


def apply_preset(name: str) -> tuple[Any, ...]:
    """Dataset fields of a preset; label names are cleared (the preview fills them for the new data)."""
    dataset, config, text, pair, label = DATASET_PRESETS.get(name, (name, "", "", "", ""))
    return dataset, config, text or None, pair or None, label or None, ""


def clear_mapping() -> tuple[str, str, str, str]:
    """Another dataset: forget the previous one's columns and label names (detected again on preview)."""
    return "", "", "", ""


def build_data_config(settings: Settings, dataset: str, dataset_config: str, text: str, pair: str, label: str,
                      train_split: str = "train", validation_split: str = "") -> DataConfig:
    settings.guard(dataset, "dataset")
    return DataConfig(dataset=dataset, dataset_config=dataset_config or None, text_column=text or None,
                      text_pair_column=pair or None, label_column=label or None, train_split=train_split or "train",
                      validation_split=validation_split or None)


def make_preview(settings: Settings, dataset: str, dataset_config: str, text: str, pair: str, label: str,
                 train_split: str, validation_split: str, label_names: str) -> tuple[Any, ...]:
    """Preview rows, sizes and label distribution, and fill the column dropdowns."""
    import pandas as pd

    from finetune.data import list_columns, preview

    config = build_data_config(settings, dataset, dataset_config, text, pair, label, train_split, validation_split)
    if label_names and label_names.strip():
        config = DataConfig(**{**config.__dict__, "label_names": tuple(n.strip() for n in label_names.split(","))})
    columns = list_columns(config)
    result = preview(config)
    report = result["report"]
    cols = report["columns"]
    sizes = ", ".join(f"**{k}**: {v} rows" for k, v in report["split_sizes"].items())
    notes = "".join(f"\n- {n}" for n in report["notes"])
    summary = (f"**Source:** `{report['source']}`  \n{sizes}  \n**Validation:** {report['validation_source']}  \n"
               f"**Columns:** text = `{cols['text']}`" + (f", second text = `{cols['text_pair']}`" if cols['text_pair']
                                                          else "") + f", label = `{cols['label']}`  \n"
               f"**Labels ({len(report['label_names'])}):** {', '.join(report['label_names'])}{notes}")
    dist = pd.DataFrame([{"label": name, "split": split, "rows": count}
                         for split, counts in report["label_counts"].items() for name, count in counts.items()])
    choices = [""] + columns
    return (result["rows"], summary, dist,
            gr.Dropdown(choices=choices, value=cols["text"]), gr.Dropdown(choices=choices, value=cols["text_pair"] or ""),
            gr.Dropdown(choices=choices, value=cols["label"]), ", ".join(report["label_names"]))


def on_upload(file: Any) -> tuple[Any, ...]:
    if file is None:
        return (gr.skip(),) * 5
    return (str(getattr(file, "name", file)),) + clear_mapping()


def build(settings: Settings, widgets: dict[str, Any]) -> dict[str, Any]:
    """Create the tab's components; config widgets go into ``widgets`` by field name."""
    gr.Markdown("Pick a **checkpoint** and a **dataset**, check the preview, then go to *Train*. "
                "Offline, use the bundled checkpoint and the examples; online, any Hub id works.")
    with gr.Row():
        with gr.Column():
            widgets["checkpoint"] = gr.Dropdown(
                choices=[(f"{p.name}: {p.description}", p.name) for p in PRESETS], value=BUNDLED_CHECKPOINT,
                allow_custom_value=True, label="checkpoint", elem_id="cfg-checkpoint",
                info="A preset, any Hub id (owner/name) or a local folder saved with save_pretrained.")
        with gr.Column():
            preset = gr.Dropdown(choices=list(DATASET_PRESETS), value=DEFAULT_PRESET, label="dataset preset",
                                 elem_id="dataset-preset", info="Examples work offline; Hub datasets need internet.")
    with gr.Row():
        widgets["dataset"] = widget_for("dataset", value=DATASET_PRESETS[DEFAULT_PRESET][0], scale=3)
        widgets["dataset_config"] = widget_for("dataset_config", label="Hub config (e.g. mrpc)")
        widgets["train_split"] = widget_for("train_split")
        widgets["validation_split"] = widget_for("validation_split")
        widgets["test_split"] = widget_for("test_split")
    upload = gr.File(label="...or upload a file (csv, tsv, json, jsonl, parquet, xlsx)", file_types=UPLOAD_TYPES,
                     elem_id="data-upload", height=90)
    with gr.Row():
        widgets["text_column"] = gr.Dropdown(label="text column", allow_custom_value=True, choices=[""],
                                             value="", info="Detected when left empty.",
                                             elem_id="cfg-text_column")
        widgets["text_pair_column"] = gr.Dropdown(label="second text column (pairs)", allow_custom_value=True,
                                                  choices=[""], value="", elem_id="cfg-text_pair_column",
                                                  info="For sentence pairs (e.g. sentence2); empty for single texts.")
        widgets["label_column"] = gr.Dropdown(label="label column", allow_custom_value=True, choices=[""], value="",
                                              elem_id="cfg-label_column", info="Detected when left empty.")
        widgets["label_names"] = widget_for("label_names", label="label names (editable, in id order)")
    with gr.Row():
        widgets["validation_size"] = widget_for("validation_size")
        widgets["split_seed"] = widget_for("split_seed")
        widgets["max_train_samples"] = widget_for("max_train_samples")
        widgets["max_eval_samples"] = widget_for("max_eval_samples")
    preview_btn = gr.Button("Preview data", elem_id="preview-btn")
    summary = gr.Markdown(elem_id="data-summary")
    with gr.Row():
        rows = gr.Dataframe(label="first rows (after column mapping and label encoding)", elem_id="data-rows",
                            scale=3, max_height=300)
        dist = gr.BarPlot(x="label", y="rows", color="split", label="label distribution", elem_id="label-dist",
                          scale=2)

    mapping = [widgets["text_column"], widgets["text_pair_column"], widgets["label_column"], widgets["label_names"]]
    preset.input(apply_preset, preset, [widgets["dataset"], widgets["dataset_config"], widgets["text_column"],
                                        widgets["text_pair_column"], widgets["label_column"], widgets["label_names"]])
    widgets["dataset"].input(clear_mapping, None, mapping)
    upload.upload(on_upload, upload, [widgets["dataset"]] + mapping)
    inputs = [widgets[n] for n in ("dataset", "dataset_config", "text_column", "text_pair_column", "label_column",
                                   "train_split", "validation_split", "label_names")]
    outputs = [rows, summary, dist, widgets["text_column"], widgets["text_pair_column"], widgets["label_column"],
               widgets["label_names"]]
    preview_btn.click(engine_call(lambda *v: make_preview(settings, *v)), inputs, outputs)
    # On page load only the display is filled: writing the mapping widgets then could overwrite a
    # dataset the user already started typing (the load finishes after heavy imports).
    return {"preview": (engine_call(lambda *v: make_preview(settings, *v)[:3]), inputs, outputs[:3])}
