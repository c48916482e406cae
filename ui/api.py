"""The app's public API: a few typed functions with stable names, for gradio_client and scripts.

Every listener of the page itself is private (not listed, not callable by clients). These
functions are the whole public surface; their signatures and docstrings are the API's docs.
An API client has no visitor id, so in public mode it reaches no run: it may predict with the
bundled checkpoint, Hub ids and examples only.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import gradio as gr

from finetune.config.run_config import BUNDLED_CHECKPOINT
from finetune.errors import DataError

from .access import model_source
from .settings import Settings
from .studio import engine_call

ANSWER_KEYS = ("task", "label", "probabilities", "labels", "threshold", "value")


def answer(result: Any) -> dict[str, Any]:
    """What the API returns of one prediction: the task, the label and probabilities, and the task's own fields."""
    shown = result.to_dict()
    return {
        key: shown[key] for key in ("task", "label", "probabilities", "labels", "threshold", "value") if key in shown
    }


def register(settings: Settings) -> None:
    """Declare the public functions (inside the Blocks)."""

    def predict(model: str, text: str, text_pair: str = "") -> dict[str, Any]:
        """Classify one text (or a pair with `text_pair`) with a run id, a model folder, bundled-minilm or a Hub id.

        Returns {"task", "label": best label, "probabilities": {label: probability}, "warning": text or null}; the
        warning says when the model's classification head was never trained. A multi-label model adds "labels"
        (those at or above its decision threshold; "label" joins them) and "threshold", with sigmoid probabilities;
        a regression model adds "value", the number ("probabilities" is empty).
        """
        from finetune.predict.predictor import get_predictor

        if not text or not text.strip():
            raise DataError("predict: expected a text, found an empty one.")
        predictor = get_predictor(model_source(settings, model or BUNDLED_CHECKPOINT, None))
        result = predictor.predict([text], [text_pair] if text_pair else None)[0]
        return {**answer(result), "warning": predictor.head_warning()}

    def predict_batch(model: str, texts: list[str], text_pairs: Optional[list[str]] = None) -> list[dict[str, Any]]:
        """Classify many texts (or pairs) at once; one {"task", "label", "probabilities"} per text (plus "labels" and
        "threshold", or "value", as `predict` has them), in input order."""
        from finetune.predict.predictor import get_predictor

        predictor = get_predictor(model_source(settings, model or BUNDLED_CHECKPOINT, None))
        results = predictor.predict(list(texts), list(text_pairs) if text_pairs else None)
        return [answer(r) for r in results]

    def tokenize(
        checkpoint: str, text: str, text_pair: str = "", add_special_tokens: bool = True, max_length: int = 0
    ) -> dict[str, Any]:
        """What a checkpoint's tokenizer makes of a text (or pair): tokens, input_ids, token_type_ids,
        attention_mask, the decoded ids, and counts of tokens and unknown tokens."""
        from finetune.model.tokenization import get_tokenizer, inspect_text

        settings.guard(checkpoint, "checkpoint")
        report = inspect_text(
            get_tokenizer(checkpoint or BUNDLED_CHECKPOINT),
            text,
            text_pair or None,
            add_special_tokens=add_special_tokens,
            max_length=max_length or None,
        )
        return {
            "tokens": [r.token for r in report.tokens],
            **report.raw_output(),
            "decoded": report.decoded,
            "n_tokens": report.n_tokens,
            "n_unknown": report.n_unknown,
            "truncated": report.truncated,
        }

    def inspect(model: str, texts: Optional[list[str]] = None) -> dict[str, Any]:
        """Look inside a model: its architecture card (sizes, parameter counts by part, where the classification
        head comes from) and, with `texts`, the shapes of its outputs and the probabilities per text for one
        padded batch (the hidden-state and attention arrays stay in the page)."""
        from finetune.explore.model_inspection import architecture_card, look_inside

        source = model_source(settings, model or BUNDLED_CHECKPOINT, None)
        card = architecture_card(source).to_dict()
        for key in ("module_tree", "path", "source"):  # no server paths (a "path" key also reads as a file)
            card.pop(key, None)
        out: dict[str, Any] = {"card": card}
        if texts:
            report = look_inside(source, list(texts)).to_dict()
            out["batch"] = {k: report[k] for k in ("tokens", "shapes", "probabilities") if k in report}
        return json.loads(json.dumps(out, default=str))  # JSON-safe (id2label's int keys become strings)

    for fn in (predict, predict_batch, tokenize, inspect):
        gr.api(engine_call(fn, settings, for_page=False), api_name=fn.__name__)
