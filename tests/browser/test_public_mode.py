"""Public mode (a Space) against raw HTTP: what a script can reach without the page."""

from __future__ import annotations

import uuid

from tests.browser.helpers import app_config, fn_index_of, open_page, raw_call


def test_a_raw_call_of_start_without_the_page_is_refused(public_app_server):
    url, runs = public_app_server["url"], public_app_server["runs"]
    config = app_config(url)
    fn_index, trigger = fn_index_of(config, "start-btn")
    result = raw_call(url, config, fn_index, trigger, uuid.uuid4().hex)
    assert result["success"] is False
    assert "only available from the app's page" in str(result["output"].get("error"))  # plain text, not HTML
    assert not [p for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")]


def test_the_page_itself_works_in_public_mode(browser, public_app_server):
    context, page = open_page(browser, public_app_server["url"])
    page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('Labels (2)')")  # on load
    assert "only available from the app" not in page.content()
    context.close()
