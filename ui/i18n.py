"""中文 / English: one catalogue for everything a person reads in the page.

Two kinds of text, one catalogue (``ui/locales/zh.json``, English text -> Simplified Chinese):

- **Static text** (tab names, labels, ``info`` help, buttons, Markdown written when the page is built)
  goes through gradio's own mechanism: :func:`t` returns a ``gr.I18n`` key, :func:`i18n` builds the
  ``gr.I18n`` passed to ``launch(i18n=...)``, and the browser shows the language of its locale.
- **Text a handler writes** (status lines, progress words, summaries, table headers, errors) is
  rendered on the server by :func:`say`, in the language of the page that asked. The wiring
  (:mod:`ui.studio`) sets that language around every handler from the page's language switch
  (``studio.lang``), so no handler ever chooses a language itself.

Config fields keep their English help once, with the field (``finetune/config.py`` metadata; the
CLI's ``--help`` shows it); the catalogue's ``fields`` section holds their Chinese label and help,
keyed by field name. Engine errors keep their structure (what was expected, what was found, what
to do): :func:`say_error` translates each part that the catalogue knows, and never the data in it.

The page's language: a choice made with the switch (remembered by the browser), else ``--lang``,
else the browser's language, else English. Numbers, dates and durations are formatted the same in
both languages (they are formatted before :func:`say` sees them).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Optional

import gradio as gr
from gradio.i18n import I18nData

from finetune.config.run_config import field_help

LANG_CHOICES = [("English", "en"), ("中文", "zh")]
CATALOGUE_FILE = Path(__file__).resolve().parent / "locales" / "zh.json"
# gradio's frontend asks for "zh-CN" (its own Chinese) and falls back to "zh": both get the catalogue.
FRONTEND_ZH = ("zh", "zh-CN", "zh-SG")
# gradio's own texts the page reads out (the screen-reader status after an event, toast titles): with a custom
# gr.I18n they showed as their raw keys ("common.complete"); the catalogue gives them in Chinese
GRADIO_TEXTS = {"common.complete": "Complete", "common.error": "Error", "common.warning": "Warning"}

_lang: ContextVar[str] = ContextVar("studio_lang", default="en")
_static: dict[str, str] = {}  # gr.I18n key -> English, for every static text the page was built with
_PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


MAX_MATCHED_CHARS = 2000  # longer engine text is only looked up whole (it is data, not a sentence of ours)


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Any]]:
    """The Chinese catalogue, English -> Chinese in three sections:

    - ``text``: what ui/ writes (static text, say() templates, table headers, status words);
    - ``engine``: text the engine writes (notes, log lines, the parts of errors), looked up whole or,
      with ``{name}`` placeholders, by its shape; single words never live here, so data that happens
      to be a word (a split called ``test``) is never translated;
    - ``fields``: config fields by name -> ``{"label", "help"}``.
    """
    data = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return {name: dict(data.get(name, {})) for name in ("text", "engine", "fields")}


def normalize_lang(value: Optional[str]) -> str:
    """``"zh-CN"``, ``"zh"``, ``"中文"`` -> ``"zh"``; anything else -> ``"en"``."""
    text = str(value or "").strip().lower()
    return "zh" if text.startswith("zh") or text == "中文" else "en"


def current_lang() -> str:
    return _lang.get()


@contextlib.contextmanager
def use_lang(lang: Optional[str]) -> Iterator[str]:
    """Render :func:`say` in ``lang`` inside the block (the wiring wraps every handler in it)."""
    token = _lang.set(normalize_lang(lang))
    try:
        yield _lang.get()
    finally:
        _lang.reset(token)


# --------------------------------------------------------------------------- static text (gr.I18n)


def _key(text: str) -> str:
    return "studio." + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def t(text: str) -> Any:
    """Static text for a component (label, info, placeholder, button, tab, Markdown): a ``gr.I18n`` key
    the browser shows in its language. The English text is the catalogue's key."""
    key = _key(text)
    _static[key] = text
    return I18nData(key)


def field_label(name: str) -> Any:
    """The label of a config field's widget (English: the field name with spaces)."""
    key = f"field.{name}.label"
    _static[key] = name.replace("_", " ")
    return I18nData(key)


