"""The automatic cap on evaluation rows: a large validation/test split is scored on a seeded sample.

Why: after training, every validation (and test) row used to be scored, even with
``--eval_strategy no --max_steps 1``, and on Yelp-sized data that took most of a run's time
(benchmarks/README.md, data_scale). A metric on 10,000 rows is already within about a point
(the 95% interval of an accuracy near 0.5 is 1.96 * sqrt(0.25 / 10000)), so the default stops there.

The rules (``max_eval_samples`` in the data config):

- set: that many rows, as before (``data.prepare_data`` applies it); no automatic cap;
- not set, and a split holds at most :data:`EVAL_CAP_ROWS` rows: every row;
- not set, and a split holds more: a seeded sample of :data:`EVAL_CAP_ROWS` rows, exactly the rows
  ``max_eval_samples=10000`` would pick (shuffled with ``split_seed``, the first N), and the run's
  log says so (:meth:`EvalCap.note`);
- to score every row of a large split, set ``max_eval_samples`` to the split's size or more.

Per-epoch evaluation during training scores the same capped rows as the final report: the
curves and the final metrics then describe the same rows, and each evaluation costs as little
as the final one. Cross-validation folds are exempt (their out-of-fold predictions must cover
every row): they set ``max_eval_samples`` to the fold's size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

from finetune.config.run_config import EVAL_CAP_ROWS
from finetune.data.arrow_columns import column
from finetune.data.preparation import prepared_counts
from finetune.data.regression import target_stats

CAPPED_SPLITS = ("validation", "test")


@dataclass(frozen=True)
class EvalCap:
    """The cap applied to a run: ``cap`` rows for each split in ``full_sizes`` (its rows before the cap)."""

    cap: int
    full_sizes: dict[str, int]

    def note(self) -> str:
        """One line for the run's log and the page, saying what was capped and how to score everything."""
        splits = " and ".join(f"{size:,} {name}" for name, size in self.full_sizes.items())
        largest = max(self.full_sizes.values())
        return (
            f"evaluation capped at {self.cap:,} of {splits} rows (max_eval_samples not set: a large split is "
            f"scored on a seeded sample, per epoch and at the end). To score every row, set max_eval_samples "
            f"to {largest:,} or more."
        )

    def to_dict(self) -> dict[str, Any]:
        return {"cap": self.cap, "full_sizes": dict(self.full_sizes)}


def resolve_eval_cap(
    split_sizes: dict[str, int], max_eval_samples: Optional[int], cap: Optional[int] = None
) -> Optional[EvalCap]:
    """The cap for splits of these sizes, or None when every row is scored (small splits, explicit value)."""
    cap = EVAL_CAP_ROWS if cap is None else cap
    if max_eval_samples is not None:
        return None
    over = {name: int(size) for name, size in split_sizes.items() if name in CAPPED_SPLITS and size > cap}
    return EvalCap(cap, over) if over else None


def eval_cap_note(split_sizes: dict[str, int], max_eval_samples: Optional[int]) -> Optional[str]:
    """What a data preview should say about the final evaluation (None: every row is scored)."""
    found = resolve_eval_cap(split_sizes, max_eval_samples)
    return found.note() if found else None


def apply_eval_cap(prepared: Any, config: Any) -> tuple[Any, Optional[EvalCap]]:
    """``prepared`` (data.PreparedData made with ``config``, a DataConfig) with large validation/test splits
    sampled down; returns (the new PreparedData, the cap applied or None).

    The sample is the one an explicit ``max_eval_samples`` would take: ``shuffle(seed)`` then the
    first ``cap`` rows. The report's split sizes and label counts describe the rows kept.
    """
    import datasets

    report = prepared.report
    sizes = {name: len(split) for name, split in prepared.splits.items()}
    found = resolve_eval_cap(sizes, config.max_eval_samples)
    if found is None:
        return prepared, None
    splits = dict(prepared.splits)
    for name in found.full_sizes:
        splits[name] = splits[name].shuffle(seed=config.split_seed).select(range(found.cap))
    sizes = {name: len(split) for name, split in splits.items()}
    counts = dict(report.label_counts)
    stats = dict(report.target_stats)
    for name in found.full_sizes:
        counts[name] = prepared_counts(splits[name], prepared.label_names, report.task)
        if name in stats:
            stats[name] = target_stats(column(splits[name], "label"))
    new_report = replace(report, split_sizes=sizes, label_counts=counts, target_stats=stats, notes=list(report.notes))
    return replace(prepared, splits=datasets.DatasetDict(splits), report=new_report), found
