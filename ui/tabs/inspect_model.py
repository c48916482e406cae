"""Model tab: look inside a checkpoint, preset, run or folder (engine: finetune.explore.model_inspection).

The architecture card and parameter counts by part, the module tree and config.json; one forward
pass over a padded batch with the shape of every output, a per-layer heatmap of the hidden-state
norms and an attention heatmap (layer and head pickers); "behind the pipeline" stage by stage;
and, for a run, the run as a standalone Python script (finetune.export.script).
"""

from __future__ import annotations

import html
from typing import Any, Optional

import gradio as gr

from finetune.config.run_config import BUNDLED_CHECKPOINT
from finetune.errors import DataError
from finetune.model.checkpoints import PRESETS

from ..access import model_source, visible_runs_with_model, visitor_of
from ..downloads import SCRIPT_STYLES, STYLE_INFO, export_run_script, redraw_code_js
from ..heatmap import LEGEND, cjk_font_available, heatmap_image
from ..i18n import say, t, translate
from ..settings import Settings
from ..studio import Studio, Values

SOURCE_HINT = "A finished/cancelled run, bundled-minilm, a preset or Hub id, or a folder saved with save_pretrained."
BADGE_SPACE = 40  # the image's label is drawn over its top-left corner: the heatmap starts below it
DEFAULT_LINES = "I've been waiting for a HuggingFace course my whole life.\nI hate this so much!"


RUN_INPUTS = ("model.source", "model.lines", "model.pairs", "model.row", "model.layer", "model.head")
RUN_OUTPUTS = (
    "model.shapes",
    "model.norms",
    "model.attention",
    "model.layer",
    "model.head",
    "model.stages",
    "model.report",
)
CARD_OUTPUTS = ("model.card", "model.parts", "model.tree", "model.config")


def source_choices(settings: Settings, visitor: Optional[str]) -> list[str]:
    """Runs with a saved model first (newest first; public mode: the visitor's), then the presets."""
    return [r.run_id for r in visible_runs_with_model(settings, visitor)] + [p.name for p in PRESETS]


def _md(text: Any) -> str:
    """Text safe inside Markdown (and a Markdown table): HTML and pipes escaped."""
    return html.escape(str(text), quote=False).replace("|", "\\|")


# the parts of a BERT-style model the catalogue names; another model's own module names are shown as they are
PART_WORDS = ("embeddings", "encoder", "pooler", "classification head")


def part_label(name: str) -> str:
    """A parameter part's name in the page's language ("encoder layer 3", "embeddings", "classification head")."""
    stack, _, number = name.rpartition(" layer ")
    if number.isdigit():
        return say("{stack} layer {number}", stack=say(stack) if stack in PART_WORDS else stack, number=number)
    return say(name) if name in PART_WORDS else name


def layer_label(name: str) -> str:
    """A heatmap row's layer name in the page's language ("embeddings", "layer 3")."""
    kind, _, number = name.rpartition(" ")
    return say("layer {number}", number=number) if kind == "layer" and number.isdigit() else say(name)


def card_markdown(card: Any) -> str:
    sizes = " | ".join(f"{value if value is not None else '–'}" for value in card.sizes.values())
    labels = ", ".join(_md(card.id2label[i]) for i in sorted(card.id2label))
    return (
        say(
            "### {model_class} · model type {model_type}",
            model_class=_md(card.model_class),
            model_type=f"`{_md(card.model_type)}`",
        )
        + "\n\n"
        f"| {' | '.join(_md(say(name)) for name in card.sizes)} |\n|{'---|' * len(card.sizes)}\n| {sizes} |\n\n"
        + say(
            "**Parameters:** {total} ({trainable} trainable) · **labels ({count}):** {labels}",
            total=f"{card.total_parameters:,}",
            trainable=f"{card.trainable_parameters:,}",
            count=card.num_labels,
            labels=labels,
        )
        + "\n\n"
        + say("**Classification head:** {origin}", origin=_md(say(card.head_origin)))
    )


