"""Wiring by name: every component of the page has a name, and every listener takes and returns named values.

A tab's ``build(studio)`` creates its components with :meth:`Studio.add` and wires its own listeners
with :meth:`Studio.listen`; wiring between tabs lives in :mod:`ui.page` alone. A handler is
``fn(values: dict[str, Any]) -> dict[str, Any]``: it receives the input components' values by name
(plus ``"request"``, gradio's request of the page, and ``"studio.visitor"``, the browser's
visitor id), and returns only the outputs it changes; the
others are left as they are. The positional order gradio needs is built here and nowhere else.

Every listener also runs in the page's language (``studio.lang``, the language switch): text a
handler writes with :func:`ui.i18n.say`, and every error, comes out in that language, so no handler
chooses a language itself.

Every listener goes through :func:`engine_call` once: an engine error (or anything unexpected) is
shown as a readable message, never a traceback. Every listener is private to the page: not listed in
the API and not callable by API clients; the public API is ui/api.py's few typed functions.
"""

from __future__ import annotations

import functools
import html
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, Optional, Union

import gradio as gr

from finetune.errors import FinetuneError, message_of

from .i18n import say, say_error, use_lang
from .settings import Settings
from .warmup import heavy_imports

log = logging.getLogger("studio")
VISITOR = "studio.visitor"  # the browser's visitor id (see ui.access), passed to every listener
LANG = "studio.lang"  # the page's language switch, passed to every listener
PAGE = "studio.page"  # public mode: a server-side mark that this session opened the page (see Studio.listen)
Values = dict[str, Any]
Handler = Callable[[Values], Optional[Values]]


def page_error(message: str, settings: Optional[Settings] = None, *, for_page: bool = True) -> gr.Error:
    """An error toast that stays until closed, in the page's language; in public mode it names none of the
    server's folders. ``for_page``: its text is escaped, as gradio renders toasts as HTML; an API client
    (``for_page=False``) gets the plain text (it would read ``&#x27;`` for an apostrophe)."""
    message = say_error(message)
    shown = settings.shown(message) if settings is not None else message
    return gr.Error(html.escape(shown) if for_page else shown, duration=None, print_exception=False, title=say("Error"))


