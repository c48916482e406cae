"""Tokenizer tab: see exactly what the model receives (engine: finetune.model.tokenization)."""

from __future__ import annotations

import json
from typing import Any, Optional

import gradio as gr

from finetune.config.run_config import BUNDLED_CHECKPOINT
from finetune.model.checkpoints import PRESETS

from ..access import checkpoint_source, visitor_of
from ..config_form import build_data_config
from ..i18n import say, t
from ..settings import Settings
from ..studio import Studio, Values

TOKEN_COLUMNS = ["position", "token", "id", "token_type_id", "attention_mask", "special", "span"]
EXPLORE_INPUTS = (
    "tok.checkpoint",
    "tok.text",
    "tok.pair",
    "tok.special",
    "tok.truncation",
    "tok.max_length",
    "tok.padding",
)
EXPLORE_OUTPUTS = ("tok.highlight", "tok.table", "tok.raw", "tok.decoded", "tok.counts")


def tokenizer_of(settings: Settings, checkpoint: str, visitor: Optional[str] = None) -> Any:
    """The tokenizer of a preset, Hub id, model folder, or run (its key or folder: the run's saved tokenizer)."""
    from finetune.model.tokenization import get_tokenizer

    checkpoint = checkpoint_source(settings, checkpoint, visitor) or ""
    settings.guard(checkpoint, "checkpoint")
    return get_tokenizer(checkpoint or BUNDLED_CHECKPOINT)


def explore(settings: Settings, v: Values) -> Values:
    """Tokens over the text, one row per token, the raw tokenizer output and its decoding."""
    import pandas as pd

    from finetune.model.tokenization import inspect_text

    max_length = v["tok.max_length"]
    report = inspect_text(
        tokenizer_of(settings, v["tok.checkpoint"], visitor_of(v)),
        v["tok.text"] or "",
        v["tok.pair"] or None,
        add_special_tokens=v["tok.special"],
        truncation=v["tok.truncation"],
        max_length=int(max_length) if max_length else None,
        padding=v["tok.padding"],
    )
    rows = pd.DataFrame(
        [
            {
                "position": r.position,
                "token": r.token,
                "id": r.id,
                "token_type_id": r.token_type_id,
                "attention_mask": r.attention_mask,
                "special": r.special,
                "span": "" if r.start is None else f"{r.start}-{r.end}",
            }
            for r in report.tokens
        ],
        columns=TOKEN_COLUMNS,
    ).rename(columns=say_columns(TOKEN_COLUMNS))
    highlighted = report.highlights(0)
    if report.text_pair:
        highlighted = highlighted + [("  ‖  ", "[SEP]")] + report.highlights(1)
    specials = [r.token for r in report.tokens if r.special]
    counts = say(
        "**{chars}** characters · **{words}** words · **{tokens}** tokens (+{padding} padding) · "
        "**{unknown}** unknown · {truncated} · special tokens: {specials}",
        chars=report.n_chars,
        words=report.n_words,
        tokens=report.n_tokens,
        padding=report.n_padding,
        unknown=report.n_unknown,
        truncated=say("**truncated**") if report.truncated else say("not truncated"),
        specials=" ".join(dict.fromkeys(specials)) or say("none"),
    )
    return {
        "tok.highlight": highlighted,
        "tok.table": rows,
        "tok.raw": raw_json(report.raw_output()),
        "tok.decoded": report.decoded,
        "tok.counts": counts,
    }


def say_columns(names: list[str]) -> dict[str, str]:
    """Table headers in the page's language."""
    return {name: say(name) for name in names}


def raw_json(output: dict[str, Any]) -> str:
    """The tokenizer's output as JSON, one key per line, so each list is readable without scrolling sideways."""
    return "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in output.items()) + "\n}"