def show_card(settings: Settings, v: Values) -> Values:
    """The architecture card, parameters by part, the module tree and config.json of the chosen model."""
    import pandas as pd

    from finetune.explore.model_inspection import architecture_card

    card = architecture_card(model_source(settings, v["model.source"], visitor_of(v)))
    parts = pd.DataFrame(
        [
            {
                "part": part_label(p.name),
                "parameters": p.parameters,
                "trainable": p.trainable,
                "share": f"{p.parameters / max(card.total_parameters, 1):.1%}",
            }
            for p in card.parts
        ]
        + [
            {
                "part": say("total"),
                "parameters": card.total_parameters,
                "trainable": card.trainable_parameters,
                "share": "100%",
            }
        ]
    )
    parts = parts.rename(columns={c: say(c) for c in parts.columns})
    return {
        "model.card": card_markdown(card),
        "model.parts": gr.Dataframe(value=parts, visible=True),
        "model.tree": card.module_tree,
        "model.config": card.config_json,
    }


def shapes_markdown(report: Any) -> str:
    rows = "\n".join(
        f"| `{s.name}` | [{', '.join(map(str, s.shape))}] | {' × '.join(say(axis) for axis in s.axes)} | "
        f"{_md(translate(s.note))} |"
        for s in report.shapes
    )
    head = (
        ""
        if report.head_trained
        else "\n\n*"
        + say("The head is freshly initialised: these labels are random until the model is fine-tuned.")
        + "*"
    )
    return say("| output | shape | axes | |") + f"\n|---|---|---|---|\n{rows}{head}"


def legend() -> str:
    """The heatmap's colour legend (drawn into the image): in the page's language when a font can draw it."""
    return say(LEGEND, low="{low}", high="{high}") if cjk_font_available() else LEGEND


def norms_image(report: Any) -> Any:
    """The hidden-state norms of the shown line; the caption is the image's label (the page's language)."""
    mask = [m == 0 for m in report.attention_mask[report.row]]
    caption = say("line {line}: norm of the hidden state, per layer (rows) and token", line=report.row + 1)
    return gr.Image(
        heatmap_image(
            report.hidden_norms,
            [layer_label(name) for name in report.layer_names],
            report.tokens[report.row],
            masked_cols=mask,
            legend=legend(),
            badge_space=BADGE_SPACE,
        ),
        label=caption,
        visible=True,
    )


def attention_image(report: Any, layer: float, head: float) -> Any:
    """One layer's attention for one head (or the mean over heads when head is 0)."""
    if report is None:
        return None
    layer_i = int(min(max(int(layer or 1), 1), report.attentions.shape[0])) - 1
    head_i = int(head or 0)
    weights = (
        report.attentions[layer_i].mean(axis=0)
        if head_i <= 0
        else report.attentions[layer_i, min(head_i, report.attentions.shape[1]) - 1]
    )
    mask = [m == 0 for m in report.attention_mask[report.row]]
    tokens = report.tokens[report.row]
    which = (
        say("mean of all heads") if head_i <= 0 else say("head {head}", head=min(head_i, report.attentions.shape[1]))
    )
    caption = say(
        "line {line}: attention, layer {layer}, {which} (row: token attending; column: token attended to)",
        line=report.row + 1,
        layer=layer_i + 1,
        which=which,
    )
    return gr.Image(
        heatmap_image(
            weights, tokens, tokens, masked_rows=mask, masked_cols=mask, legend=legend(), badge_space=BADGE_SPACE
        ),
        label=caption,
        visible=True,
    )


def _cell(value: Any, masked: bool) -> str:
    style = " style='background:#e5e7eb;color:#6b7280'" if masked else ""
    return f"<td{style}>{html.escape(str(value))}</td>"


def stage_table(stage: Any, mask: list[list[int]], id2label: dict[int, str]) -> str:
    """One stage's tensor as a table: a row per line; padded positions greyed."""
    if stage.axes == ["batch", "label"]:
        head = "".join(f"<th>{html.escape(id2label[j])}</th>" for j in range(len(id2label)))
        body = "".join(
            f"<tr><th>{i + 1}</th>{''.join(_cell(v, False) for v in row)}</tr>" for i, row in enumerate(stage.value)
        )
        return f"<table><tr><th>{html.escape(say('line'))}</th>{head}</tr>{body}</table>"
    if stage.axes == ["batch", "sequence"]:
        body = "".join(
            f"<tr><th>{i + 1}</th>{''.join(_cell(v, mask[i][j] == 0) for j, v in enumerate(row))}</tr>"
            for i, row in enumerate(stage.value)
        )
        return f"<table>{body}</table>"
    body = "".join(
        f"<tr><th>{i + 1}</th>{_cell(v if not isinstance(v, tuple) else ' ‖ '.join(v), False)}</tr>"
        for i, v in enumerate(stage.value)
    )
    return f"<table>{body}</table>"