def engine_call(fn: Callable, settings: Optional[Settings] = None, *, for_page: bool = True) -> Callable:
    """Turn FinetuneError (and anything unexpected) into gr.Error, keeping the app alive. ``for_page=False``
    for the public API's functions: their callers get plain, unescaped text."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            heavy_imports()
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except FinetuneError as exc:
            raise page_error(message_of(exc), settings, for_page=for_page) from None
        except Exception as exc:  # unexpected: say what happened, keep the traceback in the server log
            log.exception("unexpected error in %s", getattr(fn, "__name__", "handler"))
            raise page_error(
                say("Unexpected error ({kind}): {detail}", kind=type(exc).__name__, detail=exc),
                settings,
                for_page=for_page,
            ) from None

    return wrapper


_SPECIAL_PARAMETERS = {
    "request": (gr.Request, None),
    "progress": (gr.Progress, gr.Progress()),
    "oauth": (Optional[gr.OAuthToken], None),
}


def _declare_specials(handler: Callable, specials: list[str]) -> None:
    """Give ``handler(*args)`` the signature gradio reads to inject the request, progress and OAuth token."""
    params = [
        inspect.Parameter(
            name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=_SPECIAL_PARAMETERS[name][0],
            default=_SPECIAL_PARAMETERS[name][1],
        )
        for name in specials
    ]
    params.append(inspect.Parameter("values", inspect.Parameter.VAR_POSITIONAL))
    handler.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    handler.__annotations__ = {name: _SPECIAL_PARAMETERS[name][0] for name in specials}


class Studio:
    """The page's components by name, the app's settings, and the one way to wire a listener."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.parts: dict[str, Any] = {}
        self._resolvers: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {}

    def resolve(self, name: str, source: str, fn: Callable[[Any, Any], Any]) -> None:
        """From now on, every listener that reads ``name`` gets ``fn(value of name, value of source)`` instead.

        For a widget that shows a value one way and means it another: the dataset box shows an uploaded
        file by its name, and handlers get the upload's path. Register it before the listeners that read
        ``name``.
        """
        self._resolvers[name] = (source, fn)

    def _resolved(self, named: Values) -> Values:
        """``named`` with each value that has a resolver replaced by what it means."""
        for name, (source, fn) in self._resolvers.items():
            if name in named:
                named[name] = fn(named[name], named.get(source))
        return named

    def add(self, name: str, component: Any) -> Any:
        """Register ``component`` under ``name`` (unique) and return it."""
        if name in self.parts:
            raise ValueError(f"component name {name!r} is used twice")
        self.parts[name] = component
        return component

    def __getitem__(self, name: str) -> Any:
        return self.parts[name]

    def __contains__(self, name: str) -> bool:
        return name in self.parts

    def _components(self, names: Iterable[str]) -> list[Any]:
        return [self.parts[name] for name in names]

    def _inputs(self, names: Sequence[str]) -> list[str]:
        """The listener's inputs, plus the browser's visitor id (ui.access), the page's language wherever the
        page has them, and the sources of the inputs' resolvers (:meth:`resolve`)."""
        names = list(names)
        sources = [source for name, (source, _) in self._resolvers.items() if name in names]
        for implicit in (VISITOR, LANG, PAGE, *sources):
            if implicit in self.parts and implicit not in names:
                names.append(implicit)
        return names

    def listen(
        self,
        triggers: Union[Any, Sequence[Any]],
        fn: Handler,
        inputs: Sequence[str] = (),
        outputs: Sequence[str] = (),
        *,
        progress: bool = False,
        oauth: bool = False,
        entry: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Wire ``fn`` to ``triggers`` (bound events such as ``studio["x"].click``); returns the dependency.

        ``progress=True`` passes a ``gr.Progress`` as ``values["progress"]``, ``oauth=True`` the
        signed-in visitor's token (or None) as ``values["oauth"]``. ``entry=True``: the listener the page's
        load runs first, which marks the session as the page's (every other listener refuses an unmarked one
        in public mode: :meth:`check_page`).
        """
        in_names, out_names = self._inputs(inputs), list(outputs)
        specials = ["request"] + (["progress"] if progress else []) + (["oauth"] if oauth else [])

        def call(named: Values) -> Any:
            return self._positional(fn(named), out_names)

        call.__name__ = getattr(fn, "__name__", "handler")
        guarded = engine_call(call, self.settings)

        def handler(*args: Any) -> Any:
            named = self._resolved({**dict(zip(specials, args)), **dict(zip(in_names, args[len(specials) :]))})
            with use_lang(named.get(LANG)):
                if not entry:
                    self.check_page(named)
                return guarded(named)

        _declare_specials(handler, specials)
        handler.__name__ = handler.__qualname__ = getattr(fn, "__name__", "handler")
        handler.__doc__ = fn.__doc__
        return self._on(triggers, handler, in_names, out_names, kwargs)

    def stream(
        self,
        triggers: Union[Any, Sequence[Any]],
        fn: Callable[[Values], AsyncIterator[Values]],
        inputs: Sequence[str] = (),
        outputs: Sequence[str] = (),
        **kwargs: Any,
    ) -> Any:
        """Like :meth:`listen` for an async generator of named updates (a live view)."""
        in_names, out_names = self._inputs(inputs), list(outputs)

        async def handler(request: gr.Request, *values: Any) -> AsyncIterator[Any]:
            named = self._resolved(dict(zip(in_names, values), request=request))
            with use_lang(named.get(LANG)):
                self.check_page(named)
            updates = fn(named)
            while True:
                with use_lang(named.get(LANG)):  # each step runs (and renders) in the page's language
                    try:
                        update = await updates.__anext__()
                    except StopAsyncIteration:
                        return
                    except FinetuneError as exc:
                        raise page_error(message_of(exc), self.settings) from None
                    positional = self._positional(update, out_names)
                yield positional

        handler.__name__ = getattr(fn, "__name__", "stream")
        return self._on(triggers, handler, in_names, out_names, kwargs)

    def check_page(self, named: Values) -> None:
        """Public mode: refuse a call from a session that never opened the page.

        Why: gradio keeps private listeners out of the API, yet anyone can post a listener's ``fn_index`` to
        ``/gradio_api/queue/join`` (a script started trainings that way). The mark is a ``gr.State``, held
        by the server per session and never taken from the request, set by the page's load (the ``entry``
        listener); a raw call in a new session arrives without it."""
        if self.settings.public and PAGE in self.parts and named.get(PAGE) is not True:
            message = say("This action is only available from the app's page: open it and try again.")
            raise page_error(message, for_page=False)  # a script's call: plain text (and no data in it)

    def _on(
        self, triggers: Any, handler: Callable, in_names: list[str], out_names: list[str], kwargs: dict[str, Any]
    ) -> Any:
        inputs, outputs = self._components(in_names), self._components(out_names)
        if isinstance(triggers, (list, tuple)):
            return gr.on(list(triggers), handler, inputs, outputs, api_visibility="private", **kwargs)
        return triggers(handler, inputs, outputs, api_visibility="private", **kwargs)

    @staticmethod
    def _positional(update: Optional[Values], out_names: list[str]) -> Any:
        """The handler's named outputs in gradio's order; an output it did not name is left as it is."""
        update = update or {}
        unknown = set(update) - set(out_names)
        if unknown:
            raise KeyError(f"handler returned outputs it is not wired to: {sorted(unknown)}")
        values = tuple(update.get(name, gr.skip()) for name in out_names)
        if not out_names:
            return None
        return values[0] if len(values) == 1 else values
