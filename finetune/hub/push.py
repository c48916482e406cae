"""Hub: the model card and the push of a run's model (the token is never stored).

Token order: the Space's "Sign in with Hugging Face" token, then a token typed by the user,
then ``HF_TOKEN`` / the saved ``huggingface-cli login``. The token is passed to ``HfApi`` and
nowhere else: not to events, configs, cards, logs or any file of the run directory.

The card's YAML metadata is built with ``huggingface_hub.ModelCardData`` + ``EvalResult``, so
the Hub (and ``ModelCard.load``) parse it, model-index included; the body comes from
``templates/model_card.md``. The card follows the run's task (finetune.config.tasks): the labels and a
per-class table (single-label); the labels, the decision threshold (and whether it was tuned) and a
per-label table (multi-label); the target's name and range (regression); each with its own metrics in the
model-index and the ``pipeline`` call that reads its outputs right (``function_to_apply`` sigmoid with
``top_k=None`` for multi-label, none for regression).
"""

from __future__ import annotations

import importlib.metadata as md
import json
import platform
import re
import shutil
import time
from pathlib import Path
from string import Template
from typing import Any, Optional, Union

from huggingface_hub import EvalResult, HfApi, ModelCard, ModelCardData, get_token
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, OfflineModeIsEnabled, RepositoryNotFoundError

from finetune.config.run_config import BUNDLED_CHECKPOINT
from finetune.config.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL, TASK_METRICS, main_metric
from finetune.data.names import dataset_short_name
from finetune.errors import HubError, RunError, expected_found
from finetune.jsonfiles import write_json
from finetune.network import hub_is_reachable
from finetune.runs.run import WITH_MODEL, Run
from finetune.safety import is_hub_id

try:  # huggingface_hub's HTTP client: its transport errors mean "no connection"
    from httpx2 import TransportError
except ImportError:  # pragma: no cover - older huggingface_hub uses httpx
    from httpx import TransportError

TEMPLATE = Path(__file__).resolve().parent / "templates" / "model_card.md"
HUB_UNREACHABLE = (
    "Hugging Face Hub: expected it to be reachable, found no connection from this machine. "
    "Download the model as a zip instead, or push from a machine with internet access."
)
# The model-index metrics of each task: its metrics less the loss (single-label also the pooled macro F1 of a
# k-fold run's report).
CARD_METRICS = {
    SINGLE_LABEL: {"accuracy", "f1", "precision", "recall", "matthews_correlation", "f1_macro"},
    MULTI_LABEL: set(TASK_METRICS[MULTI_LABEL]) - {"loss"},
    REGRESSION: set(TASK_METRICS[REGRESSION]) - {"loss"},
}
TASK_NAMES = {
    SINGLE_LABEL: "Text Classification",
    MULTI_LABEL: "Multi-label Text Classification",
    REGRESSION: "Text Regression",
}
TASK_WORDS = {
    SINGLE_LABEL: "text classification",
    MULTI_LABEL: "multi-label text classification (any number of labels per text)",
    REGRESSION: "regression (one number per text)",
}
TASK_TAGS = {SINGLE_LABEL: [], MULTI_LABEL: ["multi-label-classification"], REGRESSION: ["regression"]}
LANGUAGE_HINTS = {"chinese": "zh", "-zh": "zh", "japanese": "ja", "german": "de", "french": "fr"}


def resolve_token(
    typed: Optional[str] = None, oauth_token: Optional[str] = None, *, allow_server_token: bool = True
) -> str:
    """The token to use: sign-in, then typed, then HF_TOKEN / saved login; HubError when there is none.

    A visitor's own token comes before the server's, and a public app passes
    ``allow_server_token=False``: visitors of a public Space must never push with its owner's token.
    """
    for candidate in (oauth_token, typed):
        if candidate and candidate.strip():
            return candidate.strip()
    if not allow_server_token:
        raise HubError(
            "Hub token: expected your own write token (sign in with Hugging Face, or type a token), "
            "found none. This public app does not lend its own token to visitors."
        )
    saved = get_token()
    if saved:
        return saved
    raise HubError(
        "Hub token: expected a write token (sign in with Hugging Face on a Space, type one, or set "
        "HF_TOKEN / run `hf auth login`), found none. Without an account, download the model as a zip."
    )


