"""The whole page: the tabs, and every piece of wiring that crosses tabs (here and nowhere else).

Each tab module builds its components into the :class:`~ui.studio.Studio` by name and wires its own
listeners. What one tab does to another is listed in :func:`wire_across_tabs`:

- a tutorial recipe (data tab) fills every config widget, the Train tab's too, then previews the data; its
  "Back to the defaults", or an uploaded file after it, puts them back to the defaults (the data kept);
- the Runs tab's Clone fills the Train form, and its hyperparameter search starts from that form;
- the task (chosen, or detected by the data preview) sets the Train form's metrics and multi-label threshold and
  the search objective;
- the tokenizer follows the training checkpoint, and its dataset-length tool reads the data tab;
- the page's live stream (``studio.runs_version``) refreshes the run history, the Predict model
  list, the Model tab's list and the Hub run list when any run starts or ends;
- on page load: the browser's visitor id (ui.access), the data preview, the tokenizer view of its
  prefilled text, the Predict examples and task view of the selected model, and the live view of the active (or
  latest) run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import gradio as gr

from . import api
from .access import VISITOR, new_visitor_id
from .config_form import CONFIG_WIDGETS
from .i18n import CHOOSE_LANG_JS, LANG_CHOICES, i18n, initial_lang_js, normalize_lang, t, toast_titles_css
from .limits import SESSIONS_KEPT, UPLOAD_CLEANUP
from .settings import Settings
from .studio import LANG, PAGE, Studio
from .tabs import data as data_tab
from .tabs import hub as hub_tab
from .tabs import inspect_model as model_tab
from .tabs import predict as predict_tab
from .tabs import runs as runs_tab
from .tabs import tokenizer as tokenizer_tab
from .tabs import train as train_tab

INTRO = (
    "# Fine-tuning studio\nFine-tune BERT-style models for text classification with the Hugging Face "
    "`Trainer`: pick a checkpoint and data, train with live curves, inspect the tokenizer, predict, and push "
    "to the Hub."
)
TITLE = "Fine-tuning studio · 微调工作室"  # the browser tab's title: one text for both languages
PUBLIC_NOTE = "**Public mode**: local paths are limited to uploads, examples and runs."
TABS = (
    ("Model & Data", "data", data_tab),
    ("Train", "train", train_tab),
    ("Runs", "runs", runs_tab),
    ("Tokenizer", "tokenizer", tokenizer_tab),
    ("Inspect", "model", model_tab),
    ("Predict", "predict", predict_tab),
    ("Hub", "hub", hub_tab),
)


def build_studio(settings: Settings) -> tuple[gr.Blocks, Studio]:
    """The Blocks of the app and its components by name."""
    studio = Studio(settings)
    # public mode: uploads (and other temporary files) older than a few hours are deleted, so they cannot pile up
    with gr.Blocks(title=TITLE, delete_cache=UPLOAD_CLEANUP if settings.public else None) as demo:
        with gr.Row(equal_height=True):
            gr.Markdown(t(INTRO), elem_id="studio-intro")
            studio.add(
                LANG,
                gr.Radio(
                    LANG_CHOICES,
                    value=normalize_lang(settings.lang),
                    show_label=False,
                    container=False,
                    elem_id="studio-lang",
                    scale=0,
                    min_width=240,
                ),
            )
        if settings.public:
            gr.Markdown(t(PUBLIC_NOTE))
        studio.add(VISITOR, gr.BrowserState(None, storage_key="finetune-studio-visitor"))
        if settings.public:
            studio.add(PAGE, gr.State(False))  # set by the page's load: ui.studio.Studio.check_page
        with gr.Tabs():
            for title, tab_id, module in TABS:
                with gr.Tab(t(title), id=tab_id, elem_id=f"tab-{tab_id}"):
                    module.build(studio)
        missing = [name for name in CONFIG_WIDGETS if name not in studio]
        if missing:
            raise RuntimeError(f"config fields without a widget: {missing}")
        wire_across_tabs(studio, demo)
        api.register(settings)
    return demo, studio


def wire_across_tabs(studio: Studio, demo: gr.Blocks) -> None:
    settings = studio.settings
    studio.listen(
        studio["checkpoint"].change, lambda v: {"tok.checkpoint": v["checkpoint"]}, ["checkpoint"], ["tok.checkpoint"]
    )
    studio.listen(
        studio["tok.lengths_go"].click,
        lambda v: tokenizer_tab.dataset_lengths(settings, v),
        ["tok.checkpoint", *data_tab.PREVIEW_INPUTS, "max_length"],
        ["tok.hist", "tok.stats", "tok.suggested"],
    )
    applied = studio.listen(
        studio["data.recipe_apply"].click,
        data_tab.recipe_values,
        ["data.recipe", "data.recipe_offline"],
        [*CONFIG_WIDGETS, "data.recipe_card"],
    )
    studio.listen(
        applied.success,
        lambda v: data_tab.preview(settings, v),
        data_tab.PREVIEW_INPUTS,
        data_tab.PREVIEW_OUTPUTS,
        progress=True,
    )
    shown = studio.listen(  # the printouts read the Train tab's max_length and padding
        studio["data.print_btn"].click,
        lambda v: data_tab.printouts(settings, v),
        data_tab.PRINTOUT_INPUTS,
        data_tab.PRINTOUT_OUTPUTS,
    )
    studio.listen(
        shown.success,
        lambda v: data_tab.predict_printout(settings, v),
        data_tab.PRINTOUT_INPUTS,
        ["data.print_predict"],
    )
    studio.listen(studio["data.recipe_reset"].click, data_tab.default_values, [], [*CONFIG_WIDGETS, "data.recipe_card"])
    studio.listen(
        studio["data.upload"].upload,
        data_tab.recipe_off_on_upload,
        ["data.upload", "data.recipe_card"],
        [*CONFIG_WIDGETS, "data.recipe_card", "data.recipe_note"],
    )
    studio.listen(applied.success, lambda v: {"data.recipe_note": ""}, [], ["data.recipe_note"])
    studio.listen(
        studio["tok.apply"].click, lambda v: {"max_length": v["tok.suggested"]}, ["tok.suggested"], ["max_length"]
    )
    runs_changed = studio["studio.runs_version"].change
    studio.listen(
        runs_changed,
        lambda v: predict_tab.refresh_models(settings, v),
        ["predict.model", "predict.picked"],
        ["predict.model"],
    )
    studio.listen(runs_changed, lambda v: hub_tab.refresh_runs(settings, v), ["hub.run", "hub.picked"], ["hub.run"])
    studio.listen(runs_changed, lambda v: model_tab.refresh_sources(settings, v), [], ["model.source"])
    wire_runs_to_train_form(studio)
    wire_task(studio)
    on_load(studio, demo)


def wire_task(studio: Studio) -> None:
    """The task (chosen on the Model & Data tab, or detected by its preview) shapes the Train form (which metric
    judges the run, the multi-label threshold) and the Runs tab's search objective."""
    inputs = ["task", "data.task", "metric_for_best_model", "runs.search_metric"]
    studio.listen(
        [studio["task"].change, studio["data.task"].change],
        lambda v: {**train_tab.follow_task(v), **runs_tab.follow_task(v)},
        inputs,
        [*train_tab.TASK_OUTPUTS, "runs.search_metric"],
    )


