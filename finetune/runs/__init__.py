"""Runs: the run directory (:class:`Run`, its status and files), its event stream, and comparing runs."""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "Run": "run",
    "RunStatus": "run",
    "list_runs": "run",
    "make_run_id": "run",
    "EventWriter": "events",
    "read_events": "events",
    "format_event": "events",
    "compare_curves": "compare",
    "metrics_table": "compare",
    "config_diff": "compare",
    "clean_checkpoints": "compare",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