def _short(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name.rstrip("/").split("/")[-1]).strip("-.") or "model"


def default_repo_id(user: str, checkpoint: str, dataset: str) -> str:
    """``<user>/<checkpoint>-finetuned-<dataset>`` (short names, Hub-safe characters)."""
    base = "all-MiniLM-L6-v2" if checkpoint == BUNDLED_CHECKPOINT else _short(checkpoint)
    return f"{user}/{base}-finetuned-{dataset_short_name(dataset)}"[:96]


def _base_model_id(checkpoint: str) -> Optional[str]:
    if checkpoint == BUNDLED_CHECKPOINT:
        return "sentence-transformers/all-MiniLM-L6-v2"
    return checkpoint if is_hub_id(checkpoint) else None


def _language(checkpoint: str, dataset: str, texts: list[str]) -> Optional[str]:
    name = f"{checkpoint} {dataset}".lower()
    for hint, code in LANGUAGE_HINTS.items():
        if hint in name:
            return code
    sample = "".join(texts[:20])
    if sample and sum("\u4e00" <= ch <= "\u9fff" for ch in sample) > len(sample) * 0.3:
        return "zh"
    if sample and sum(ch.isascii() for ch in sample) > len(sample) * 0.95:
        return "en"
    return None


def _table(metrics: dict[str, float]) -> str:
    rows = "\n".join(f"| {k} | {v:.4f} |" for k, v in metrics.items())
    return "| metric | value |\n| --- | --- |\n" + rows


def card_task(metrics: dict[str, Any], report: dict[str, Any]) -> str:
    """The run's task, as its metrics (or its data report) say; runs from before task types are single-label."""
    return metrics.get("validation", {}).get("task") or report.get("task") or SINGLE_LABEL


def _threshold_text(validation: dict[str, Any], config: dict[str, Any]) -> tuple[float, str]:
    """(the decision threshold the model was scored at, a sentence that says it and whether it was tuned)."""
    train = config.get("train", {})
    threshold = float(validation.get("threshold", train.get("threshold", 0.5)))
    if train.get("tune_threshold"):
        how = (
            f"tuned on the validation split after training (the value with the best micro F1; configured "
            f"{float(train.get('threshold', 0.5)):g})"
        )
    else:
        how = "as configured (not tuned)"
    return threshold, f"A label is predicted when its probability reaches **{threshold:g}**, {how}."


def _summary(task: str, validation: dict[str, Any], threshold_sentence: str, target: str) -> str:
    """The card's opening lines: what the model predicts and its headline validation scores."""
    values, rows = validation["metrics"], validation["num_examples"]
    if task == MULTI_LABEL:
        return (
            f"Each text gets any number of the {len(validation['label_names'])} labels: one sigmoid per label. "
            f"{threshold_sentence}\n\nValidation micro F1 **{values.get('f1_micro', 0):.4f}** (macro F1 "
            f"{values.get('f1_macro', 0):.4f}, subset accuracy {values.get('subset_accuracy', 0):.4f}, Hamming loss "
            f"{values.get('hamming_loss', 0):.4f}) on {rows} examples."
        )
    if task == REGRESSION:
        return (
            f"The model predicts one number per text: `{target}`.\n\nValidation Pearson "
            f"**{values.get('pearson', 0):.4f}** (Spearman {values.get('spearman', 0):.4f}, RMSE "
            f"{values.get('rmse', 0):.4f}, MAE {values.get('mae', 0):.4f}) on {rows} examples."
        )
    return f"Validation {main_metric(task)} **{values.get('accuracy', 0):.4f}** on {rows} examples."


