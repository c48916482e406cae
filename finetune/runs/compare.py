"""Compare runs: curves, config differences, final metrics, disk use and checkpoint clean-up.

Everything here reads only what runs already write (config.json, events.jsonl, metrics.json,
status.json) through :class:`~finetune.runs.run.Run`. A parent run that holds child runs
(``folds/fold-<i>/`` of a k-fold run, ``trials/trial-<i>/`` of a search) is a group: its curves are
the mean of its children's (interpolated onto one grid), its metrics the mean ± std.

Curves are rows ``{run, step, epoch, series, value}``: ``series`` is ``loss`` for the training loss
(progress events) and ``eval_<metric>`` for validation metrics (evaluation events). Every point
carries both its optimizer step and its epoch, so runs that logged at different steps (or used
different batch sizes) line up on either axis.

Metrics follow each run's task (finetune.config.tasks): a run shows the metrics it reported (accuracy,
f1_micro, pearson, ...) and per-class (per-label) F1 where it has classes; a regression run has none. Runs
of different tasks compare side by side, each with its own metrics (the others' cells empty), under a
``task`` row that says which is which.
"""

from __future__ import annotations

import math
import shutil
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Optional

from finetune.config.tasks import SINGLE_LABEL, TASKS
from finetune.data.caches import folder_bytes, format_bytes  # noqa: F401  (format_bytes: part of this module's API)
from finetune.errors import RunError, expected_found
from finetune.runs.events import read_events
from finetune.runs.run import Run

MIN_COMPARED, MAX_COMPARED = 2, 6
# the metrics listed first, in this order: each task's main ones (single-label, multi-label, regression), then loss
HEADLINE_METRICS = (
    "accuracy",
    "f1",
    "matthews_correlation",
    "f1_micro",
    "f1_macro",
    "subset_accuracy",
    "hamming_loss",
    "pearson",
    "spearman",
    "rmse",
    "mae",
    "mse",
    "loss",
)


def child_runs(run: Run) -> list[Run]:
    """A parent run's children (k-fold folds or search trials) in index order; [] for a plain run."""
    found = []
    for root in (run.folds_dir, run.trials_dir):
        if root.is_dir():
            found += [Run(p) for p in root.iterdir() if p.is_dir() and Run(p).exists]
    return sorted(found, key=lambda r: (_index_of(r.id), r.id))


def _index_of(name: str) -> int:
    tail = name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 1 << 30


def check_selection(runs: Sequence[Run]) -> None:
    """2 to 6 distinct runs, else a RunError that says so."""
    ids = [r.path for r in runs]
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED or len(set(ids)) != len(ids):
        raise RunError(
            expected_found(
                "runs to compare",
                f"{MIN_COMPARED} to {MAX_COMPARED} different runs",
                f"{len(set(ids))}",
                "Pick between two and six runs.",
            )
        )


# -- curves -----------------------------------------------------------------------------------------
def run_curves(run: Run, label: Optional[str] = None) -> list[dict[str, Any]]:
    """Training-loss and validation-metric points of one run (the last value wins where a step repeats,
    as after a resume); a k-fold parent gives the mean of its folds."""
    label = label or run.id
    if is_group(run):
        return mean_curves([run_curves(c) for c in child_runs(run)], label)
    points: dict[tuple[str, int], dict[str, Any]] = {}
    for event in read_events(run.events_path)[0]:
        step, epoch = event.get("step"), event.get("epoch")
        if not isinstance(step, int) or not isinstance(epoch, (int, float)):
            continue
        if event.get("type") == "progress" and isinstance(event.get("loss"), (int, float)):
            points[("loss", step)] = _point(label, step, epoch, "loss", event["loss"])
        elif event.get("type") == "evaluation" and event.get("split", "validation") == "validation":
            for name, value in (event.get("metrics") or {}).items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    points[(f"eval_{name}", step)] = _point(label, step, epoch, f"eval_{name}", value)
    return sorted(points.values(), key=lambda p: (p["series"], p["step"]))


def is_group(run: Run) -> bool:
    """Whether a run compares as the mean ± std of its children (a k-fold parent)."""
    return run.folds_dir.is_dir() and bool(child_runs(run))


def _point(run: str, step: int, epoch: float, series: str, value: float) -> dict[str, Any]:
    return {"run": run, "step": int(step), "epoch": float(epoch), "series": series, "value": float(value)}


def interpolate(points: Sequence[dict[str, Any]], x: str, grid: Sequence[float]) -> list[Optional[float]]:
    """Values of one run's series at each ``grid`` position of axis ``x`` (linear; None outside its range)."""
    known = sorted((p[x], p["value"]) for p in points)
    out: list[Optional[float]] = []
    for g in grid:
        if not known or g < known[0][0] or g > known[-1][0]:
            out.append(None)
            continue
        for (x0, y0), (x1, y1) in zip(known, known[1:] + known[-1:]):
            if x0 <= g <= x1:
                out.append(y0 if x1 == x0 else y0 + (y1 - y0) * (g - x0) / (x1 - x0))
                break
    return out