def pipeline_html(report: Any) -> str:
    from finetune.explore.model_inspection import pipeline_stages

    parts = []
    for n, stage in enumerate(pipeline_stages(report), start=1):
        shape = ", ".join(f"{axis}={size}" for axis, size in zip(stage.axes, stage.shape))
        parts.append(
            f"<h4>{n}. {html.escape(say(stage.title))} <code>[{html.escape(shape)}]</code></h4>"
            f"<pre><code>{html.escape(stage.code)}</code></pre>"
            f"{stage_table(stage, report.attention_mask, report.id2label)}"
        )
    return "<div id='model-pipeline-stages'>" + "".join(parts) + "</div>"


def run_model(settings: Settings, v: Values) -> Values:
    """One forward pass over the lines (a padded batch): shapes, heatmaps and the pipeline stages."""
    from finetune.explore.model_inspection import look_inside

    texts = [line for line in (v["model.lines"] or "").splitlines() if line.strip()]
    if not texts:
        raise DataError(say("Type one or more texts, one per line."))
    pairs, layer, head = v["model.pairs"], v["model.layer"], v["model.head"]
    second = [line for line in (pairs or "").splitlines()] if pairs and pairs.strip() else None
    line = int(min(max(int(v["model.row"] or 1), 1), len(texts))) - 1
    report = look_inside(model_source(settings, v["model.source"], visitor_of(v)), texts, second, row=line)
    layers, heads = report.attentions.shape[:2]
    return {
        "model.shapes": shapes_markdown(report),
        "model.norms": norms_image(report),
        "model.attention": attention_image(report, layer, head),
        "model.layer": gr.Slider(maximum=layers, value=min(int(layer or 1), layers)),
        "model.head": gr.Slider(maximum=heads, value=min(int(head or 0), heads)),
        "model.stages": pipeline_html(report),
        "model.report": report,
    }