def _outputs_section(task: str, label_names: list[str], report: dict[str, Any]) -> str:
    """The labels (id and name), or for regression the target: its name and the training data's range."""
    if task == REGRESSION:
        stats = (report.get("target_stats") or {}).get("train") or {}
        if "min" in stats:
            spread = (
                f"{stats['min']:g} to {stats['max']:g} in the training data (mean {stats['mean']:.3g}, "
                f"std {stats['std']:.3g}, {stats['rows']} rows)"
            )
        else:
            spread = "not recorded"
        return (
            "## Output\n\n| output | name | range |\n| --- | --- | --- |\n"
            f"| 0 | {label_names[0]} | {spread} |\n\nThe number is not limited to that range: a model can "
            "predict a little below or above it."
        )
    rows = "\n".join(f"| {i} | {n} |" for i, n in enumerate(label_names))
    return f"## Labels\n\n| id | label |\n| --- | --- |\n{rows}"


def _per_class_section(task: str, validation: dict[str, Any], threshold: float) -> str:
    """Per class (single-label) or per label at the threshold (multi-label): precision, recall, F1, support."""
    if task == REGRESSION:
        return ""
    rows = "\n".join(
        f"| {r['label']} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {r['support']} |"
        for r in validation.get("per_class", [])
    )
    title = (
        f"### Per label (validation, threshold {threshold:g})" if task == MULTI_LABEL else "### Per class (validation)"
    )
    return f"{title}\n\n| label | precision | recall | F1 | support |\n| --- | --- | --- | --- | --- |\n{rows}"


def _usage_code(task: str, repo_id: str, usage_input: str, threshold: float, target: str) -> str:
    """The ``pipeline`` call that reads the model's outputs as its task needs, and what to do with them."""
    if task == MULTI_LABEL:
        return "\n".join(
            [
                "from transformers import pipeline",
                "",
                "# a sigmoid per label (not a softmax over them), every label's score",
                f'classifier = pipeline("text-classification", model="{repo_id}", top_k=None, '
                'function_to_apply="sigmoid")',
                f"THRESHOLD = {threshold:g}  # the model's decision threshold (config.json: decision_threshold)",
                f"scores = classifier({usage_input})[0]  # for one text, a list of its labels' scores",
                'print([s["label"] for s in scores if s["score"] >= THRESHOLD])  # the labels at or above it',
            ]
        )
    if task == REGRESSION:
        return "\n".join(
            [
                "from transformers import pipeline",
                "",
                "# the one output as it is: no sigmoid or softmax",
                f'regressor = pipeline("text-classification", model="{repo_id}", function_to_apply="none")',
                f'print(regressor([{usage_input}])[0]["score"])  # the predicted {target}',
            ]
        )
    return "\n".join(
        [
            "from transformers import pipeline",
            "",
            f'classifier = pipeline("text-classification", model="{repo_id}")',
            f"print(classifier({usage_input}, top_k=None))",
        ]
    )


