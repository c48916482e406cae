"""中文 / English: one catalogue for everything a person reads in the page.

Two kinds of text, one catalogue (``ui/locales/zh.json``, English text -> Simplified Chinese):

- **Static text** (tab names, labels, ``info`` help, buttons, Markdown written when the page is built)
  goes through gradio's own mechanism: :func:`t` returns a ``gr.I18n`` key, :func:`i18n` builds the
  ``gr.I18n`` passed to ``launch(i18n=...)``, and the browser shows the language of its locale.
- **Text a handler writes** (status lines, progress words, summaries, table headers, errors) is
  rendered on the server by :func:`say`, in the language of the page that asked. The wiring
  (:mod:`ui.wiring`) sets that language around every handler from the page's language switch
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
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator, Optional

import gradio as gr
from gradio.i18n import I18nData

from finetune.config import field_help, field_index

LANGS = ("en", "zh")
LANG_CHOICES = [("English", "en"), ("中文", "zh")]
CATALOGUE_FILE = Path(__file__).resolve().parent / "locales" / "zh.json"
# gradio's frontend asks for "zh-CN" (its own Chinese) and falls back to "zh": both get the catalogue.
FRONTEND_ZH = ("zh", "zh-CN", "zh-SG")

_lang: ContextVar[str] = ContextVar("studio_lang", default="en")
_static: dict[str, str] = {}  # gr.I18n key -> English, for every static text the page was built with
_PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Any]]:
    """The Chinese catalogue: ``{"text": {english: chinese}, "fields": {name: {"label", "help"}}}``."""
    data = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return {"text": dict(data.get("text", {})), "fields": dict(data.get("fields", {}))}


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
    english = dict(_static)
    chinese = {key: _zh_static(key, text) or text for key, text in english.items()}
    return gr.I18n(en=english, **{code: chinese for code in FRONTEND_ZH})


def static_texts() -> dict[str, str]:
    """Every static text registered so far (key -> English); the catalogue test reads it."""
    return dict(_static)


# --------------------------------------------------------------------------- text written by handlers


def say(text: str, /, **params: Any) -> str:
    """``text`` (a catalogue key, with ``{name}`` placeholders) in the page's language, filled with ``params``.
    Without params it is :func:`translate` (engine text passes through it too)."""
    if not params:
        return translate(text)
    template = catalogue()["text"].get(text, text) if current_lang() == "zh" else text
    return template.format(**params)


def field_name(name: str) -> str:
    """A config field's label in the page's language (for messages that name a field)."""
    if current_lang() == "zh":
        return catalogue()["fields"].get(name, {}).get("label") or name.replace("_", " ")
    return name.replace("_", " ")


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    """Catalogue entries with placeholders, as regexes: they translate engine text with data in it."""
    out = []
    for english, chinese in catalogue()["text"].items():
        if _PLACEHOLDER.search(english):
            parts = _PLACEHOLDER.split(english)
            names = [m.strip("{}") for m in _PLACEHOLDER.findall(english)]
            regex = "".join(re.escape(p) + (f"(?P<{n}>.+?)" if i < len(names) else "")
                            for i, (p, n) in enumerate(zip(parts, names + [""])))
            out.append((re.compile(f"^{regex}$", re.S), chinese))
    return out


def translate(text: str) -> str:
    """Engine text (a note, a log line, part of an error) in the page's language: an exact catalogue entry,
    else an entry with placeholders whose English matches; text the catalogue does not know stays English."""
    if current_lang() != "zh" or not text:
        return text
    exact = catalogue()["text"].get(text)
    if exact is not None:
        return exact
    for pattern, chinese in _patterns():
        match = pattern.match(text)
        if match:
            # a phrase inside (e.g. "stratified by label") is translated too; a single word is data (a split's name)
            return chinese.format(**{name: translate(value) if " " in value else value
                                     for name, value in match.groupdict().items()})
    return text


def say_error(message: str) -> str:
    """An engine error for the page. Structured errors (``finetune.errors.expected_found``) keep their three
    parts, each translated; anything else is translated whole when the catalogue knows it."""
    parts = getattr(message, "parts", None)
    if current_lang() != "zh" or not parts:
        return translate(str(message))
    what, expected, found, todo = parts
    text = say("{what}: expected {expected}, found {found}.", what=translate(what), expected=translate(expected),
               found=translate(found))
    return f"{text}{translate(todo)}" if todo else text  # Chinese sentences follow each other without a space


# --------------------------------------------------------------------------- the language switch (browser side)

# The frontend's locale lives in gradio's core module; importing it again by its URL gives the same module.
SET_FRONTEND_LOCALE_JS = """
async (lang) => {
  try { localStorage.setItem('finetune-studio-lang', lang); } catch (e) {}
  const url = performance.getEntriesByType('resource').map(e => e.name)
      .find(n => /\\/assets\\/core-[^/]*\\.js$/.test(n));
  if (url) { const core = await import(url); core.changeLocale(lang === 'zh' ? 'zh-CN' : 'en'); }
  return lang;
}
"""


def initial_lang_js(default: Optional[str]) -> str:
    """The page's first language: the switch's remembered choice, else ``--lang``, else the browser's, else English."""
    fallback = json.dumps(normalize_lang(default) if default else "")
    return ("async () => { let lang = null; try { lang = localStorage.getItem('finetune-studio-lang'); } catch (e) {}\n"
            f"  if (!lang) lang = {fallback};\n"
            "  if (!lang) lang = (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';\n"
            f"  return await ({SET_FRONTEND_LOCALE_JS.strip()})(lang); }}")
