"""Tokenizer tab: see exactly what the model receives (engine: finetune.tokenization)."""

from __future__ import annotations

from typing import Any, Optional

import gradio as gr

from finetune.checkpoints import PRESETS
from finetune.config import BUNDLED_CHECKPOINT

from .common import Settings, engine_call

TOKEN_COLUMNS = ["position", "token", "id", "token_type_id", "attention_mask", "special", "span"]


def explore(settings: Settings, checkpoint: str, text: str, text_pair: str, special: bool, truncation: bool,
            max_length: Optional[float], padding: str) -> tuple[Any, ...]:
    import pandas as pd

    from finetune.tokenization import get_tokenizer, inspect_text

    settings.guard(checkpoint, "checkpoint")
    tok = get_tokenizer(checkpoint or BUNDLED_CHECKPOINT)
    report = inspect_text(tok, text, text_pair or None, add_special_tokens=special, truncation=truncation,
                          max_length=int(max_length) if max_length else None, padding=padding)
    rows = pd.DataFrame([{"position": r.position, "token": r.token, "id": r.id, "token_type_id": r.token_type_id,
                          "attention_mask": r.attention_mask, "special": r.special,
                          "span": "" if r.start is None else f"{r.start}-{r.end}"} for r in report.tokens],
                        columns=TOKEN_COLUMNS)
    highlighted = report.highlights(0)
    if report.text_pair:
        highlighted = highlighted + [("  ‖  ", "[SEP]")] + report.highlights(1)
    specials = [r.token for r in report.tokens if r.special]
    counts = (f"**{report.n_chars}** characters · **{report.n_words}** words · **{report.n_tokens}** tokens "
              f"(+{report.n_padding} padding) · **{report.n_unknown}** unknown · "
              f"{'**truncated**' if report.truncated else 'not truncated'} · special tokens: "
              f"{' '.join(dict.fromkeys(specials)) or 'none'}")
    import json

    raw = json.dumps(report.raw_output())
    return highlighted, rows, raw, report.decoded, counts


def batch(settings: Settings, checkpoint: str, lines: str, max_length: Optional[float], padding: str) -> Any:
    import pandas as pd

    from finetune.tokenization import get_tokenizer, inspect_batch

    settings.guard(checkpoint, "checkpoint")
    tok = get_tokenizer(checkpoint or BUNDLED_CHECKPOINT)
    out = inspect_batch(tok, lines.splitlines(), max_length=int(max_length) if max_length else None,
                        padding=padding if padding != "none" else "longest")
    return pd.DataFrame({"row": list(range(len(out["input_ids"]))),
                         "tokens": [" ".join(t) for t in out["tokens"]],
                         "input_ids": [str(r) for r in out["input_ids"]],
                         "attention_mask": [str(r) for r in out["attention_mask"]]})


def compare(settings: Settings, first: str, second: str, text: str) -> tuple[str, str]:
    from finetune.tokenization import get_tokenizer, inspect_text

    out = []
    for name in (first, second):
        settings.guard(name, "checkpoint")
        report = inspect_text(get_tokenizer(name), text)
        out.append(f"**{name}**: {report.n_tokens} tokens, {report.n_unknown} unknown\n\n"
                   + " ".join(f"`{r.token}`" for r in report.tokens))
    return out[0], out[1]


def dataset_lengths(settings: Settings, checkpoint: str, dataset: str, dataset_config: str, text: str, pair: str,
                    label: str, max_length: Optional[float]) -> tuple[Any, str, int]:
    import pandas as pd

    from finetune.data import iter_texts, prepare_data
    from finetune.tokenization import get_tokenizer, length_stats

    from .model_data import build_data_config

    config = build_data_config(settings, dataset, dataset_config, text, pair, label)
    prepared = prepare_data(config)
    rows = list(iter_texts(prepared, "train", limit=3000))
    tok = get_tokenizer(checkpoint or BUNDLED_CHECKPOINT)
    stats = length_stats(tok, [t for t, _ in rows], [p for _, p in rows] if prepared.is_pair else None,
                         max_length=int(max_length or 128))
    hist = pd.DataFrame([{"tokens": f"{start}-", "start": start, "rows": count} for start, count in stats.histogram])
    text_out = (f"{stats.n} rows sampled · mean {stats.mean:.1f} · median {stats.p50} · p95 {stats.p95} · "
                f"p99 {stats.p99} · max {stats.max} tokens. **max_length {stats.max_length} truncates "
                f"{stats.truncated_share:.1%}** of rows. Suggested max_length: **{stats.suggested_max_length}** "
                f"({stats.suggestion_basis}).")
    return hist, text_out, stats.suggested_max_length