def render_model_card(run_dir: Union[str, Path], *, repo_id: str) -> str:
    """README.md for the pushed repo: YAML metadata (with model-index) + a body from the template."""
    run = Run(Path(run_dir))
    config, metrics, report = run.config_dict(), run.metrics(), run.data_report()
    if "validation" not in metrics:
        raise RunError(expected_found(f"run '{run.id}'", "a finished run with saved metrics", "no metrics"))
    checkpoint = config.get("model", {}).get("checkpoint", "?")
    data = config.get("data", {})
    dataset = data.get("dataset", "?")
    predictions = run.predictions()
    texts = [p["text"] for p in predictions]
    language = _language(checkpoint, dataset, texts)
    validation = metrics["validation"]
    label_names = validation["label_names"]
    task = card_task(metrics, report)
    dataset_id = dataset if is_hub_id(dataset, with_owner=True) else None
    dataset_name = dataset_id or Path(dataset).name
    eval_results = _eval_results(metrics, dataset_id or dataset_name, dataset_name, data.get("dataset_config"), task)
    # the Hub's widget reads one output through a sigmoid: right for labels, wrong for a regression's number
    single_texts = predictions and "text_pair" not in predictions[0] and task != REGRESSION
    widget = [{"text": t} for t in texts[:3]] if single_texts else None
    card_data = ModelCardData(
        language=language,
        license="apache-2.0",
        library_name="transformers",
        pipeline_tag="text-classification",
        base_model=_base_model_id(checkpoint),
        datasets=[dataset_id] if dataset_id else None,
        metrics=sorted({r.metric_type for r in eval_results}) or None,
        model_name=repo_id.split("/")[-1],
        eval_results=eval_results or None,
        tags=["text-classification", *TASK_TAGS[task], "fine-tuned"],
        widget=widget,
    )
    train = metrics.get("train", {})
    hyper = {
        k: config.get("train", {}).get(k)
        for k in (
            "learning_rate",
            "num_train_epochs",
            "max_steps",
            "per_device_train_batch_size",
            "gradient_accumulation_steps",
            "weight_decay",
            "warmup_ratio",
            "lr_scheduler_type",
            "seed",
            "precision",
        )
    }
    test_section = ("## Test metrics\n\n" + _table(metrics["test"]["metrics"])) if "test" in metrics else ""
    usage_input = json.dumps(texts[0] if texts else "I loved it!", ensure_ascii=False)
    if predictions and "text_pair" in predictions[0]:
        usage_input = json.dumps(
            {"text": predictions[0]["text"], "text_pair": predictions[0]["text_pair"]}, ensure_ascii=False
        )
    cols = report.get("columns", {})
    threshold, threshold_sentence = _threshold_text(validation, config)
    target = label_names[0] if label_names else "value"
    body = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        repo_name=repo_id.split("/")[-1],
        repo_id=repo_id,
        base_model=_base_model_id(checkpoint) or checkpoint,
        dataset=dataset_name,
        task_words=TASK_WORDS[task],
        summary=_summary(task, validation, threshold_sentence, target),
        outputs_section=_outputs_section(task, label_names, report),
        validation_table=_table(validation["metrics"]),
        test_section=test_section,
        per_class_section=_per_class_section(task, validation, threshold),
        usage_code=_usage_code(task, repo_id, usage_input, threshold, target),
        data_summary=", ".join(f"{k}: {v} rows" for k, v in report.get("split_sizes", {}).items()),
        columns=", ".join(f"{k} = `{v}`" for k, v in cols.items() if v) or "text, label",
        validation_source=report.get("validation_source", "validation split"),
        max_length=data.get("max_length"),
        padding=data.get("padding"),
        hyperparameter_rows="\n".join(f"| {k} | {v} |" for k, v in hyper.items()),
        train_seconds=train.get("seconds", "?"),
        device=train.get("device", "?"),
        precision=train.get("precision", "?"),
        samples_per_second=train.get("samples_per_second", "?"),
        versions=_versions(),
    )
    card = ModelCard(f"---\n{card_data.to_yaml()}\n---\n{body}")
    return str(card)


def _eval_results(
    metrics: dict[str, Any],
    dataset_type: str,
    dataset_name: str,
    dataset_config: Optional[str],
    task: str = SINGLE_LABEL,
) -> list[EvalResult]:
    """The model-index entries: each of the task's metrics on the validation and test splits (the Hub's task
    type stays text-classification: it has none for multi-label or regression of text)."""
    return [
        EvalResult(
            task_type="text-classification",
            task_name=TASK_NAMES[task],
            dataset_type=dataset_type,
            dataset_name=dataset_name,
            dataset_config=dataset_config,
            dataset_split=split,
            metric_type=name,
            metric_name=f"{name} ({split})",
            metric_value=round(float(value), 4),
        )
        for split in ("validation", "test")
        if split in metrics
        for name, value in metrics[split]["metrics"].items()
        if name in CARD_METRICS[task]
    ]


def _versions() -> str:
    lines = [f"- Python {platform.python_version()}"]
    for name in ("transformers", "torch", "datasets", "tokenizers", "evaluate", "accelerate"):
        try:
            lines.append(f"- {name} {md.version(name)}")
        except md.PackageNotFoundError:
            pass
    return "\n".join(lines)