def align(curves: Iterable[dict[str, Any]], series: str, x: str = "step") -> dict[str, list[Optional[float]]]:
    """One series of several runs on one shared axis: {"x": sorted union of positions, run: values there}."""
    by_run: dict[str, list[dict[str, Any]]] = {}
    for point in curves:
        if point["series"] == series:
            by_run.setdefault(point["run"], []).append(point)
    grid = sorted({p[x] for points in by_run.values() for p in points})
    return {"x": grid, **{run: interpolate(points, x, grid) for run, points in by_run.items()}}


def mean_curves(children: Sequence[list[dict[str, Any]]], label: str) -> list[dict[str, Any]]:
    """The mean of child runs' curves per series, on the union of their steps (k-fold parents)."""
    out = []
    for series in sorted({p["series"] for points in children for p in points}):
        tagged = [{**p, "run": str(i)} for i, points in enumerate(children) for p in points if p["series"] == series]
        values, epochs = align(tagged, series, "step"), _epoch_at_steps(tagged)
        for position, step in enumerate(values["x"]):
            known = [v[position] for k, v in values.items() if k != "x" and v[position] is not None]
            out.append(_point(label, int(step), epochs.get(step, 0.0), series, statistics.fmean(known)))
    return out


def _epoch_at_steps(points: Sequence[dict[str, Any]]) -> dict[int, float]:
    """The mean epoch the children had reached at each step they logged."""
    seen: dict[int, list[float]] = {}
    for point in points:
        seen.setdefault(point["step"], []).append(point["epoch"])
    return {step: statistics.fmean(epochs) for step, epochs in seen.items()}