def build(settings: Settings, widgets: dict[str, Any]) -> None:
    presets = [p.name for p in PRESETS]
    with gr.Row():
        checkpoint = gr.Dropdown(choices=presets, value=BUNDLED_CHECKPOINT, allow_custom_value=True,
                                 label="tokenizer of checkpoint", elem_id="tok-checkpoint", scale=2,
                                 info="Follows the training checkpoint; any preset, Hub id or folder.")
        special = gr.Checkbox(value=True, label="add special tokens")
        truncation = gr.Checkbox(value=True, label="truncation")
        max_length = gr.Number(value=0, label="max_length (0: no limit)", precision=0)
        padding = gr.Radio(["none", "longest", "max_length"], value="none", label="padding")
    with gr.Row():
        text = gr.Textbox(label="text", value="Using a Transformer network is simple!", lines=2, elem_id="tok-text")
        text_pair = gr.Textbox(label="second text (optional, for pairs)", lines=2, elem_id="tok-text-pair")
    counts = gr.Markdown(elem_id="tok-counts")
    highlighted = gr.HighlightedText(label="tokens over the text (alternating colours; red: unknown)",
                                     elem_id="tok-highlight", combine_adjacent=False, show_legend=False,
                                     show_inline_category=False,
                                     color_map={"token-even": "#fed7aa", "token-odd": "#bfdbfe", "unknown": "#ef4444",
                                                "[SEP]": "#d1d5db"})
    table = gr.Dataframe(headers=TOKEN_COLUMNS, label="one row per token", elem_id="tok-table", max_height=320)
    with gr.Row():
        raw = gr.Code(language="json", label="tokenizer output (input_ids, token_type_ids, attention_mask)",
                      elem_id="tok-raw")
        decoded = gr.Textbox(label="decode(input_ids)", elem_id="tok-decoded")
    widgets["checkpoint"].change(lambda c: c, widgets["checkpoint"], checkpoint)
    inputs = [checkpoint, text, text_pair, special, truncation, max_length, padding]
    outputs = [highlighted, table, raw, decoded, counts]
    # one listener for every input, so an older, slower answer never overwrites a newer one
    gr.on([c.change for c in inputs], engine_call(lambda *v: explore(settings, *v)), inputs, outputs,
          trigger_mode="always_last", show_progress="hidden")

    with gr.Accordion("Batch: several lines padded together", open=False):
        lines = gr.Textbox(lines=3, label="one text per line",
                           value="I've been waiting for a HuggingFace course my whole life.\nI hate this so much!")
        batch_btn = gr.Button("Tokenize batch")
        batch_table = gr.Dataframe(label="padded batch: attention_mask is 0 at padded positions", elem_id="tok-batch")
        batch_btn.click(engine_call(lambda *v: batch(settings, *v)), [checkpoint, lines, max_length, padding],
                        batch_table)
    with gr.Accordion("Compare two tokenizers", open=False):
        with gr.Row():
            first = gr.Dropdown(presets, value=BUNDLED_CHECKPOINT, allow_custom_value=True, label="first")
            second = gr.Dropdown(presets, value="bert-base-cased", allow_custom_value=True, label="second")
        compare_btn = gr.Button("Compare on the text above")
        with gr.Row():
            left, right = gr.Markdown(), gr.Markdown()
        compare_btn.click(engine_call(lambda *v: compare(settings, *v)), [first, second, text], [left, right])
    with gr.Accordion("Token lengths of the selected dataset", open=False):
        lengths_btn = gr.Button("Measure the dataset", elem_id="tok-lengths-btn")
        hist = gr.BarPlot(x="start", y="rows", label="token lengths (train sample)", elem_id="tok-hist")
        stats_md = gr.Markdown(elem_id="tok-stats")
        suggested = gr.Number(label="suggested max_length", interactive=False, precision=0)
        apply_btn = gr.Button("Use the suggested max_length for training")
        lengths_btn.click(engine_call(lambda *v: dataset_lengths(settings, *v)),
                          [checkpoint] + [widgets[n] for n in ("dataset", "dataset_config", "text_column",
                                                               "text_pair_column", "label_column", "max_length")],
                          [hist, stats_md, suggested])
        apply_btn.click(lambda s: s, suggested, widgets["max_length"])
