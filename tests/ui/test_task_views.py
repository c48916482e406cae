"""Each tab's handlers for multi-label and regression runs: the form, the preview, the live view, the evaluation
report, Predict (threshold, label set, the number), the run history and the comparison, without a browser."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from finetune.config.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL, TASK_METRICS
from tests.helpers import tiny_config
from ui import live_view
from ui.config_form import build_data_config
from ui.i18n import use_lang
from ui.settings import Settings
from ui.tabs import data as data_tab
from ui.tabs import predict as predict_tab
from ui.tabs import runs as runs_tab
from ui.tabs import train as train_tab

TICKETS = "Example: English support tickets (multi-label)"
TAGS = "Example: Chinese comments with |-joined tags (multi-label)"
PAIRS = "Example: English sentence pairs scored 0-5 (regression)"


def _train(root, checkpoint, name, dataset, **extra):
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    config = tiny_config(checkpoint, root, dataset=dataset, max_train_samples=80, max_eval_samples=40, **extra)
    run = Run.create(root, config, name)
    assert run_training(config, run)["status"] == "finished"
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory, tiny_checkpoint):
    """A finished multi-label run (threshold tuned), a regression run and a single-label run, in one runs folder."""
    root = tmp_path_factory.mktemp("task-runs")
    _train(root, tiny_checkpoint, "tickets", "examples/data/support_tickets_en", tune_threshold=True)
    _train(root, tiny_checkpoint, "pairs", "examples/data/sts_pairs_en")
    _train(root, tiny_checkpoint, "reviews", "examples/data/sentiment_en")
    return root


def _preview(name: str, **changes):
    values = {name: "" for name in data_tab.PREVIEW_INPUTS}
    values.update(data_tab.apply_preset(name), **changes)
    with use_lang("en"):
        return data_tab.preview(Settings(runs_dir="runs"), values)


def _spec(plot) -> dict:
    """The vega-lite spec a gr.Plot update carries."""
    return json.loads(plot.constructor_args["value"].plot)


# -- Model & Data ------------------------------------------------------------------------------------------


def test_the_task_and_delimiter_widgets_reach_the_data_config(tmp_path):
    config = build_data_config(Settings(runs_dir=tmp_path), {"dataset": "x.csv", "label_delimiter": "|"})
    assert config.task == "auto" and config.label_delimiter == "|"
    config = build_data_config(Settings(runs_dir=tmp_path), {"dataset": "x.csv", "task": REGRESSION})
    assert config.task == REGRESSION and config.label_delimiter is None


def test_a_multi_label_preview_says_why_and_counts_the_rows_having_each_label():
    out = _preview(TICKETS)
    assert out["data.task"] == MULTI_LABEL
    assert "**Task:** multi-label (detected: the label column holds lists of labels)" in out["data.summary"]
    rows = out["data.rows"]
    assert list(rows.columns) == ["labels", "text"] and rows["labels"].iloc[1] == "feature_request, refund"
    chart = out["data.dist"].constructor_args
    frame = chart["value"]
    assert chart["label"] == "rows having each label (a row can have several)" and chart["visible"] is True
    assert set(frame["label"]) == {"billing", "bug", "feature_request", "login", "refund", "shipping"}
    # rows having each label: more than the rows of the split, since a row can have several
    train = frame[frame["split"] == "train"]
    assert train["rows"].sum() > 600 and train["rows"].max() < 600
    delimited = _preview(TAGS)
    assert "detected: the label delimiter &#x27;|&#x27; joins the labels" in delimited["data.summary"]  # escaped
    assert "文化, 音乐" in delimited["data.rows"]["labels"].tolist()
    chosen = _preview(TICKETS, task=MULTI_LABEL)
    assert "**Task:** multi-label (chosen in the task field)" in chosen["data.summary"]


def test_a_regression_preview_shows_the_targets_statistics_instead_of_class_counts():
    out = _preview(PAIRS)
    assert out["data.task"] == REGRESSION
    summary = out["data.summary"]
    assert "detected: the label column holds fractional numbers" in summary
    assert "**Target:** <code>score</code>" in summary and "Labels (" not in summary
    assert "| split | rows | mean | std | min | max |" in summary and "| train | 700 |" in summary
    assert out["data.dist"].constructor_args["visible"] is False  # no classes to count
    rows = out["data.rows"]
    assert list(rows.columns) == ["score", "text", "second text"] and rows["score"].dtype == float
    with use_lang("zh"):
        chinese = data_tab.summary_markdown(_report(PAIRS), "auto", None)
    assert "**任务：** 回归（检测结果：标签列是带小数的数值）" in chinese and "| 数据划分 | 行数 | 均值 |" in chinese


def _report(name):
    from finetune.explore.data_preview import preview

    values = {field: "" for field in data_tab.PREVIEW_INPUTS}
    values.update(data_tab.apply_preset(name))
    return preview(build_data_config(Settings(runs_dir="runs"), values))["report"]


# -- Train form and Runs tab: the task's metrics -------------------------------------------------------------


def test_the_train_form_offers_the_metrics_of_the_chosen_or_detected_task():
    out = train_tab.follow_task({"task": MULTI_LABEL, "data.task": SINGLE_LABEL, "metric_for_best_model": "accuracy"})
    metric = out["metric_for_best_model"].constructor_args
    assert metric["choices"] == list(TASK_METRICS[MULTI_LABEL])
    assert metric["value"] == "f1_micro"  # 'accuracy', the default, means the main metric
    assert out["train.threshold_box"].constructor_args["visible"] is True
    detected = train_tab.follow_task({"task": "auto", "data.task": REGRESSION, "metric_for_best_model": "rmse"})
    assert detected["metric_for_best_model"].constructor_args["value"] == "rmse"  # the task has it: kept
    assert detected["train.threshold_box"].constructor_args["visible"] is False
    assert "regression (detected on the Model & Data tab)" in detected["train.task_note"]
    back = train_tab.follow_task({"task": "auto", "data.task": SINGLE_LABEL, "metric_for_best_model": "rmse"})
    assert back["metric_for_best_model"].constructor_args["value"] == "accuracy"  # another task's metric: replaced
    assert train_tab.follow_task({"task": "auto", "data.task": None, "metric_for_best_model": "f1"}) == {}
    objective = runs_tab.follow_task({"task": REGRESSION, "runs.search_metric": "accuracy"})["runs.search_metric"]
    assert objective.constructor_args["value"] == "pearson" and "rmse" in objective.constructor_args["choices"]


def test_the_comparison_offers_the_metrics_of_the_picked_runs_tasks(runs):
    settings = Settings(runs_dir=runs)
    picked = runs_tab.curve_metrics(settings, {"runs.pick": ["pairs", "tickets"], "runs.metric_name": "accuracy"})
    choices = picked["runs.metric_name"].constructor_args["choices"]
    assert choices[:6] == ["f1_micro", "f1_macro", "precision_micro", "recall_micro", "subset_accuracy", "hamming_loss"]
    assert "pearson" in choices and "accuracy" not in choices and "loss" not in choices
    assert picked["runs.metric_name"].constructor_args["value"] == "f1_micro"
    with use_lang("en"):
        out = runs_tab.compare_runs(
            settings, {"runs.pick": ["pairs", "reviews"], "runs.axis": "step", "runs.metric_name": "pearson"}
        )
    assert out["runs.metric"].constructor_args["title"] == "Validation Pearson r"
    assert out["runs.metrics"].constructor_args["visible"] is True


def test_the_run_history_has_the_metric_columns_of_its_runs_tasks(runs):
    with use_lang("en"):
        table = train_tab.history(Settings(runs_dir=runs), {})["train.history"]
    columns = list(table.columns)
    assert {"accuracy", "micro F1", "Hamming loss ↓", "Pearson r", "RMSE ↓"} <= set(columns)
    row = table.set_index("run").loc["pairs"]
    assert pd.isna(row["accuracy"]) and isinstance(row["RMSE ↓"], float)


# -- live view ------------------------------------------------------------------------------------------------


def _events(run):
    return [json.loads(line) for line in open(run / "events.jsonl", encoding="utf-8")]


def test_the_live_charts_and_summary_use_the_tasks_metrics(runs):
    from finetune.runs.run import Run

    with use_lang("en"):
        _, _, metrics = live_view.curves(_events(runs / "tickets"))
        assert set(metrics["metric"]) == {"micro F1", "macro F1", "subset accuracy", "Hamming loss ↓"}
        _, _, metrics = live_view.curves(_events(runs / "pairs"))
        assert set(metrics["metric"]) == {"Pearson r", "Spearman ρ", "RMSE ↓", "MAE ↓"}
        assert "Pearson r" in live_view.legend(_events(runs / "pairs"))
        parts, _, ended = live_view.render(Settings(runs_dir=runs), "pairs", {})
        summary = live_view.final_summary(Run(runs / "tickets"), Run(runs / "tickets").status())
    assert ended and parts["live.metrics"].constructor_args["y_lim"] is None  # RMSE is in the target's unit
    assert "| f1_micro |" in summary and "| hamming_loss |" in summary and "| accuracy |" not in summary
    assert "decision threshold* | " in summary and "(tuned on validation; configured 0.5)" in summary
    assert "*micro F1 of always predicting the labels at least half the rows have" in summary
    pairs = live_view.final_summary(Run(runs / "pairs"), Run(runs / "pairs").status())
    assert "| rmse |" in pairs and "*RMSE of always predicting the mean (" in pairs


# -- Predict: evaluation report ---------------------------------------------------------------------------------


def _run_report(runs, run_id):
    values = {"predict.model": run_id, "predict.eval_data": "", "predict.eval_split": ""}
    with use_lang("en"):
        return predict_tab.run_report(Settings(runs_dir=runs), values)


def test_a_multi_label_report_has_the_per_label_table_and_the_threshold_used(runs):
    out = _run_report(runs, "tickets")
    per_label = out["predict.eval_per_class"].constructor_args
    table = per_label["value"]
    assert list(table.columns)[:5] == ["label", "precision", "recall", "f1", "support"]
    assert len(table) == 6 and per_label["label"] == "per label, at the decision threshold"
    tuned = json.loads((runs / "tickets" / "model" / "config.json").read_text())["decision_threshold"]
    assert f"decision threshold: **{tuned:g} (tuned on validation; configured 0.5)**" in out["predict.eval_note"]
    overall = out["predict.eval_overall"].constructor_args["value"]
    assert "micro F1" in overall["metric"].tolist() and "accuracy" not in overall["metric"].tolist()
    assert out["predict.eval_matrix"] == "" and out["predict.eval_scatter"].constructor_args["visible"] is False
    mistakes = out["predict.eval_mistakes"].constructor_args["value"]
    assert list(mistakes.columns) == ["true", "predicted", "text"]


def test_a_regression_report_draws_predicted_against_true_on_one_numeric_range(runs):
    out = _run_report(runs, "pairs")
    assert out["predict.eval_per_class"].constructor_args["visible"] is False
    overall = out["predict.eval_overall"].constructor_args["value"]
    assert overall["metric"].tolist() == ["Pearson r", "Spearman ρ", "MSE ↓", "RMSE ↓", "MAE ↓"]
    assert "RMSE of always predicting the mean (" in out["predict.eval_note"]
    scatter = out["predict.eval_scatter"].constructor_args
    assert scatter["visible"] is True
    spec = _spec(out["predict.eval_scatter"])
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg" and spec["width"] == spec["height"]
    line, points = spec["layer"]
    assert spec["title"]["subtitle"] == "dashed line: y = x, a perfect prediction"
    assert line["mark"]["type"] == "line" and points["mark"]["type"] == "point"
    x, y = points["encoding"]["x"], points["encoding"]["y"]
    assert x["type"] == y["type"] == "quantitative" and x["scale"]["domain"] == y["scale"]["domain"]
    assert (x["title"], y["title"]) == ("true score", "predicted score")
    low, high = x["scale"]["domain"]
    assert (
        [p["true"] for p in line["data"]["values"]] == [p["predicted"] for p in line["data"]["values"]] == [low, high]
    )
    saved = json.loads((runs / "pairs" / "metrics.json").read_text())["validation"]["scatter"]
    assert (
        len(points["data"]["values"]) == len(saved["true"]) and low <= min(saved["true"]) <= max(saved["true"]) <= high
    )
    mistakes = out["predict.eval_mistakes"].constructor_args["value"]
    assert list(mistakes.columns) == ["error", "true", "predicted", "text"]
    errors = mistakes["error"].abs().tolist()
    assert errors == sorted(errors, reverse=True)  # the largest errors first


# -- Predict: one text, the slider, a batch ------------------------------------------------------------------------


def _predict(runs, run_id, text="I was charged twice and cannot log in", **extra):
    settings = Settings(runs_dir=runs)
    with use_lang("en"):
        view = predict_tab.model_view(settings, {"predict.model": run_id})
        values = {
            "predict.model": run_id,
            "predict.text": text,
            "predict.pair": "",
            "predict.task": view["predict.task"],
            "predict.threshold": view["predict.threshold"].constructor_args["value"],
            **extra,
        }
        return view, values, predict_tab.predict_one(settings, values)


def test_multi_label_predict_draws_every_probability_against_the_models_threshold(runs):
    view, values, out = _predict(runs, "tickets")
    tuned = json.loads((runs / "tickets" / "model" / "config.json").read_text())["decision_threshold"]
    slider = view["predict.threshold"].constructor_args
    assert view["predict.task"] == MULTI_LABEL and slider == {"value": tuned, "visible": True}
    assert view["predict.label"].constructor_args["visible"] is False
    last = out["predict.probs"]  # what the slider decides from
    probabilities = last["probabilities"]
    assert len(probabilities) == 6 and all(0 < p < 1 for p in probabilities.values())
    spec = _spec(out["predict.chart"])
    bars, threshold = spec["layer"]
    assert bars["mark"]["type"] == "bar" and bars["encoding"]["x"]["scale"]["domain"] == [0, 1]
    assert threshold["layer"][0]["mark"]["type"] == "rule"
    assert threshold["data"]["values"][0]["threshold"] == tuned
    chosen = [name for name, p in probabilities.items() if p >= tuned]
    sides = {row["label"]: row["side"] for row in bars["data"]["values"]}
    assert all((sides[name] == "at or above the threshold") == (name in chosen) for name in probabilities)
    assert f"(probability at or above {tuned:g})" in out["predict.result"]
    # moving the slider decides again from the same probabilities
    with use_lang("en"):
        none = predict_tab.redecide({"predict.probs": last, "predict.threshold": 0.99})
        every = predict_tab.redecide({"predict.probs": last, "predict.threshold": 0.01})
    assert "<span id='pred-set'>none of the labels</span>" in none["predict.result"]
    assert all(f"<code>{name}</code>" in every["predict.result"] for name in probabilities)
    assert "**4. threshold** 0.99" in none["predict.behind"] and "| yes |" not in none["predict.behind"]
    assert every["predict.behind"].count("| yes |") == 6  # the steps behind follow the slider too
    assert "**3. sigmoid**" in out["predict.behind"] and "| probability | predicted |" in out["predict.behind"]


def test_multi_label_batch_prediction_uses_the_sliders_threshold(runs, tmp_path):
    settings = Settings(runs_dir=runs)
    values = {
        "predict.model": "tickets",
        "predict.batch_file": None,
        "predict.batch_text_col": "",
        "predict.batch_pair_col": "",
        "predict.batch_lines": "I was charged twice\nThe app crashes on start",
        "predict.task": MULTI_LABEL,
        "predict.threshold": 0.01,
        "progress": lambda *args, **kwargs: None,
    }
    table = predict_tab.predict_batch(settings, values)["predict.batch_table"].constructor_args["value"]
    assert list(table["threshold"]) == [0.01, 0.01]
    assert all(len(cell.split("|")) == 6 for cell in table["predicted_labels"])  # every label reaches 0.01
    source = tmp_path / "tickets.csv"
    pd.DataFrame({"text": ["I was charged twice", "Where is my parcel?", "Add a dark mode"]}).to_csv(
        source, index=False
    )
    out = predict_tab.predict_batch(settings, {**values, "predict.batch_file": str(source), "predict.threshold": 0.99})
    written = pd.read_csv(out["predict.batch_download"]["value"], encoding="utf-8-sig")
    assert list(written["threshold"]) == [0.99] * 3 and written["predicted_labels"].isna().all()  # none reach 0.99


def test_regression_predict_shows_the_number_and_no_softmax(runs):
    view, _, out = _predict(runs, "pairs", text="A man is playing a guitar.", **{"predict.pair": "A man plays guitar."})
    assert view["predict.task"] == REGRESSION and view["predict.threshold"].constructor_args["visible"] is False
    assert view["predict.chart"].constructor_args["visible"] is False
    assert out["predict.result"].startswith("**Predicted score:** <span id='pred-value'>")
    assert "**no softmax**: the output is the number (score)" in out["predict.behind"]
    assert out["predict.label"].constructor_args["visible"] is False
