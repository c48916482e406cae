"""Predict tab's batch prediction: a file streams to the CSV download, the table shows its first rows."""

import pandas as pd

from ui.settings import Settings
from ui.tabs import predict as predict_tab


def test_a_file_streams_to_the_download_and_the_table_shows_its_first_rows(
    tmp_path, tiny_checkpoint_with_head, monkeypatch
):
    monkeypatch.setattr("finetune.predict.batch.PREVIEW_ROWS", 5)
    source = tmp_path / "reviews.csv"
    pd.DataFrame({"review": [f"好 movie {i}" for i in range(12)]}).to_csv(source, index=False)
    calls = []
    values = {
        "predict.model": str(tiny_checkpoint_with_head),
        "predict.batch_file": str(source),
        "predict.batch_text_col": "",
        "predict.batch_pair_col": "",
        "predict.batch_lines": "",
        "progress": lambda fraction, desc: calls.append((fraction, desc)),
    }
    out = predict_tab.predict_batch(Settings(runs_dir=tmp_path / "runs"), values)
    path = out["predict.batch_download"]["value"]
    download = pd.read_csv(path, encoding="utf-8-sig")
    assert len(download) == 12 and download["review"].iloc[0] == "好 movie 0"
    assert open(path, "rb").read(3) == b"\xef\xbb\xbf"
    assert path.endswith(f"reviews-predictions-{tiny_checkpoint_with_head.name}.csv")  # what, with which model
    shown = [cell for row in out["predict.batch_table"].value["data"] for cell in row if isinstance(cell, float)]
    assert shown and all(cell == round(cell, 4) for cell in shown)  # probabilities shown to 4 places
    assert len(out["predict.batch_table"].value["data"]) == 5 and "first 5 of 12" in out["predict.batch_table"].label
    assert calls[-1][0] == 1.0 and "12 / 12 rows" in calls[-1][1] and "rows/s" in calls[-1][1]


def test_labels_to_check_shows_the_flagged_rows_and_downloads_all_of_them(tmp_path):
    from finetune.config.run_config import RunConfig
    from finetune.runs.run import Run
    from ui.i18n import use_lang

    run = Run.create(tmp_path / "runs", RunConfig(), "kfold")
    run.folds_dir.mkdir()
    names = ["neg", "pos"]
    # rows 5 and 6 are labelled pos but look like neg (see tests/engine/evaluation/test_label_issues.py)
    probs = [[0.9, 0.1], [0.8, 0.2], [0.85, 0.15], [0.2, 0.8], [0.1, 0.9], [0.9, 0.1], [0.95, 0.05]]
    labels = [0, 0, 0, 1, 1, 1, 1]
    run.write_predictions(
        "validation",
        [
            {
                "text": f"row {i}",
                "label": y,
                "label_name": names[y],
                "probabilities": dict(zip(names, p)),
                "fold": i % 3,
            }
            for i, (p, y) in enumerate(zip(probs, labels))
        ],
    )
    with use_lang("en"):
        out = predict_tab.labels_to_check(Settings(runs_dir=tmp_path / "runs"), {"predict.model": "kfold"})
    assert "**2** of 7 rows" in out["predict.issues_note"] and "out-of-fold predictions" in out["predict.issues_note"]
    table = out["predict.issues_table"]
    assert list(table["text"]) == ["row 6", "row 5"] and list(table["suggested_label"]) == ["neg", "neg"]
    download = pd.read_csv(out["predict.issues_download"], encoding="utf-8-sig")
    assert list(download["given_label"]) == ["pos", "pos"] and list(download["fold"]) == [0, 2]


def test_switching_the_model_clears_the_previous_models_results_and_a_report_names_its_run():
    cleared = predict_tab.forget_results({})
    assert set(cleared) == set(predict_tab.RESULTS)
    assert cleared.pop("predict.probs") is None  # the slider has nothing to decide again
    assert all(update["value"] is None for update in cleared.values())
    assert cleared["predict.eval_overall"]["visible"] is False and cleared["predict.behind"]["visible"] is True
    assert "visible" not in cleared["predict.label"]  # the model's task shows the label or the chart