def _hub_error(exc: Exception, repo_id: str) -> HubError:
    """A HubError that says what to do, chosen by huggingface_hub's typed errors."""
    if isinstance(exc, (OfflineModeIsEnabled, ConnectionError, TimeoutError, TransportError)):
        return HubError(HUB_UNREACHABLE)
    if isinstance(exc, GatedRepoError):
        return HubError(f"repo '{repo_id}': expected access, found a gated repo. Accept its terms on the Hub first.")
    if isinstance(exc, RepositoryNotFoundError):
        return HubError(
            f"repo '{repo_id}': expected a repo this token can see, found none (wrong name, or a private "
            "repo of someone else)."
        )
    status = exc.response.status_code if isinstance(exc, HfHubHTTPError) else None
    if status == 401:
        return HubError(
            "Hub token: expected a valid token, found one the Hub rejects (401). Create a new token "
            "with write access at huggingface.co/settings/tokens."
        )
    if status == 403:
        return HubError(
            f"repo '{repo_id}': expected write access, found none (403): the token is read-only or the "
            "repo belongs to another user or organisation you cannot write to."
        )
    return HubError(f"push to '{repo_id}' failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def push_run(
    run_dir: Union[str, Path],
    *,
    token: str,
    repo_id: Optional[str] = None,
    private: bool = False,
    commit_message: str = "Upload fine-tuned text classifier",
    api: Any = None,
) -> dict[str, str]:
    """Push the run's model + tokenizer + model card; return {repo_id, url}. The token is used, never kept."""
    run = Run(Path(run_dir))
    status = run.state
    if status not in WITH_MODEL or not run.has_model:
        raise RunError(
            expected_found(f"run '{run.id}'", "a finished (or cancelled) run with a saved model", f"status {status}")
        )
    if api is None:
        if not hub_is_reachable():
            raise HubError(HUB_UNREACHABLE)
        api = HfApi()
    try:
        user = api.whoami(token=token)["name"]
        if not repo_id:
            config = run.config_dict()
            repo_id = default_repo_id(
                user, config.get("model", {}).get("checkpoint", "model"), config.get("data", {}).get("dataset", "data")
            )
        elif "/" not in repo_id:
            repo_id = f"{user}/{repo_id}"
        card = render_model_card(run.path, repo_id=repo_id)
        (run.model_dir / "README.md").write_text(card, encoding="utf-8")
        url = api.create_repo(repo_id=repo_id, token=token, private=private, exist_ok=True, repo_type="model")
        api.upload_folder(
            repo_id=repo_id,
            folder_path=str(run.model_dir),
            token=token,
            commit_message=commit_message,
            repo_type="model",
            ignore_patterns=["training_args.bin", "*.tmp"],
        )
    except (HubError, RunError):
        raise
    except Exception as exc:
        raise _hub_error(exc, repo_id or "?") from exc
    result = {
        "repo_id": repo_id,
        "url": str(getattr(url, "url", None) or f"https://huggingface.co/{repo_id}"),
        "private": str(private),
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    write_json(run.hub_path, result)
    return result


def zip_model(run_dir: Union[str, Path], destination: Union[str, Path, None] = None) -> Path:
    """The model folder (with a model card) as a zip in ``destination`` (default: the run's ``export/`` folder).

    The app zips into a temporary folder: a downloaded archive would otherwise stay in the run, as large
    as its model, for every download.
    """
    run = Run(Path(run_dir))
    if not run.has_model:
        raise RunError(expected_found(f"run '{run.id}'", "a saved model", "none"))
    if not (run.model_dir / "README.md").exists() and "validation" in run.metrics():
        (run.model_dir / "README.md").write_text(
            render_model_card(run.path, repo_id=f"local/{run.id}"), encoding="utf-8"
        )
    folder = Path(destination) if destination is not None else run.export_dir
    folder.mkdir(parents=True, exist_ok=True)
    archive = shutil.make_archive(str(folder / f"{run.id}-model"), "zip", root_dir=run.model_dir)
    return Path(archive)