def batch(settings: Settings, v: Values) -> Values:
    """Several lines padded together: tokens, ids and the attention mask per row."""
    import pandas as pd

    from finetune.model.tokenization import inspect_batch

    max_length, padding = v["tok.max_length"], v["tok.padding"]
    out = inspect_batch(
        tokenizer_of(settings, v["tok.checkpoint"], visitor_of(v)),
        (v["tok.batch_lines"] or "").splitlines(),
        max_length=int(max_length) if max_length else None,
        padding=padding if padding != "none" else "dynamic",
    )
    frame = pd.DataFrame(
        {
            "row": list(range(len(out["input_ids"]))),
            "tokens": [" ".join(t) for t in out["tokens"]],
            "input_ids": [str(r) for r in out["input_ids"]],
            "attention_mask": [str(r) for r in out["attention_mask"]],
        }
    )
    return {"tok.batch_table": frame.rename(columns=say_columns(["row", "tokens"]))}


def compare(settings: Settings, v: Values) -> Values:
    """The same text through two tokenizers."""
    from finetune.model.tokenization import inspect_text

    out = []
    for name in (v["tok.first"], v["tok.second"]):
        report = inspect_text(tokenizer_of(settings, name, visitor_of(v)), v["tok.text"] or "")
        out.append(
            say(
                "**{name}**: {tokens} tokens, {unknown} unknown",
                name=name,
                tokens=report.n_tokens,
                unknown=report.n_unknown,
            )
            + "\n\n"
            + " ".join(f"`{r.token}`" for r in report.tokens)
        )
    return {"tok.left": out[0], "tok.right": out[1]}


def dataset_lengths(settings: Settings, v: Values) -> Values:
    """Token lengths of a sample of the selected dataset, and a max_length that fits them."""
    import pandas as pd

    from finetune.data.preparation import prepare_data
    from finetune.model.token_lengths import dataset_length_stats

    prepared = prepare_data(build_data_config(settings, v))
    stats = dataset_length_stats(
        tokenizer_of(settings, v["tok.checkpoint"], visitor_of(v)),
        prepared.splits["train"],
        max_length=int(v["max_length"] or 128),
    )
    start, rows_name = say("tokens (from)"), say("rows")
    hist = pd.DataFrame([{start: first, rows_name: count} for first, count in stats.histogram])
    text_out = say(
        "{n} of {total} rows sampled · mean {mean} · median {p50} · p95 {p95} · p99 {p99} · max {max} "
        "tokens. **max_length {max_length} truncates {share}** of rows. Suggested max_length: "
        "**{suggested}** ({basis}).",
        n=stats.n,
        total=stats.total_rows,
        mean=f"{stats.mean:.1f}",
        p50=stats.p50,
        p95=stats.p95,
        p99=stats.p99,
        max=stats.max,
        max_length=stats.max_length,
        share=f"{stats.truncated_share:.1%}",
        suggested=stats.suggested_max_length,
        basis=say(stats.suggestion_basis),
    )
    return {
        "tok.hist": gr.BarPlot(value=hist, x=start, y=rows_name),
        "tok.stats": text_out,
        "tok.suggested": stats.suggested_max_length,
    }


