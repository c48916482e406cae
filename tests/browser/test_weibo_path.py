"""The Weibo tutorial's path in one page, without a reload: a Chinese-named Excel file with Sentence/Label columns
and labels 0-3 -> 5-fold cross-validation with a final model -> Predict uses that model, with 4 probabilities."""

from __future__ import annotations

from pathlib import Path

from finetune.runs.run import Run
from tests.browser.helpers import latest_run, log_text, set_dropdown, set_number, wait_status

ROWS_PER_CLASS = 10
WORDS = ["喜悦 开心", "愤怒 生气", "厌恶 讨厌", "低落 难过"]


def weibo_file(folder):
    """总8665.xlsx as the tutorial has it: ``Sentence`` and ``Label`` columns, numeric labels 0-3."""
    import openpyxl

    path = folder / "总8665.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Sentence", "Label"])
    for i in range(ROWS_PER_CLASS):
        for label, words in enumerate(WORDS):
            sheet.append([f"{words} 第{i}条微博", label])
    book.save(path)
    return path


def test_the_weibo_path_from_a_chinese_named_excel_file_to_a_prediction(page, app_server, tiny_checkpoint, tmp_path):
    data = weibo_file(tmp_path)

    # Model & Data: the tiny checkpoint, the uploaded file; its Sentence/Label columns are found by themselves
    page.get_by_role("tab", name="Model & Data").click()
    set_dropdown(page, "cfg-checkpoint", str(tiny_checkpoint))
    page.locator("#data-upload input[type=file]").set_input_files(str(data))
    # the dataset box shows the upload by its name, not gradio's temporary folder; the run reads the file
    page.wait_for_function(
        "() => document.querySelector('#cfg-dataset textarea, #cfg-dataset input').value === '总8665.xlsx'"
    )
    page.locator("#preview-btn").click()
    page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('text = Sentence')")
    summary = page.locator("#data-summary").inner_text()
    assert "text = Sentence" in summary and "label = Label" in summary and "Labels (4)" in summary

    # Train: 5 folds, the final model on all the data ticked by default
    page.get_by_role("tab", name="Train").click()
    assert page.locator("#cfg-cv_final_model input").is_checked()
    set_number(page, "cfg-cv_folds", 5)
    set_number(page, "cfg-num_train_epochs", 1)
    set_number(page, "cfg-per_device_train_batch_size", 8)
    set_number(page, "cfg-max_length", 32)
    page.locator("#start-btn").click()
    page.wait_for_function("() => document.querySelector('#run-status') !== null")
    wait_status(page, "finished", timeout=240)
    run = Run(latest_run(app_server).path)
    assert run.id.endswith("-总8665") and run.has_model
    assert Path(run.config().data.dataset).is_file()  # the config names the uploaded file's path
    page.wait_for_function("() => document.querySelector('#run-summary').innerText.includes('final model')")
    summary = page.locator("#run-summary").inner_text()
    rows = 4 * ROWS_PER_CLASS
    assert "5 of 5 folds" in summary and f"A final model was trained on all {rows} rows" in summary
    log = log_text(page)
    assert "fold 5/5" in log and f"final model: training on all {rows} rows" in log

    # Predict: the k-fold run is picked, named as a final model, and gives a probability to each of the 4 labels
    page.get_by_role("tab", name="Predict").click()
    page.wait_for_function(f"() => document.querySelector('#pred-model input').value === '{run.id}'")
    page.wait_for_function("() => document.querySelector('#pred-warning').innerText.includes('final model')")
    note = page.locator("#pred-warning").inner_text()
    assert "5-fold cross-validation run" in note and f"all {rows} rows" in note
    page.locator("#pred-text textarea").fill("今天很开心")
    page.locator("#pred-btn").click()
    page.wait_for_function(
        "() => ['0', '1', '2', '3'].every(name => [...document.querySelectorAll('#pred-label *')]"
        ".some(el => el.children.length === 0 && el.textContent.trim() === name))",
        timeout=120_000,
    )
    shares = page.locator("#pred-label").inner_text()
    assert shares.count("%") == 4, shares
