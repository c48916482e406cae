"""The tutorials' printouts in the Model & Data tab, and a run exported in the three script styles."""

from __future__ import annotations

from tests.browser.helpers import set_dropdown


def code_text(page, elem_id: str) -> str:
    """What a gr.Code box shows (CodeMirror's lines)."""
    return page.locator(f"#{elem_id} .cm-content").inner_text()


def wait_file_name(page, elem_id: str, name: str) -> None:
    """A gr.File shows its file's name split in stem and extension; the whole name is the cell's aria-label."""
    page.wait_for_function(
        "([id, name]) => { const c = document.querySelector('#' + id + ' td.filename');"
        " return c && c.getAttribute('aria-label') === name; }",
        arg=[elem_id, name],
    )


def wait_code(page, elem_id: str, piece: str, timeout: float = 240_000) -> str:
    page.wait_for_function(
        "([id, piece]) => { const c = document.querySelector('#' + id + ' .cm-content');"
        " return c && c.innerText.includes(piece); }",
        arg=[elem_id, piece],
        timeout=timeout,
    )
    return code_text(page, elem_id)


def test_the_tutorials_printouts_show_in_the_data_tab(page):
    """Closed on open; after one click: DatasetDict with ClassLabel names, a raw row, a tokenized row, the
    collated batch's torch.Size shapes, trainer.predict's shapes; then a metric on typed values."""
    assert not page.locator("#data-printouts-btn").is_visible()  # the accordion starts closed
    page.get_by_text("The tutorials' printouts").click()
    page.locator("#data-printouts-btn").click()
    batch = wait_code(page, "data-print-batch", "torch.Size([8,")
    assert "{k: v.shape for k, v in batch.items()}" in batch and "'labels': torch.Size([8])" in batch
    datasets = code_text(page, "data-print-datasets")
    assert ">>> raw_datasets" in datasets and "DatasetDict({" in datasets and "num_rows:" in datasets
    assert "ClassLabel(names=['negative', 'positive'])" in datasets
    example = code_text(page, "data-print-example")
    assert example.startswith('>>> raw_datasets["train"][0]') and "'label':" in example
    tokenized = code_text(page, "data-print-tokenized")
    assert "{'input_ids': [101, " in tokenized and "'token_type_ids': [0, " in tokenized
    assert "'attention_mask': [1, " in tokenized
    predicted = wait_code(page, "data-print-predict", "label_ids.shape)\n(", timeout=240_000)  # loads the model
    assert predicted.splitlines()[-1] == "(32, 2) (32,)"  # the first 32 of the example's validation rows
    # side by side at this width: the raw row and the tokenized row share a line
    left = page.locator("#data-print-example").bounding_box()
    right = page.locator("#data-print-tokenized").bounding_box()
    assert abs(left["y"] - right["y"]) < 2 and right["x"] > left["x"] + left["width"] - 2
    page.locator("#data-metric-btn").click()
    metric = wait_code(page, "data-print-metric", "{'accuracy': 0.75}")
    assert metric.startswith('>>> metric = evaluate.load("accuracy")')
    page.locator("#data-metric-preds textarea, #data-metric-preds input").first.fill("2, 1, 0, 1")
    page.locator("#data-metric-refs textarea, #data-metric-refs input").first.fill("2, 1, 1, 1")
    set_dropdown(page, "data-metric-name", "f1")
    page.locator("#data-metric-btn").click()
    assert "average='macro'" in wait_code(page, "data-print-metric", "{'f1': ")


def test_the_inspect_tab_exports_a_run_in_each_style(page, app_server, finished_tiny_run):
    import shutil

    shutil.copytree(finished_tiny_run, app_server["runs"] / "styled-run")
    page.get_by_role("tab", name="Inspect", exact=True).click()
    set_dropdown(page, "model-source", "styled-run")
    page.get_by_text("This run as a Python script").click()
    assert page.locator("#model-script-style").get_by_role("radio", name="trainer").is_checked()
    page.locator("#model-export").click()
    assert "TrainingArguments" in wait_code(page, "model-script", "with Trainer")
    wait_file_name(page, "model-script-file", "train.py")
    page.locator("#model-script-style").get_by_text("loop", exact=True).click()  # the shown script follows
    loop = wait_code(page, "model-script", "as a plain PyTorch loop")
    assert "from torch.utils.data import DataLoader" in loop and "get_scheduler" in loop and "Trainer," not in loop
    wait_file_name(page, "model-script-file", "train_loop.py")
    page.locator("#model-script-style").get_by_text("accelerate", exact=True).click()
    assert "from accelerate import Accelerator" in wait_code(page, "model-script", "as an Accelerate loop")
    wait_file_name(page, "model-script-file", "train_accelerate.py")
