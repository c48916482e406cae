"""The tutorials in the browser: a recipe in one click, 2-fold cross-validation from the Train tab, the Model view."""

from __future__ import annotations

from tests.browser.helpers import log_text, set_dropdown, set_number, wait_status


def test_a_recipe_fills_the_form_and_says_what_it_turns_off(page):
    page.get_by_text("Tutorial recipes").click()
    set_dropdown(page, "recipe-pick", "MRPC sentence pairs with bert-base-uncased")
    page.locator("#recipe-apply").click()
    page.wait_for_function("() => document.querySelector('#recipe-card').innerText.includes('offline twin')")
    card = page.locator("#recipe-card").inner_text()
    assert "Faster studio defaults this recipe turns off" in card and "group_by_length" in card
    page.wait_for_function(
        "() => document.querySelector('#cfg-dataset textarea, #cfg-dataset input').value.endsWith('mrpc_pairs_en')"
    )
    page.get_by_role("tab", name="Train").click()
    assert page.locator("#cfg-per_device_train_batch_size input").first.input_value() == "8"
    page.get_by_role("tab", name="Model & Data").click()
    page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('sentence2')")


def test_two_fold_cross_validation_from_the_train_tab(page, tiny_checkpoint):
    page.get_by_role("tab", name="Model & Data").click()
    set_dropdown(page, "cfg-checkpoint", str(tiny_checkpoint))
    page.get_by_role("tab", name="Train").click()
    set_number(page, "cfg-cv_folds", 2)
    set_number(page, "cfg-num_train_epochs", 1)
    set_number(page, "cfg-per_device_train_batch_size", 8)
    page.locator("#start-btn").click()
    # the progress line names the fold it is on (a tiny fold can end between two polls, so either one)
    page.wait_for_function(
        "() => document.querySelector('#run-progress') && "
        "/fold [12]\\/2/.test(document.querySelector('#run-progress').innerText)",
        timeout=120_000,
    )
    wait_status(page, "finished", timeout=300)
    page.wait_for_function("() => document.querySelector('#run-summary').innerText.includes('cross-validation')")
    summary = page.locator("#run-summary").inner_text()
    assert "2 of 2 folds" in summary and "±" in summary and "accuracy" in summary
    log = log_text(page)
    assert "fold 1/2" in log and "fold 2/2" in log
    assert "final model" in page.locator("#run-progress").inner_text()  # after the folds, the final model
    page.get_by_role("tab", name="Predict").click()  # its out-of-fold predictions feed the evaluation report
    page.wait_for_function("() => document.querySelector('#pred-model input').value.includes('tiny-bert')")
    page.get_by_text("Evaluation report").click()
    page.locator("#eval-btn").click()
    page.wait_for_selector("#confusion-matrix")


def test_the_model_view_opens_the_bundled_checkpoint(page):
    page.get_by_role("tab", name="Inspect", exact=True).click()
    page.locator("#model-load").click()
    page.wait_for_function(
        "() => document.querySelector('#model-card').innerText.includes('freshly initialised')", timeout=120_000
    )
    card = page.locator("#model-card").inner_text()
    assert "384" in card and "30522" in card  # MiniLM-L6: hidden size, vocabulary
    assert "total" in page.locator("#model-parts").inner_text()
    page.wait_for_selector("#model-norms img", timeout=120_000)
    page.wait_for_selector("#model-attention img")
    box = page.locator("#model-attention img").bounding_box()
    assert box["width"] > 100 and box["height"] > 100  # a heatmap was drawn, not an empty frame
    page.locator("#model-tree-box button").first.click()
    page.wait_for_function(
        "() => (document.querySelector('#model-tree') || {innerText: ''}).innerText"
        ".includes('BertForSequenceClassification')"
    )
    assert "last_hidden_state" in page.locator("#model-shapes").inner_text()


def test_the_model_view_opens_a_finished_run(page, app_server, finished_tiny_run):
    import shutil

    shutil.copytree(finished_tiny_run, app_server["runs"] / "finished-run")
    page.get_by_role("tab", name="Inspect", exact=True).click()
    set_dropdown(page, "model-source", "finished-run")
    page.locator("#model-load").click()
    page.wait_for_function(
        "() => document.querySelector('#model-card').innerText.includes('finished-run')", timeout=120_000
    )
    assert "trained" in page.locator("#model-card").inner_text()
    page.wait_for_selector("#model-attention img", timeout=120_000)
    page.locator("#model-tree-box button").first.click()
    page.wait_for_function(
        "() => (document.querySelector('#model-tree') || {innerText: ''}).innerText"
        ".includes('BertForSequenceClassification')"
    )
