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


def test_switching_the_model_clears_the_previous_models_results_and_a_report_names_its_run():
    cleared = predict_tab.forget_results({})
    assert set(cleared) == set(predict_tab.RESULTS)
    assert all(update["value"] is None for update in cleared.values())
    assert cleared["predict.eval_overall"]["visible"] is False and cleared["predict.label"]["visible"] is True