def wire_runs_to_train_form(studio: Studio) -> None:
    """The Runs tab and the Train form: Clone fills the form; a search starts from the form plus its space."""
    settings = studio.settings
    studio.listen(studio["runs.clone_values"].change, runs_tab.apply_clone, ["runs.clone_values"], CONFIG_WIDGETS)
    started = studio.listen(
        studio["runs.search_start"].click,
        lambda v: runs_tab.start_search(settings, v),
        [*CONFIG_WIDGETS, *runs_tab.SEARCH_FIELDS],
        list(runs_tab.SEARCH_STARTED),
    )

    async def follow(v: Any) -> AsyncIterator[Any]:
        async for parts in runs_tab.follow_search(settings, v):
            yield parts

    studio.stream(
        started.success,
        follow,
        ["runs.search_state"],
        list(runs_tab.SEARCH_VIEW),
        show_progress="hidden",
        concurrency_limit=None,
    )


def on_load(studio: Studio, demo: gr.Blocks) -> None:
    """What a page shows as soon as it opens: every tab in a useful state, in the page's language.

    The language comes first (the switch's remembered choice, ``--lang``, or the browser's); every
    text the handlers write follows it. Switching language later writes those texts again, on the
    run the page shows (the switch never changes the page's run).
    """
    settings = studio.settings
    lang = studio[LANG]
    loaded = demo.load(None, None, [lang], js=initial_lang_js(settings.lang))
    chosen = lang.input(None, [lang], [lang], js=CHOOSE_LANG_JS, trigger_mode="always_last")
    marks = [PAGE] if PAGE in studio else []
    known = studio.listen(
        loaded.then,
        lambda v: {VISITOR: new_visitor_id(v[VISITOR]), **{name: True for name in marks}},
        [VISITOR],
        [VISITOR, *marks],
        entry=True,
    )
    for ready in (known.then, chosen.then):  # after the visitor id and the page's mark
        write_in_language(studio, ready)
    studio.listen(
        known.then, lambda v: runs_tab.refresh(settings, v), ["runs.pick", "runs.target"], runs_tab.LIST_OUTPUTS
    )
    studio.listen(
        known.then, lambda v: predict_tab.model_view(settings, v), ["predict.model"], list(predict_tab.TASK_VIEW)
    )
    attached = studio.listen(known.then, lambda v: train_tab.attach(settings, v), [], ["train.run_state"])
    train_tab.stream_live_view(studio, attached)
    # a switch: the lists and the live view of the same run, written again in the new language
    studio.listen(
        chosen.then, lambda v: runs_tab.refresh(settings, v), ["runs.pick", "runs.target"], runs_tab.LIST_OUTPUTS
    )
    studio.listen(chosen.then, lambda v: train_tab.history(settings, v), [], ["train.history", "train.pick"])
    train_tab.stream_live_view(studio, chosen)


