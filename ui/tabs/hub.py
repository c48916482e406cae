"""Hub tab: push a run with a model card, or download it as a zip. The token is never stored.

The run list follows the runs folder like the Predict tab's: the newest run with a model is
selected unless the person picked one.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from finetune.errors import RunError
from finetune.runs.run import Run

from ..access import open_run, visible_runs_with_model, visitor_of
from ..i18n import say, t, translate
from ..settings import Settings
from ..studio import Studio, Values


def run_choices(settings: Settings, visitor: Optional[str]) -> list[str]:
    return [r.run_id for r in visible_runs_with_model(settings, visitor)]


def default_run(settings: Settings, visitor: Optional[str]) -> Optional[str]:
    """The run to preselect: the newest that learned something (a run that learned nothing is no model to
    share), else the newest with a model."""
    runs = visible_runs_with_model(settings, visitor)
    useful = [r for r in runs if not r.warnings]
    return (useful or runs)[0].run_id if runs else None


def run_list(settings: Settings, current: Optional[str], picked: bool, visitor: Optional[str]) -> Any:
    choices = run_choices(settings, visitor)
    keep = picked and current in choices
    return gr.Dropdown(choices=choices, value=current if keep else default_run(settings, visitor))


def run_warning(settings: Settings, v: Values) -> Values:
    """A warning under the picked run when it learned nothing useful (its metrics say so)."""
    run = next((r for r in visible_runs_with_model(settings, visitor_of(v)) if r.run_id == v["hub.run"]), None)
    if run is None or not run.warnings:
        return {"hub.warning": ""}
    return {
        "hub.warning": "⚠️ **"
        + say("{run} learned nothing useful:", run=html.escape(run.run_id))
        + "** "
        + html.escape(translate(run.warnings[0]))
    }


def chosen_run(settings: Settings, v: Values) -> Run:
    if not v["hub.run"]:
        raise RunError(say("Choose a run with a saved model (train one first on the Train tab)."))
    return open_run(settings, v["hub.run"], visitor_of(v))


def preview_card(settings: Settings, v: Values) -> Values:
    """The README.md (model card) that a push would upload, as text."""
    from finetune.hub.push import render_model_card

    run = chosen_run(settings, v)
    card = render_model_card(run.path, repo_id=v["hub.repo"] or f"your-name/{run.id}")
    return {"hub.card": gr.Code(value=card, visible=True)}


def push(settings: Settings, v: Values) -> Values:
    """Push the run's model, tokenizer and card; public mode never uses the server's own token."""
    from finetune.hub.push import push_run, resolve_token

    run = chosen_run(settings, v)
    token = resolve_token(
        v["hub.token"], oauth_token=getattr(v.get("oauth"), "token", None), allow_server_token=not settings.public
    )
    message = v["hub.message"] or "Upload fine-tuned text classifier"
    result = push_run(
        run.path, token=token, repo_id=v["hub.repo"] or None, private=bool(v["hub.private"]), commit_message=message
    )
    return {"hub.result": say("Pushed to {link}", link=f"[{result['repo_id']}]({result['url']})")}


def download(settings: Settings, v: Values) -> Values:
    from finetune.hub.push import zip_model

    # zipped straight into a temporary folder: the runs folder is never served, and no archive stays in the run
    archive = zip_model(chosen_run(settings, v).path, Path(tempfile.mkdtemp(prefix="model-zip-")))
    return {"hub.zip": gr.File(value=str(archive), visible=True)}


def build(studio: Studio) -> None:
    add, settings = studio.add, studio.settings
    gr.Markdown(
        t(
            "Push a run's model and tokenizer with a model card. The token comes from *Sign in with Hugging "
            "Face* (on a Space), the field below, or `HF_TOKEN` / your saved login, and is never written "
            "anywhere. No account? Download the model folder as a zip."
        )
    )
    if settings.on_space:
        gr.LoginButton()
    choices = run_choices(settings, None)
    with gr.Row():
        add(
            "hub.run",
            gr.Dropdown(
                choices=choices,
                value=default_run(settings, None),
                label=t("run"),
                elem_id="hub-run",
                info=t(
                    "Finished or stopped runs with a saved model; the newest "
                    "is selected. None yet? Train one on the Train tab first."
                ),
            ),
        )
        add("hub.picked", gr.State(False))
    add("hub.warning", gr.Markdown(elem_id="hub-warning"))
    with gr.Row():
        add(
            "hub.repo",
            gr.Textbox(label=t("repo id"), placeholder=t("default: <user>/<checkpoint>-finetuned-<dataset>")),
        )
        add("hub.private", gr.Checkbox(label=t("private"), value=True))
        add("hub.message", gr.Textbox(label=t("commit message"), value="Upload fine-tuned text classifier"))
    add("hub.token", gr.Textbox(label=t("write token (optional)"), type="password", elem_id="hub-token"))
    with gr.Row():
        add("hub.push", gr.Button(t("Push to the Hub"), variant="primary", elem_id="hub-push"))
        add("hub.card_go", gr.Button(t("Preview model card"), elem_id="hub-card-btn"))
        add("hub.zip_go", gr.Button(t("Download model as zip")))
    add("hub.result", gr.Markdown(elem_id="hub-result"))
    add("hub.zip", gr.File(label=t("model zip"), visible=False, elem_id="hub-zip"))
    add(
        "hub.card",
        gr.Code(
            language="markdown",
            label=t("model card (README.md, as it will be pushed)"),
            elem_id="hub-card",
            max_lines=40,
            visible=False,
        ),
    )
    wire(studio)


def wire(studio: Studio) -> None:
    settings = studio.settings
    studio.listen(studio["hub.run"].input, lambda v: {"hub.picked": True}, [], ["hub.picked"])
    studio.listen(studio["hub.run"].change, lambda v: run_warning(settings, v), ["hub.run"], ["hub.warning"])
    card_inputs = ["hub.run", "hub.repo"]
    studio.listen(
        studio["hub.push"].click,
        lambda v: push(settings, v),
        ["hub.run", "hub.repo", "hub.private", "hub.message", "hub.token"],
        ["hub.result"],
        oauth=True,
    )
    studio.listen(studio["hub.card_go"].click, lambda v: preview_card(settings, v), card_inputs, ["hub.card"])
    studio.listen(studio["hub.zip_go"].click, lambda v: download(settings, v), ["hub.run"], ["hub.zip"])


def refresh_runs(settings: Settings, v: Values) -> Values:
    """After a run started or ended: the run list, keeping the person's own pick."""
    return {"hub.run": run_list(settings, v["hub.run"], bool(v["hub.picked"]), visitor_of(v))}