def compare_curves(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """Every compared run's curve points, labelled by run id (one colour per run in a chart)."""
    return [point for run, label in zip(runs, run_labels(runs)) for point in run_curves(run, label)]


# -- config differences ---------------------------------------------------------------------------
def flat_config(run: Run) -> dict[str, Any]:
    """config.json as {field: value} (sections dropped; field names are unique across sections)."""
    return {
        name: value
        for section in run.config_dict().values()
        if isinstance(section, dict)
        for name, value in section.items()
    }


def config_diff(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """One row per config field whose value differs between the runs: {"field", <run id>: value, ...}."""
    flats = [flat_config(r) for r in runs]
    names = sorted({name for flat in flats for name in flat})
    rows = []
    for name in names:
        values = [flat.get(name) for flat in flats]
        if any(v != values[0] for v in values[1:]):
            rows.append({"field": name, **{label: _shown(v) for label, v in zip(run_labels(runs), values)}})
    return rows


def _shown(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def run_labels(runs: Sequence[Run]) -> list[str]:
    """A column name per run: its id, prefixed by its parent's where ids repeat (trial-0 of two searches)."""
    ids = [r.id for r in runs]
    return [f"{r.path.parent.parent.name}/{r.id}" if ids.count(r.id) > 1 else r.id for r in runs]


# -- final metrics ----------------------------------------------------------------------------------
def run_metrics(run: Run) -> dict[str, Any]:
    """Final validation metrics, per-class F1 and train speed of one run (numbers; {} when unfinished)."""
    report = run.metrics()
    validation, train = report.get("validation") or {}, report.get("train") or {}
    row: dict[str, Any] = {}
    for name, value in (validation.get("metrics") or {}).items():
        if isinstance(value, (int, float)):
            row[name] = float(value)
    for entry in validation.get("per_class") or []:
        if isinstance(entry, dict) and isinstance(entry.get("f1"), (int, float)):
            row[f"f1[{entry.get('label')}]"] = float(entry["f1"])
    for name in ("samples_per_second", "seconds", "loss", "steps"):
        if isinstance(train.get(name), (int, float)):
            row[f"train_{name}"] = float(train[name])
    return row


def group_metrics(run: Run) -> dict[str, str]:
    """A k-fold parent's metrics as 'mean ± std' over its folds (folds without metrics are left out).

    The std is the sample std (ddof=1), the convention of the run's own cross-validation summary,
    whose numbers are taken as they are when it has them, so Compare shows what the run's page shows.
    """
    per_fold = [m for m in (run_metrics(c) for c in child_runs(run)) if m]
    names = sorted({name for m in per_fold for name in m})
    out: dict[str, str] = {}
    for name in names:
        values = [m[name] for m in per_fold if name in m]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        out[name] = f"{statistics.fmean(values):.4f} ± {spread:.4f}"
    summary = run.metrics().get("cross_validation")
    for name, stats in ((summary or {}).get("metrics") or {}).items():
        if isinstance(stats, dict) and isinstance(stats.get("mean"), (int, float)):
            out[name] = f"{stats['mean']:.4f} ± {float(stats.get('std') or 0.0):.4f}"
    return out


def metrics_table(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """One row per metric, one column per run (numbers rounded to 4 places; groups as mean ± std; None where a
    run has no such metric). Runs of different tasks get a first row ``task`` naming each run's."""
    labels = run_labels(runs)
    columns = {label: (group_metrics(r) if is_group(r) else run_metrics(r)) for label, r in zip(labels, runs)}
    names = sorted({n for m in columns.values() for n in m}, key=_metric_order)
    rows = [{"metric": name, **{label: _rounded(m.get(name)) for label, m in columns.items()}} for name in names]
    tasks = [run_task(r) for r in runs]
    if len(set(tasks)) > 1:
        rows.insert(0, {"metric": "task", **dict(zip(labels, tasks))})
    return rows


def run_task(run: Run) -> str:
    """The task a run trained for: what its reports say (metrics.json, data_report.json), else its config's
    task when set, else single-label (runs from before there were tasks)."""
    report = run.metrics()
    found = (
        (report.get("validation") or {}).get("task"),
        (report.get("cross_validation") or {}).get("task"),
        run.data_report().get("task"),
        (run.config_dict().get("data") or {}).get("task"),
    )
    return next((task for task in found if task in TASKS), SINGLE_LABEL)


def compared_metrics(runs: Sequence[Run]) -> list[str]:
    """The validation metrics the runs' curves have (``eval_<name>`` series), headline ones first: what a chart
    of validation metrics can offer for these runs, whatever their tasks."""
    names = {p["series"][len("eval_") :] for p in compare_curves(runs) if p["series"].startswith("eval_")}
    return sorted(names, key=_metric_order)


def _metric_order(name: str) -> tuple[int, str]:
    if name in HEADLINE_METRICS:
        return HEADLINE_METRICS.index(name), name
    return (len(HEADLINE_METRICS) + (1 if name.startswith("f1[") else 2 if name.startswith("train_") else 0), name)


def _rounded(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


# -- disk use and clean-up --------------------------------------------------------------------------
def checkpoint_folders(run: Run) -> list[Path]:
    """The run's checkpoint folders, and its children's (folds, trials)."""
    return [r.checkpoints_dir for r in [run, *child_runs(run)] if r.checkpoints_dir.is_dir()]


def disk_use(run: Run) -> dict[str, int]:
    """{"total", "checkpoints", "model"} in bytes (children included)."""
    return {
        "total": folder_bytes(run.path),
        "checkpoints": sum(folder_bytes(p) for p in checkpoint_folders(run)),
        "model": sum(folder_bytes(r.model_dir) for r in [run, *child_runs(run)]),
    }


def clean_checkpoints(run: Run, *, force: bool = False) -> int:
    """Delete the run's (and its children's) checkpoints, keeping the model; return the bytes freed.

    Refused while the run is active, and for a run without a saved model unless ``force`` (its
    checkpoints are then all that is left of the training, and the only way to resume it).
    """
    state = run.state
    if state.is_active:
        raise RunError(
            expected_found(f"run '{run.id}'", "a run that is not running", f"status {state}", "Stop it first.")
        )
    if not force and not run.has_model and not child_runs(run):
        raise RunError(
            expected_found(
                f"run '{run.id}'",
                "a saved model to keep",
                "none (checkpoints only)",
                "Resume it first, or clean with force to lose the training.",
            )
        )
    freed = 0
    for folder in checkpoint_folders(run):
        freed += folder_bytes(folder)
        shutil.rmtree(folder)
    return freed


# -- runs by key: a top-level run's id, or <parent id>/<trials|folds>/<child id> --------------------
def run_key(run: Run, runs_dir: Path) -> str:
    """The key that names ``run`` under ``runs_dir`` (a child: parent/trials/trial-0)."""
    return run.path.resolve().relative_to(Path(runs_dir).resolve()).as_posix()


def open_key(runs_dir: Path, key: str, open_top: Any = None) -> Run:
    """The run a key names; each part is checked (no path tricks). ``open_top(run_id)`` opens the
    top-level run (the UI passes its ownership check); by default :meth:`Run.open`."""
    parts = str(key).split("/")
    top = (open_top or (lambda run_id: Run.open(runs_dir, run_id)))(parts[0])
    if len(parts) == 1:
        return top
    if len(parts) != 3 or parts[1] not in (top.folds_dir.name, top.trials_dir.name):
        raise RunError(expected_found("run key", "<run> or <run>/trials/<trial>", repr(key)))
    return Run.open(top.path / parts[1], parts[2])


def open_argument(runs_dir: Path, text: str) -> Run:
    """The run a command-line argument names: a run folder's path (relative or absolute, with or without a
    trailing slash, e.g. ``runs/search/trials/trial-0/``), else a key under ``runs_dir`` (``<run>`` or
    ``<run>/trials/<trial>``)."""
    cleaned = str(text).strip().rstrip("/\\") or str(text)
    folder = Path(cleaned).expanduser()
    if Run(folder).exists:
        return Run.at(folder)
    inside = folder.resolve()
    root = Path(runs_dir).resolve()
    if inside.is_relative_to(root) and inside != root:  # a path into runs_dir that is not a run: say which key
        cleaned = inside.relative_to(root).as_posix()
    return open_key(Path(runs_dir), cleaned)


def with_children(runs: Iterable[Run], runs_dir: Path) -> list[str]:
    """Keys of the runs and of their children (so search trials can be compared)."""
    keys = []
    for run in runs:
        keys.append(run_key(run, runs_dir))
        keys += [run_key(child, runs_dir) for child in child_runs(run)]
    return keys