def write_in_language(studio: Studio, ready: Any) -> None:
    """Every text a tab shows on open that a handler writes, (re)written once ``ready`` fires."""
    settings = studio.settings
    studio.listen(
        ready,
        lambda v: data_tab.preview_display(settings, v),
        data_tab.PREVIEW_INPUTS,
        data_tab.PREVIEW_DISPLAY,
    )
    studio.listen(
        ready, lambda v: tokenizer_tab.explore(settings, v), tokenizer_tab.EXPLORE_INPUTS, tokenizer_tab.EXPLORE_OUTPUTS
    )
    studio.listen(
        ready, lambda v: predict_tab.examples(settings, v), predict_tab.EXAMPLE_INPUTS, predict_tab.EXAMPLE_OUTPUTS
    )
    studio.listen(ready, lambda v: hub_tab.run_warning(settings, v), ["hub.run"], ["hub.warning"])
    studio.listen(
        ready,
        lambda v: {**data_tab.choices_in_language(v), **runs_tab.choices_in_language(v)},
        [],
        [*data_tab.TRANSLATED_CHOICES, "runs.axis"],
    )


def launch_options(settings: Settings) -> dict[str, Any]:
    """What ``launch()`` needs from the settings: theme, the page's two languages (call it after the page is
    built: ``i18n()`` holds every static text the build registered), upload cap, and the files it must never serve.

    Nothing under the runs folder is served (process logs, checkpoints, weights): a file a person
    downloads (a model zip, predictions) is copied to a temporary folder first, and only that copy
    is served, to the page that asked for it.
    """
    return {
        "theme": gr.themes.Soft(),
        "css": toast_titles_css(),
        "i18n": i18n(),
        "max_file_size": f"{settings.max_upload_mb}mb" if settings.public else None,
        "blocked_paths": [str(settings.runs_dir)],
        "state_session_capacity": SESSIONS_KEPT,  # bounded memory per session (API calls are sessions too)
        "footer_links": ["api"],
        "ssr_mode": False,
    }