def field_info(name: str) -> Any:
    """The help under a config field's widget (English: the field's own help, as the CLI shows it)."""
    key = f"field.{name}.help"
    _static[key] = field_help(name)
    return I18nData(key)


def _zh_static(key: str, english: str) -> Optional[str]:
    if key.startswith("field."):
        _, name, part = key.split(".")
        return catalogue()["fields"].get(name, {}).get(part)
    return catalogue()["text"].get(english)


def i18n() -> gr.I18n:
    """The ``gr.I18n`` for ``launch(i18n=...)``: every static text the page was built with, in both languages."""
    english = {**GRADIO_TEXTS, **_static}
    chinese = {key: _zh_static(key, text) or text for key, text in english.items()}
    return gr.I18n(en=english, **{code: chinese for code in FRONTEND_ZH})


# gradio 6 titles a toast with its type ("Error", "Warning"), whatever title gr.Error is given: on a Chinese
# page the title's text is hidden and the catalogue's word drawn in its place (the language is the page's
# data-studio-lang attribute, set with the frontend's locale)
TOAST_TITLES = {"error": "Error", "warning": "Warning"}


def toast_titles_css() -> str:
    """CSS that shows the toast titles of a Chinese page in Chinese (their count badge kept)."""
    zh = 'html[data-studio-lang="zh"]'
    rules = [f"{zh} .toast-title.{kind} {{ font-size: 0; }}" for kind in TOAST_TITLES]
    rules += [
        f"{zh} .toast-title.{kind}::before {{ content: {json.dumps(catalogue()['text'][word], ensure_ascii=False)}; "
        "font-size: var(--text-lg); }"
        for kind, word in TOAST_TITLES.items()
    ]
    rules.append(f"{zh} .toast-title .toast-count {{ font-size: var(--text-md); }}")
    return "\n".join(rules)


def static_texts() -> dict[str, str]:
    """Every static text registered so far (key -> English); the catalogue test reads it."""
    return dict(_static)


# --------------------------------------------------------------------------- text written by handlers


def say(text: str, /, **params: Any) -> str:
    """``text`` (a catalogue key, with ``{name}`` placeholders) in the page's language, filled with ``params``.
    Without params: a word or sentence of ours, else engine text (:func:`translate`)."""
    if current_lang() != "zh":
        return text.format(**params) if params else text
    known = catalogue()["text"].get(text)
    if params:
        return (known or text).format(**params)
    return known if known is not None else translate(text)


@functools.lru_cache(maxsize=1)
def _shapes() -> list[tuple[list[str], list[str], str]]:
    """Engine entries with placeholders as (literal pieces, placeholder names, Chinese), the most specific first
    (longest literal text), so "fold {fold}/{folds} finished: {metrics}" wins over a shorter shape."""
    out = []
    for english, chinese in catalogue()["engine"].items():
        names = [m.strip("{}") for m in _PLACEHOLDER.findall(english)]
        if names:
            out.append((_PLACEHOLDER.split(english), names, chinese))
    return sorted(out, key=lambda shape: -sum(len(piece) for piece in shape[0]))


def _fill(pieces: list[str], text: str) -> Optional[list[str]]:
    """The values that make ``text`` from the literal ``pieces`` (each value non-empty, the leftmost match), or
    None. Plain string search, one pass: no regular expression can be made to backtrack by a visitor's text."""
    first, last = pieces[0], pieces[-1]
    if len(text) <= len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return None
    body, values, at = text[len(first) : len(text) - len(last)], [], 0
    for piece in pieces[1:-1]:
        found = body.find(piece, at + 1)
        if found < 0:
            return None
        values.append(body[at:found])
        at = found + len(piece)
    values.append(body[at:])
    return values if all(values) else None


def translate(text: str) -> str:
    """Engine text (a note, a log line, part of an error) in the page's language: an exact ``engine`` entry,
    else the most specific entry whose shape it has (its values kept, a phrase among them translated too);
    text the catalogue does not know stays as it is."""
    if getattr(text, "parts", None):
        return say_error(text)
    if current_lang() != "zh" or not text:
        return text
    known = _known(text)
    return known if known is not None else text


