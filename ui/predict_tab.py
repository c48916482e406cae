"""Predict tab: probabilities per label, behind-the-pipeline view, batch prediction, evaluation report."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from finetune.config import BUNDLED_CHECKPOINT
from finetune.runs import load_predictions, runs_with_model

from .common import Settings, engine_call

MODEL_HINT = "A finished/cancelled run, a model folder, bundled-minilm, or a Hub text-classification model id."


def model_choices(settings: Settings) -> list[str]:
    return [r.run_id for r in runs_with_model(settings.runs_dir)] + [BUNDLED_CHECKPOINT]


def resolve(settings: Settings, choice: str) -> str:
    if not choice:
        raise gr.Error("Choose a model first.")
    run_dir = settings.runs_dir / choice
    if (run_dir / "config.json").exists():
        return str(run_dir)
    settings.guard(choice, "model")
    return choice


def predict_one(settings: Settings, choice: str, text: str, text_pair: str) -> tuple[dict, str]:
    from finetune.predict import get_predictor

    predictor = get_predictor(resolve(settings, choice))
    if not text or not text.strip():
        raise gr.Error("Type a text to classify.")
    result = predictor.predict([text], [text_pair] if text_pair and text_pair.strip() else None)[0]
    exp = predictor.explain(text, text_pair or None)
    tokens = " ".join(f"`{t}`" for t in exp.tokens)
    table = "\n".join(f"| {i} | {exp.id2label[i]} | {exp.logits[i]:.4f} | {exp.probabilities[i]:.4f} |"
                      for i in range(len(exp.logits)))
    behind = (f"**1. Tokenizer** → {len(exp.input_ids)} ids: {tokens}\n\n"
              f"`input_ids` = {exp.input_ids}\n\n"
              + (f"`token_type_ids` = {exp.token_type_ids}\n\n" if exp.token_type_ids is not None else "")
              + f"**2. Model** → logits, **3. softmax** → probabilities, **4. id2label**:\n\n"
              f"| id | label | logit | probability |\n|---|---|---|---|\n{table}\n\n"
              f"**Prediction:** {exp.prediction}")
    return result.probabilities, behind


def predict_batch(settings: Settings, choice: str, lines: str, file: Any, text_column: str, pair_column: str,
                  progress: gr.Progress = gr.Progress()) -> tuple[Any, str]:
    import pandas as pd

    from finetune.predict import get_predictor, predict_file, predict_frame

    predictor = get_predictor(resolve(settings, choice))
    report = lambda done, total: progress(done / total, desc=f"{done}/{total} rows")  # noqa: E731
    if file is not None:
        frame = predict_file(predictor, str(getattr(file, "name", file)), text_column=text_column or None,
                             text_pair_column=pair_column or None, progress=report)
    else:
        texts = [line for line in (lines or "").splitlines() if line.strip()]
        if not texts:
            raise gr.Error("Type one text per line, or upload a file.")
        frame = predict_frame(predictor, pd.DataFrame({"text": texts}), text_column="text", progress=report)
    path = Path(tempfile.mkdtemp(prefix="predictions-")) / "predictions.csv"
    frame.to_csv(path, index=False)
    return frame, str(path)


def confusion_html(matrix: list[list[int]], names: list[str]) -> str:
    peak = max((v for row in matrix for v in row), default=1) or 1
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = ""
    for name, row in zip(names, matrix):
        cells = "".join(f"<td style='background:rgba(249,115,22,{0.1 + 0.9 * v / peak:.2f});text-align:center'>"
                        f"{v}</td>" for v in row)
        body += f"<tr><th>{html.escape(name)}</th>{cells}</tr>"
    return (f"<table id='confusion-matrix'><tr><th>true \\ predicted</th>{head}</tr>{body}</table>")


def report_view(report: dict[str, Any]) -> tuple[Any, ...]:
    import pandas as pd

    metrics = pd.DataFrame([{"metric": k, "value": round(v, 4)} for k, v in report["metrics"].items()])
    per_class = pd.DataFrame(report["per_class"]).round(4)
    mistakes = pd.DataFrame([{"text": m["text"] + (f"  ‖  {m['text_pair']}" if m.get("text_pair") else ""),
                              "true": m["label_name"], "predicted": m["prediction_name"],
                              "confidence": round(m["confidence"], 4)} for m in report["mistakes"]],
                            columns=["text", "true", "predicted", "confidence"])
    return metrics, per_class, confusion_html(report["confusion_matrix"], report["label_names"]), mistakes


def run_report(settings: Settings, choice: str, dataset: str, split: str) -> tuple[Any, ...]:
    from finetune.evaluation import evaluate_run, run_report as saved_report

    run_dir = settings.runs_dir / (choice or "")
    if not choice or not (run_dir / "config.json").exists():
        raise gr.Error("Choose a run (not a bare checkpoint) for its evaluation report.")
    if dataset:
        settings.guard(dataset, "dataset")
        report = evaluate_run(run_dir, dataset=dataset, split=split or None)
    elif split and split != "validation":
        report = evaluate_run(run_dir, split=split)
    else:
        report = saved_report(run_dir)
    return report_view(report)


def example_choices(settings: Settings, choice: Optional[str]) -> list[str]:
    """Up to 20 validation texts of a run (pairs joined by a tab)."""
    rows = load_predictions(settings.runs_dir / choice) if choice else []
    return [r["text"] + ("\t" + r["text_pair"] if r.get("text_pair") else "") for r in rows[:20]]


def examples(settings: Settings, choice: str) -> Any:
    return gr.Dropdown(choices=example_choices(settings, choice))


def use_example(example: str) -> tuple[str, str]:
    text, _, pair = (example or "").partition("\t")
    return text, pair


def build(settings: Settings, train_parts: dict[str, Any]) -> dict[str, Any]:
    with gr.Row():
        model = gr.Dropdown(choices=model_choices(settings), value=(model_choices(settings) or [None])[0],
                            allow_custom_value=True, label="model", info=MODEL_HINT, elem_id="pred-model", scale=3)
        refresh = gr.Button("Refresh list", size="sm")
    with gr.Row():
        text = gr.Textbox(label="text", lines=2, elem_id="pred-text")
        pair = gr.Textbox(label="second text (pair models)", lines=2, elem_id="pred-text-pair")
    with gr.Row():
        example = gr.Dropdown(label="examples from the run's validation data", elem_id="pred-examples",
                              choices=example_choices(settings, (model_choices(settings) or [None])[0]))
        go = gr.Button("Predict", variant="primary", elem_id="pred-btn")
    label = gr.Label(label="probability of every label", elem_id="pred-label")
    with gr.Accordion("Behind the pipeline", open=False):
        behind = gr.Markdown(elem_id="pred-behind")
    with gr.Accordion("Batch prediction", open=False):
        lines = gr.Textbox(lines=4, label="one text per line")
        with gr.Row():
            upload = gr.File(label="...or a csv/tsv/xlsx/jsonl file", file_types=[".csv", ".tsv", ".xlsx", ".jsonl",
                                                                               ".json", ".parquet"], height=90)
            text_col = gr.Textbox(label="text column of the file (empty: detected)")
            pair_col = gr.Textbox(label="second text column (pairs)")
        batch_btn = gr.Button("Predict all")
        batch_table = gr.Dataframe(label="predictions (sortable)", elem_id="pred-batch", max_height=320)
        download = gr.File(label="download as CSV")
    with gr.Accordion("Evaluation report", open=False):
        with gr.Row():
            eval_data = gr.Textbox(label="labelled file or dataset (empty: the run's own data)")
            eval_split = gr.Textbox(label="split (empty: validation)")
            eval_btn = gr.Button("Show report", elem_id="eval-btn")
        with gr.Row():
            overall = gr.Dataframe(label="overall", elem_id="eval-overall")
            per_class = gr.Dataframe(label="per class", elem_id="eval-per-class")
        matrix = gr.HTML(elem_id="eval-confusion")
        mistakes = gr.Dataframe(label="misclassified validation examples, most confident first",
                                elem_id="eval-mistakes", max_height=360, wrap=True)

    refresh.click(lambda: gr.Dropdown(choices=model_choices(settings)), None, model)
    model.change(lambda c: examples(settings, c), model, example)
    example.change(use_example, example, [text, pair])
    go.click(engine_call(lambda *v: predict_one(settings, *v)), [model, text, pair], [label, behind])
    text.submit(engine_call(lambda *v: predict_one(settings, *v)), [model, text, pair], [label, behind])
    batch_btn.click(engine_call(lambda *v: predict_batch(settings, *v)), [model, lines, upload, text_col, pair_col],
                    [batch_table, download])
    eval_btn.click(engine_call(lambda *v: run_report(settings, *v)), [model, eval_data, eval_split],
                   [overall, per_class, matrix, mistakes])
    return {"model": model, "refresh": lambda: gr.Dropdown(choices=model_choices(settings),
                                                           value=(model_choices(settings) or [None])[0])}
