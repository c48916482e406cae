"""``python -m finetune runs {list,compare,resume,clean}`` and the search flags of ``train``.

Kept apart from cli.py so the command-line parser stays one short module; the work is done by
:mod:`finetune.runs.compare`, :mod:`finetune.train.jobs` and :mod:`finetune.train.search`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Optional

from finetune.data.caches import clear_caches
from finetune.errors import FinetuneError
from finetune.runs.compare import (
    check_selection,
    clean_checkpoints,
    config_diff,
    disk_use,
    format_bytes,
    metrics_table,
    open_argument,
)
from finetune.runs.run import Run
from finetune.train.search import SearchSpec, read_spec, save_spec, spec_from_flags

ACTIONS = ("list", "compare", "resume", "clean", "label-issues")


def add_runs_actions(parser: argparse.ArgumentParser) -> None:
    """``runs [ACTION] [RUN ...]``: list (default), compare 2-6 runs, resume one, clean checkpoints."""
    parser.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=ACTIONS,
        help="list runs (default); compare 2-6 runs; resume a stopped run from its last checkpoint "
        "(waits for it); clean: delete checkpoints, keep the model (--caches: also the data caches); "
        "label-issues: the rows whose label is probably wrong, from a run's out-of-fold (k-fold) or "
        "held-out predictions",
    )
    parser.add_argument(
        "run",
        nargs="*",
        help="runs: ids under --runs_dir (a search trial: <search>/trials/trial-<i>) or run folders' paths",
    )
    parser.add_argument("--json", action="store_true", help="compare: print JSON instead of tables")
    parser.add_argument("--force", action="store_true", help="clean even a run without a saved model")
    parser.add_argument("--top", type=int, default=20, help="label-issues: how many rows to show (default 20)")
    parser.add_argument("--csv", default=None, help="label-issues: also write every flagged row to this CSV file")
    parser.add_argument("--no-wait", action="store_true", help="resume: return once the training started")
    parser.add_argument(
        "--caches",
        action="store_true",
        help="clean: also delete the data caches, rebuilt by the next run that needs them: the "
        "tokenized data under <runs_dir>/.cache and the datasets library's copies of local data "
        "files (Hub downloads are kept); with no run ids, only the caches",
    )


def add_search_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hyperparameter search (Trainer.hyperparameter_search, optuna)")
    group.add_argument(
        "--search_trials", type=int, default=None, help="run a search of N trials, each a child run under <run>/trials/"
    )
    group.add_argument(
        "--search_space",
        default=None,
        help="JSON file: learning_rate [low, high], batch_sizes [..], epochs [..], warmup_ratio "
        "[low, high], weight_decay [low, high] (defaults for any left out)",
    )
    group.add_argument(
        "--search_metric",
        default=None,
        help="validation metric of the run's task to optimise: maximised, or minimised where lower is better "
        "(loss, hamming_loss, mse, rmse, mae); default accuracy, which means the task's main metric "
        "(multi-label f1_micro, regression pearson)",
    )


def search_from_flags(args: argparse.Namespace) -> Optional[SearchSpec]:
    """The search the ``train`` flags ask for (checked before any run directory is made), or None."""
    if getattr(args, "search_trials", None):
        return spec_from_flags(args.search_trials, args.search_space, args.search_metric)
    if getattr(args, "search_space", None) or getattr(args, "search_metric", None):
        raise FinetuneError("--search_space/--search_metric: expected --search_trials N with them, found none.")
    return None


def search_spec(flags: Optional[SearchSpec], run: Run) -> Optional[SearchSpec]:
    """The search this run does: the flags' (saved into the run), else the run's search.json (started by the app)."""
    if flags is not None:
        save_spec(run, flags)
        return flags
    return read_spec(run)


def run_action(args: argparse.Namespace) -> int:
    """The runs actions other than list."""
    runs_dir = Path(args.runs_dir)
    runs = [open_argument(runs_dir, key) for key in args.run]
    if args.action == "compare":
        check_selection(runs)
        diff, metrics = config_diff(runs), metrics_table(runs)
        if getattr(args, "json", False):
            print(json.dumps({"config_diff": diff, "metrics": metrics}, indent=2, default=str, ensure_ascii=False))
        else:
            print(format_comparison(diff, metrics))
        return 0
    if args.action == "label-issues":
        return _label_issues(runs, top=args.top, csv_path=args.csv)
    if args.action == "clean" and getattr(args, "caches", False):
        freed = clear_caches(runs_dir)
        print(json.dumps({"caches": {name: format_bytes(count) for name, count in freed.items()}}))
        if not runs:
            return 0
    if not runs:
        raise FinetuneError(f"runs {args.action}: expected one or more run ids, found none.")
    if args.action == "resume":
        return _resume(runs, wait=not args.no_wait)
    for run in runs:
        before = disk_use(run)
        freed = clean_checkpoints(run, force=args.force)
        print(
            json.dumps(
                {
                    "run": run.id,
                    "freed": format_bytes(freed),
                    "before": format_bytes(before["total"]),
                    "after": format_bytes(disk_use(run)["total"]),
                }
            )
        )
    return 0


def text_table(rows: list[dict[str, Any]]) -> str:
    """Rows of dicts (same keys) as an aligned plain-text table with a header line, for a terminal."""
    if not rows:
        return ""
    columns = list(rows[0])
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def format_comparison(diff: list[dict[str, Any]], metrics: list[dict[str, Any]]) -> str:
    """What ``runs compare`` prints for a person: the metrics, then the config fields that differ."""
    parts = ["Metrics (k-fold runs: mean ± sample std over the folds)", text_table(metrics) or "(none)", ""]
    parts += ["Config: fields that differ", text_table(diff) or "(the configs are identical)"]
    return "\n".join(parts)


def _resume(runs: list[Run], *, wait: bool) -> int:
    from finetune.train.jobs import resume
    from finetune.train.jobs import wait as wait_for

    code = 0
    for run in runs:
        job = resume(run.path)
        status: dict[str, Any] = wait_for(job.run_dir) if wait else run.status()
        print(json.dumps({"run": run.id, "pid": job.pid, "status": str(status.get("status"))}))
        code = max(code, 0 if not wait or str(status.get("status")) == "finished" else 1)
    return code


def _label_issues(runs: list[Run], *, top: int, csv_path: Optional[str]) -> int:
    """Print the rows of one run whose given label is probably wrong; ``--csv`` writes all of them."""
    from finetune.evaluation.label_issues import run_label_issues

    if len(runs) != 1:
        raise FinetuneError(f"runs label-issues: expected one run id, found {len(runs)}.")
    issues = run_label_issues(runs[0])
    if csv_path:
        import pandas as pd

        pd.DataFrame(issues).to_csv(csv_path, index=False, encoding="utf-8-sig")
    print(f"{len(issues)} rows whose label is probably wrong (confident learning), least likely label first:")
    for issue in issues[:top]:
        text = issue["text"] if len(issue["text"]) <= 60 else issue["text"][:57] + "..."
        print(
            f"{issue['rank']:>4}  {issue['given_label']} -> {issue['suggested_label']}  "
            f"p(given) {issue['given_probability']:.3f}  p(suggested) {issue['suggested_probability']:.3f}  {text}"
        )
    return 0