def _known(text: str) -> Optional[str]:
    """The Chinese of engine text, or None when the catalogue does not know it."""
    exact = catalogue()["engine"].get(text)
    if exact is not None or len(text) > MAX_MATCHED_CHARS:
        return exact
    for pieces, names, chinese in _shapes():
        values = _fill(pieces, text)
        if values is not None:
            # a phrase inside (e.g. "stratified by label") is translated too; a single word is data
            return chinese.format(
                **{name: translate(value) if " " in value else value for name, value in zip(names, values)}
            )
    return None


def _part(text: str) -> Optional[str]:
    """The Chinese of an error's what/expected/todo: engine text, a word of ours, or a config field (its label
    with its name, which is what the CLI and the config file call it)."""
    field = catalogue()["fields"].get(text)
    if field:
        return f"{field['label']}（{text}）"
    known = _known(text)
    if known is None:
        known = catalogue()["text"].get(text)
    return known if known is not None else _sentences(text)


SENTENCE_BREAK = re.compile(r"(?<=\.) (?=[A-Z])")  # ". " before a capital: "e.g. bert" and "x.json" stay whole


def _sentences(text: str) -> Optional[str]:
    """The Chinese of a part made of several engine sentences (an error's advice joins the ones that apply), when
    the catalogue knows every one of them; None otherwise."""
    pieces = SENTENCE_BREAK.split(text)
    if len(pieces) < 2:
        return None
    chinese = [_known(piece) for piece in pieces]
    return "".join(chinese) if all(c is not None for c in chinese) else None  # type: ignore[arg-type]


def say_error(message: str) -> str:
    """An engine error for the page. A structured error (``finetune.errors.expected_found``) keeps its parts:
    what, expected and what to do are translated, what was found is data and stays as it is (unless it is a
    sentence of the engine's). When the catalogue lacks a part, the whole error stays English rather than
    half-translated."""
    parts = getattr(message, "parts", None)
    if current_lang() != "zh" or not parts:
        return translate(str(message)) if not parts else str(message)
    what, expected, found, todo = parts
    known = [_part(part) if part else "" for part in (what, expected, todo)]
    if any(k is None for k in known):
        return str(message)
    found = catalogue()["engine"].get(found, found)
    text = say("{what}: expected {expected}, found {found}.", what=known[0], expected=known[1], found=found)
    return f"{text}{known[2]}" if todo else text  # Chinese sentences follow each other without a space


# --------------------------------------------------------------------------- the language switch (browser side)

# The frontend's locale lives in gradio's core module; importing it again by its URL gives the same module.
SET_FRONTEND_LOCALE_JS = """
async (lang) => {
  try {
    const url = performance.getEntriesByType('resource').map(e => e.name)
        .find(n => /\\/assets\\/core-[^/]*\\.js$/.test(n));
    document.documentElement.dataset.studioLang = lang;
    if (url) { const core = await import(url); core.changeLocale(lang === 'zh' ? 'zh-CN' : 'en'); }
  } catch (e) { console.warn('studio: the page language could not be switched', e); }
  return lang;
}
"""
# the switch itself: the visitor's choice is remembered by this browser (a first visit's guess is not)
CHOOSE_LANG_JS = (
    "async (lang) => { try { localStorage.setItem('finetune-studio-lang', lang); } catch (e) {}\n"
    f"  return await ({SET_FRONTEND_LOCALE_JS.strip()})(lang); }}"
)


def initial_lang_js(default: Optional[str]) -> str:
    """The page's first language: the switch's remembered choice, else ``--lang``, else the browser's, else English."""
    fallback = json.dumps(normalize_lang(default) if default else "")
    return (
        "async () => { let lang = null; try { lang = localStorage.getItem('finetune-studio-lang'); } catch (e) {}\n"
        f"  if (!lang) lang = {fallback};\n"
        "  if (!lang) lang = (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';\n"
        f"  return await ({SET_FRONTEND_LOCALE_JS.strip()})(lang); }}"
    )