def build(studio: Studio) -> None:
    add = studio.add
    presets = [p.name for p in PRESETS]
    with gr.Row():
        add(
            "tok.checkpoint",
            gr.Dropdown(
                choices=presets,
                value=BUNDLED_CHECKPOINT,
                allow_custom_value=True,
                label=t("tokenizer of checkpoint"),
                elem_id="tok-checkpoint",
                scale=2,
                info=t("Follows the training checkpoint; any preset, Hub id, folder or finished run."),
            ),
        )
        add("tok.special", gr.Checkbox(value=True, label=t("add special tokens")))
        add("tok.truncation", gr.Checkbox(value=True, label=t("truncation")))
        add("tok.max_length", gr.Number(value=0, label=t("max_length (0: no limit)"), precision=0))
        add(
            "tok.padding",
            gr.Radio(
                ["none", "dynamic", "max_length"],
                value="none",
                label=t("padding"),
                info=t("dynamic: to the longest text of the batch"),
            ),
        )
    with gr.Row():
        add(
            "tok.text",
            gr.Textbox(label=t("text"), value="Using a Transformer network is simple!", lines=2, elem_id="tok-text"),
        )
        add("tok.pair", gr.Textbox(label=t("second text (optional, for pairs)"), lines=2, elem_id="tok-text-pair"))
    add("tok.counts", gr.Markdown(elem_id="tok-counts"))
    add(
        "tok.highlight",
        gr.HighlightedText(
            label=t("tokens over the text (alternating colours; red: unknown)"),
            elem_id="tok-highlight",
            combine_adjacent=False,
            show_legend=False,
            show_inline_category=False,
            color_map={"token-even": "#fed7aa", "token-odd": "#bfdbfe", "unknown": "#ef4444", "[SEP]": "#d1d5db"},
        ),
    )
    add(
        "tok.table",
        gr.Dataframe(headers=TOKEN_COLUMNS, label=t("one row per token"), elem_id="tok-table", max_height=320),
    )
    with gr.Row():
        add(
            "tok.raw",
            gr.Code(
                language="json",
                label=t("tokenizer output (input_ids, token_type_ids, attention_mask)"),
                elem_id="tok-raw",
            ),
        )
        add("tok.decoded", gr.Textbox(label="decode(input_ids)", elem_id="tok-decoded"))
    with gr.Accordion(t("Batch: several lines padded together"), open=False):
        add(
            "tok.batch_lines",
            gr.Textbox(
                lines=3,
                label=t("one text per line"),
                elem_id="tok-batch-lines",
                value="I've been waiting for a HuggingFace course my whole life.\nI hate this so much!",
            ),
        )
        add("tok.batch_go", gr.Button(t("Tokenize batch"), elem_id="tok-batch-btn"))
        add(
            "tok.batch_table",
            gr.Dataframe(
                label=t("padded batch: attention_mask is 0 at padded positions"), elem_id="tok-batch", wrap=True
            ),
        )
    with gr.Accordion(t("Compare two tokenizers"), open=False):
        with gr.Row():
            add("tok.first", gr.Dropdown(presets, value=BUNDLED_CHECKPOINT, allow_custom_value=True, label=t("first")))
            add("tok.second", gr.Dropdown(presets, value="bert-base-cased", allow_custom_value=True, label=t("second")))
        add("tok.compare_go", gr.Button(t("Compare on the text above")))
        with gr.Row():
            add("tok.left", gr.Markdown())
            add("tok.right", gr.Markdown())
    with gr.Accordion(t("Token lengths of the selected dataset"), open=False):
        add("tok.lengths_go", gr.Button(t("Measure the dataset"), elem_id="tok-lengths-btn"))
        add("tok.hist", gr.BarPlot(x="start", y="rows", label=t("token lengths (train sample)"), elem_id="tok-hist"))
        add("tok.stats", gr.Markdown(elem_id="tok-stats"))
        add("tok.suggested", gr.Number(label=t("suggested max_length"), interactive=False, precision=0))
        add("tok.apply", gr.Button(t("Use the suggested max_length for training")))
    wire(studio)


def wire(studio: Studio) -> None:
    settings = studio.settings
    # one listener for every input, so an older, slower answer never overwrites a newer one
    studio.listen(
        [studio[n].change for n in EXPLORE_INPUTS],
        lambda v: explore(settings, v),
        EXPLORE_INPUTS,
        EXPLORE_OUTPUTS,
        trigger_mode="always_last",
        show_progress="hidden",
    )
    studio.listen(
        studio["tok.batch_go"].click,
        lambda v: batch(settings, v),
        ["tok.checkpoint", "tok.batch_lines", "tok.max_length", "tok.padding"],
        ["tok.batch_table"],
    )
    studio.listen(
        studio["tok.compare_go"].click,
        lambda v: compare(settings, v),
        ["tok.first", "tok.second", "tok.text"],
        ["tok.left", "tok.right"],
    )