def build(studio: Studio) -> None:
    """The Model tab's components (named ``model.*``, elem_ids ``model-*``) and its listeners."""
    add = studio.add
    choices = source_choices(studio.settings, None)
    with gr.Row():
        add(
            "model.source",
            gr.Dropdown(
                choices=choices,
                value=BUNDLED_CHECKPOINT,
                allow_custom_value=True,
                label=t("model"),
                info=t(SOURCE_HINT),
                elem_id="model-source",
                scale=4,
            ),
        )
        add("model.load", gr.Button(t("Look inside"), variant="primary", elem_id="model-load", scale=1))
    add(
        "model.card",
        gr.Markdown(
            t(
                "Pick a model and press **Look inside**: its architecture, parameters, module "
                "tree and config, then one padded batch through it."
            ),
            elem_id="model-card",
        ),
    )
    add(
        "model.parts", gr.Dataframe(label=t("parameters by part"), elem_id="model-parts", max_height=320, visible=False)
    )
    with gr.Accordion(t("Module tree: print(model)"), open=False, elem_id="model-tree-box"):
        add("model.tree", gr.Code(language=None, elem_id="model-tree", max_lines=40))
    with gr.Accordion("config.json", open=False, elem_id="model-config-box"):
        add("model.config", gr.Code(language="json", elem_id="model-config", max_lines=40))
    gr.Markdown(
        t(
            "### Hidden states and attention\nOne text per line: the lines are padded together into one "
            "batch, as the tutorials do. Padded positions are hatched grey: attention gives them no weight."
        )
    )
    with gr.Row():
        add(
            "model.lines",
            gr.Textbox(label=t("texts, one per line"), value=DEFAULT_LINES, lines=3, elem_id="model-text", scale=3),
        )
        add(
            "model.pairs",
            gr.Textbox(
                label=t("second texts, one per line (pair models; optional)"),
                lines=3,
                elem_id="model-text-pair",
                scale=2,
            ),
        )
    with gr.Row():
        add(
            "model.row",
            gr.Number(value=2, precision=0, minimum=1, label=t("line shown in the heatmaps"), elem_id="model-row"),
        )
        add("model.layer", gr.Slider(1, 6, value=1, step=1, label=t("attention: layer"), elem_id="model-layer"))
        add(
            "model.head",
            gr.Slider(0, 12, value=0, step=1, label=t("attention: head (0 = mean of all heads)"), elem_id="model-head"),
        )
        add("model.run", gr.Button(t("Run the model"), variant="primary", elem_id="model-run"))
    add("model.shapes", gr.Markdown(elem_id="model-shapes"))
    add(
        "model.norms",
        gr.Image(
            label=t("hidden-state norm per layer and token"),
            type="pil",
            format="png",
            elem_id="model-norms",
            buttons=["download", "fullscreen"],
            interactive=False,
            visible=False,
        ),
    )
    add(
        "model.attention",
        gr.Image(
            label=t("attention weights"),
            type="pil",
            format="png",
            elem_id="model-attention",
            buttons=["download", "fullscreen"],
            interactive=False,
            visible=False,
        ),
    )
    with gr.Accordion(
        t("Behind the pipeline: the padded batch, stage by stage"), open=True, elem_id="model-pipeline-box"
    ):
        add("model.stages", gr.HTML(elem_id="model-pipeline"))
    with add(
        "model.script_box", gr.Accordion(t("This run as a Python script"), open=False, elem_id="model-script-box")
    ):
        with gr.Row():
            add(
                "model.script_style",
                gr.Radio(
                    list(SCRIPT_STYLES),
                    value="trainer",
                    label=t("script style"),
                    info=t(STYLE_INFO),
                    elem_id="model-script-style",
                    scale=3,
                ),
            )
            add("model.export", gr.Button(t("Export as Python script"), elem_id="model-export", scale=1))
        add("model.script_file", gr.File(label=t("script file"), elem_id="model-script-file"))
        add("model.script", gr.Code(language="python", elem_id="model-script", max_lines=60))
    add("model.report", gr.State(None))
    wire(studio)


def wire(studio: Studio) -> None:
    settings = studio.settings
    loaded = studio.listen(studio["model.load"].click, lambda v: show_card(settings, v), ["model.source"], CARD_OUTPUTS)
    studio.listen(loaded.success, lambda v: run_model(settings, v), RUN_INPUTS, RUN_OUTPUTS)
    studio.listen(
        [studio["model.run"].click, studio["model.lines"].submit],
        lambda v: run_model(settings, v),
        RUN_INPUTS,
        RUN_OUTPUTS,
    )
    studio.listen(
        [studio["model.layer"].release, studio["model.head"].release],
        lambda v: {"model.attention": attention_image(v["model.report"], v["model.layer"], v["model.head"])},
        ["model.report", "model.layer", "model.head"],
        ["model.attention"],
        trigger_mode="always_last",
        show_progress="hidden",
    )

    def export(v: Values) -> Values:
        script, path = export_run_script(settings, v["model.source"], visitor_of(v), v["model.script_style"])
        return {"model.script": script, "model.script_file": path}

    def restyle(v: Values) -> Values:
        """A new style re-exports the shown script (nothing shown yet: nothing to do)."""
        return export(v) if v["model.script"] else {}

    script_inputs = ["model.source", "model.script_style", "model.script"]
    outputs = ["model.script", "model.script_file"]
    studio.listen(studio["model.export"].click, export, script_inputs, outputs)
    studio.listen(studio["model.script_style"].change, restyle, script_inputs, outputs)
    for redraw in (studio["model.script"].change, studio["model.script_box"].expand):
        redraw(None, None, None, js=redraw_code_js("model-script"))


def refresh_sources(settings: Settings, v: Values) -> Values:
    """After a run started or ended: the list of models, keeping what is chosen."""
    return {"model.source": gr.Dropdown(choices=source_choices(settings, visitor_of(v)))}
