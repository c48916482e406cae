"""Hub tab: push a run with a model card, or download it as a zip. The token is never stored."""

from __future__ import annotations

from typing import Any, Optional

import gradio as gr

from finetune.runs import runs_with_model

from .common import Settings, engine_call


def runs_with_models(settings: Settings) -> list[str]:
    return [r.run_id for r in runs_with_model(settings.runs_dir)]


def preview_card(settings: Settings, run_id: str, repo_id: str) -> str:
    from finetune.hub import render_model_card

    if not run_id:
        raise gr.Error("Choose a run.")
    return render_model_card(settings.runs_dir / run_id, repo_id=repo_id or f"your-name/{run_id}")


def push(settings: Settings, run_id: str, repo_id: str, private: bool, message: str, typed_token: str,
         oauth: Optional[gr.OAuthToken] = None) -> str:
    from finetune.hub import push_run, resolve_token

    if not run_id:
        raise gr.Error("Choose a run to push.")
    token = resolve_token(typed_token, oauth_token=getattr(oauth, "token", None),
                          allow_server_token=not settings.public)
    result = push_run(settings.runs_dir / run_id, token=token, repo_id=repo_id or None, private=bool(private),
                      commit_message=message or "Upload fine-tuned text classifier")
    return f"Pushed to [{result['repo_id']}]({result['url']})"


def download(settings: Settings, run_id: str) -> str:
    from finetune.hub import zip_model

    if not run_id:
        raise gr.Error("Choose a run.")
    return str(zip_model(settings.runs_dir / run_id))


def build(settings: Settings) -> dict[str, Any]:
    gr.Markdown("Push a run's model and tokenizer with a model card. The token comes from *Sign in with Hugging "
                "Face* (on a Space), the field below, or `HF_TOKEN` / your saved login, and is never written "
                "anywhere. No account? Download the model folder as a zip.")
    if settings.on_space:
        gr.LoginButton()
    with gr.Row():
        run = gr.Dropdown(choices=runs_with_models(settings), label="run", elem_id="hub-run")
        refresh = gr.Button("Refresh", size="sm")
    with gr.Row():
        repo = gr.Textbox(label="repo id", placeholder="default: <user>/<checkpoint>-finetuned-<dataset>")
        private = gr.Checkbox(label="private", value=True)
        message = gr.Textbox(label="commit message", value="Upload fine-tuned text classifier")
    token = gr.Textbox(label="write token (optional)", type="password", elem_id="hub-token")
    with gr.Row():
        push_btn = gr.Button("Push to the Hub", variant="primary")
        card_btn = gr.Button("Preview model card")
        zip_btn = gr.Button("Download model as zip")
    result = gr.Markdown(elem_id="hub-result")
    archive = gr.File(label="model zip")
    card = gr.Markdown(elem_id="hub-card")
    refresh.click(lambda: gr.Dropdown(choices=runs_with_models(settings)), None, run)
    def on_push(run_id: str, repo_id: str, is_private: bool, commit: str, typed: str,
                oauth: Optional[gr.OAuthToken] = None) -> str:
        return push(settings, run_id, repo_id, is_private, commit, typed, oauth)

    push_btn.click(engine_call(on_push), [run, repo, private, message, token], result)
    card_btn.click(engine_call(lambda r, p: preview_card(settings, r, p)), [run, repo], card)
    zip_btn.click(engine_call(lambda r: download(settings, r)), run, archive)
    return {"run": run, "refresh": lambda: gr.Dropdown(choices=runs_with_models(settings))}
