"""The exported script: standalone, same data split as the engine, same accuracy as the run."""

import json
import os
import subprocess
import sys

import pytest

from finetune.config.run_config import config_from_flat
from finetune.data.preparation import prepare_data
from finetune.errors import ConfigError, RunError
from finetune.export.script import export_script
from finetune.export.styles import STYLES
from finetune.jsonfiles import write_json
from finetune.runs.run import Run
from tests.helpers import EXAMPLES, cli_env, shared_data_or_skip


def _run_folder(tmp_path, **flat):
    """A run folder as the engine leaves it after data preparation (config + data report), no training."""
    config = config_from_flat({"runs_dir": str(tmp_path / "runs"), **flat})
    run_dir = Run.create(tmp_path, config, "run").path
    prepared = prepare_data(config.data)
    write_json(run_dir / "data_report.json", prepared.report.to_dict())
    return run_dir, prepared


def _script_data(script: str) -> dict:
    """Run the script's data part (everything before the tokenizer) and return its splits."""
    namespace: dict = {"__name__": "exported"}
    exec(compile(script.split("# 4. Tokenizer")[0], "train.py", "exec"), namespace)
    return namespace


def _assert_same_splits(script: str, prepared) -> None:
    namespace = _script_data(script)
    raw = namespace["raw"]
    assert sorted(raw) == sorted(prepared.splits)
    assert namespace["LABEL_NAMES"] == prepared.label_names
    for name, split in prepared.splits.items():
        assert raw[name]["text"] == split["text"], name
        assert raw[name]["label"] == split["label"], name
        if prepared.is_pair:
            assert raw[name]["text_pair"] == split["text_pair"], name


def _xlsx_with_numeric_labels(tmp_path):
    """Stars 1/3/5 (sorted -> ids 0/1/2), an empty text and a missing label that must be dropped."""
    import pandas as pd

    frame = pd.read_json(EXAMPLES / "weibo_variety_zh" / "comments.jsonl", lines=True)
    stars = {name: value for value, name in zip((1, 3, 5, 5), sorted(frame["label"].unique()))}
    frame = pd.DataFrame({"comment": frame["review"], "stars": frame["label"].map(stars).astype(float)})
    frame.loc[3, "comment"] = "  "
    frame.loc[7, "stars"] = float("nan")
    path = tmp_path / "reviews.xlsx"
    frame.to_excel(path, index=False)
    return str(path)


def _csv(tmp_path, name, header, rows):
    import csv

    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return str(path)


def _json_list_labels_csv(tmp_path):
    """Labels as JSON lists written into CSV cells (a spreadsheet export of a list column), with an empty list
    (a row with none of the labels: kept), an empty cell (unlabelled: dropped) and an empty text (dropped)."""
    rows = [json.loads(line) for line in (EXAMPLES / "support_tickets_en" / "train.jsonl").open()][:120]
    cells = [[row["text"], json.dumps(row["labels"])] for row in rows]
    cells[5][1], cells[9][1], cells[12][0] = "[]", "", "  "
    return _csv(tmp_path, "tickets.csv", ["ticket", "tags"], cells)


def _scores_with_gaps_csv(tmp_path):
    """Regression targets as text with spaces, an empty cell and NaN (both dropped, as the run drops them)."""
    rows = list(_csv_rows(EXAMPLES / "sts_pairs_en" / "train.csv"))[:150]
    rows[3][2], rows[7][2], rows[11][2] = " 2.5 ", "", "nan"
    return _csv(tmp_path, "scores.csv", ["a", "b", "similarity"], rows)


def _csv_rows(path):
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


@pytest.mark.parametrize(
    "case",
    [
        "folder_strings",
        "jsonl_held_out",
        "pairs",
        "xlsx_numbers",
        "subsampled",
        "multi_label_lists",
        "multi_label_delimited_held_out",
        "multi_label_json_text",
        "regression_pairs",
        "regression_held_out_with_gaps",
    ],
)
def test_script_reads_the_same_rows_into_the_same_splits(tmp_path, case):
    flat = {
        "folder_strings": {"dataset": "examples/data/sentiment_en"},
        "jsonl_held_out": {
            "dataset": "examples/data/weibo_variety_zh/comments.jsonl",
            "text_column": "review",
            "validation_size": 0.2,
            "split_seed": 7,
        },
        "pairs": {"dataset": "examples/data/paraphrase_en"},
        "xlsx_numbers": {},
        "subsampled": {"max_train_samples": 50, "max_eval_samples": 30},
        "multi_label_lists": {"dataset": "examples/data/support_tickets_en", "max_train_samples": 200},
        "multi_label_delimited_held_out": {
            "dataset": "examples/data/weibo_tags_zh/comments.csv",
            "label_delimiter": "|",
            "validation_size": 0.2,
            "split_seed": 3,
        },
        "multi_label_json_text": {"task": "multi_label"},
        "regression_pairs": {"dataset": "examples/data/sts_pairs_en", "max_eval_samples": 100},
        "regression_held_out_with_gaps": {"text_column": "a", "text_pair_column": "b", "validation_size": 0.25},
    }[case]
    if case == "xlsx_numbers":
        flat = {"dataset": _xlsx_with_numeric_labels(tmp_path), "label_names": "one,three,five"}
    if case == "subsampled":
        flat["dataset"] = str(shared_data_or_skip("rotten_tomatoes"))
    if case == "multi_label_json_text":
        flat["dataset"] = _json_list_labels_csv(tmp_path)
    if case == "regression_held_out_with_gaps":
        flat["dataset"] = _scores_with_gaps_csv(tmp_path)
    run_dir, prepared = _run_folder(tmp_path, checkpoint="bundled-minilm", **flat)
    script = export_script(run_dir)
    if case == "jsonl_held_out":
        assert 'stratify_by_column="label"' in script
    if case == "multi_label_delimited_held_out":
        assert "iterative_stratification(np.array(raw" in script and 'LABEL_DELIMITER = "|"' in script
    if case == "multi_label_json_text":
        assert prepared.report.dropped["train"] == {"empty_text": 1, "missing_label": 1}
        assert "LABEL_DELIMITER = None" in script  # read as JSON lists: no delimiter needed
    if case == "regression_held_out_with_gaps":
        assert prepared.report.dropped["train"]["missing_label"] == 2
        assert "train_test_split(test_size=0.25, seed=SPLIT_SEED)" in script  # random: no stratification
    _assert_same_splits(script, prepared)


@pytest.mark.parametrize("style", STYLES)
def test_a_multi_label_script_decides_at_the_runs_tuned_threshold(tmp_path, style):
    """The final scores at the threshold the run tuned (read from its metrics.json), evaluations during training
    at the configured one; multi-hot labels, problem_type, the task's metrics and best-model metric."""
    run_dir, _ = _run_folder(
        tmp_path,
        checkpoint="bundled-minilm",
        dataset="examples/data/support_tickets_en",
        tune_threshold=True,
        threshold=0.6,
        load_best_model_at_end=True,
        eval_strategy="epoch",
        save_strategy="epoch",
    )
    write_json(run_dir / "metrics.json", {"validation": {"task": "multi_label", "threshold": 0.35, "metrics": {}}})
    script = export_script(run_dir, style)
    compile(script, "train.py", "exec")
    for piece in (
        "THRESHOLD = 0.35  # a label is predicted when its probability reaches this: the run tuned it",
        "TRAINING_THRESHOLD = 0.6",
        'PROBLEM_TYPE = "multi_label_classification"',
        "problem_type=PROBLEM_TYPE,",
        'Sequence(Value("float32"), length=len(LABEL_NAMES))',
        "hamming_loss(references, predictions)",
        '"subset_accuracy": float(accuracy_score(references, predictions))',
    ):
        assert piece in script, piece
    if style == "trainer":
        assert 'metric_for_best_model="f1_micro"' in script
        assert "compute_metrics(eval_pred, THRESHOLD)" in script
    else:
        assert 'BEST_METRIC = "f1_micro"' in script and "GREATER_IS_BETTER = True" in script
        assert "evaluate_model(model, loader, TRAINING_THRESHOLD)" in script
    assert "ClassLabel" not in script and "matthews" not in script


@pytest.mark.parametrize("style", STYLES)
def test_a_regression_script_reads_numbers_and_scores_correlations(tmp_path, style):
    run_dir, _ = _run_folder(
        tmp_path,
        checkpoint="bundled-minilm",
        dataset="examples/data/sts_pairs_en",
        metric_for_best_model="rmse",
        load_best_model_at_end=True,
        eval_strategy="epoch",
        save_strategy="epoch",
    )
    script = export_script(run_dir, style)
    compile(script, "train.py", "exec")
    for piece in (
        'LABEL_NAMES = ["score"]',
        'PROBLEM_TYPE = "regression"',
        'raw.cast_column("label", Value("float32"))',
        "from scipy.stats import pearsonr, spearmanr",
        '"pearson": correlation(pearsonr, predictions, references)',
        '"rmse": float(np.sqrt(mse))',
    ):
        assert piece in script, piece
    if style == "trainer":
        assert 'metric_for_best_model="rmse"' in script and "greater_is_better=False" in script
    else:
        assert 'BEST_METRIC = "rmse"' in script and "GREATER_IS_BETTER = False" in script
    assert "THRESHOLD" not in script and "ClassLabel" not in script


def test_script_is_standalone_and_valid_python(tmp_path):
    run_dir, _ = _run_folder(
        tmp_path,
        checkpoint="bundled-minilm",
        dataset="examples/data/paraphrase_en",
        early_stopping_patience=2,
        eval_strategy="epoch",
        learning_rate=3e-5,
    )
    script = export_script(run_dir)
    compile(script, "train.py", "exec")
    assert "finetune" not in script.replace("fine-tuning studio", "").replace("python -m finetune", "")
    for piece in (
        "TrainingArguments(",
        "Trainer(",
        "compute_metrics",
        "DataCollatorWithPadding",
        ".map(tokenize",
        "trainer.train()",
        "trainer.predict(",
        "trainer.save_model",
        "learning_rate=3e-05",
        "EarlyStoppingCallback(early_stopping_patience=2)",
        "load_best_model_at_end=True",
    ):
        assert piece in script, piece


def test_a_run_without_data_report_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RunError, match="data_report.json"):
        export_script(tmp_path)


def _run_script(script_text: str, folder, *args: str) -> subprocess.CompletedProcess:
    """The script in a fresh process, without this project on the path (it must not need it)."""
    script = folder / "train.py"
    script.write_text(script_text, encoding="utf-8")
    env = {k: v for k, v in cli_env().items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, str(script), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=1800
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def finished_minilm_run(tmp_path_factory):
    """One real run of the bundled checkpoint on 480 rotten_tomatoes reviews, scored on 300 others."""
    from finetune.train.training import run_training

    tmp_path = tmp_path_factory.mktemp("minilm-run")
    config = config_from_flat(
        {
            "checkpoint": "bundled-minilm",
            "dataset": str(shared_data_or_skip("rotten_tomatoes")),
            "runs_dir": str(tmp_path / "runs"),
            "max_train_samples": 480,
            "max_eval_samples": 300,
            "num_train_epochs": 2,
            "learning_rate": 1e-4,
            "warmup_ratio": 0.1,
            "max_length": 32,
            "save_strategy": "no",
        }
    )
    run_dir = Run.create(tmp_path, config, "run").path
    assert run_training(config, run_dir)["status"] == "finished"
    return run_dir, json.loads((run_dir / "metrics.json").read_text())["validation"]["metrics"]["accuracy"]


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_each_style_reproduces_the_runs_accuracy(tmp_path, finished_minilm_run, style):
    """The run, then its script in a fresh process: validation accuracy within 1.5 points."""
    run_dir, run_accuracy = finished_minilm_run
    _run_script(export_script(run_dir, style), tmp_path, str(tmp_path / "out"))
    script_accuracy = json.loads((tmp_path / "out" / "eval_results.json").read_text())["eval_accuracy"]
    print(f"{style}: validation accuracy: run {run_accuracy:.4f}, exported script {script_accuracy:.4f}")
    assert abs(script_accuracy - run_accuracy) <= 0.015, (style, script_accuracy, run_accuracy)
    assert os.path.isfile(tmp_path / "out" / "model.safetensors")


TASK_RUNS = {
    # the threshold is tuned on validation after training; the script's final scores use the tuned one
    "multi_label": {"dataset": "examples/data/support_tickets_en", "tune_threshold": True, "num_train_epochs": 2},
    # regression learns the targets' scale first: a higher rate and more epochs than classification
    "regression": {"dataset": "examples/data/sts_pairs_en", "learning_rate": 3e-4, "num_train_epochs": 4},
}
MAIN_METRICS = {"multi_label": "f1_micro", "regression": "pearson"}


@pytest.fixture(scope="module")
def finished_task_runs(tmp_path_factory):
    """A real run of the bundled checkpoint per task on 320 of its example rows, scored on 100 others:
    {task: (run folder, validation main metric)}."""
    from finetune.train.training import run_training

    tmp_path = tmp_path_factory.mktemp("task-runs")
    runs = {}
    for task, flat in TASK_RUNS.items():
        config = config_from_flat(
            {
                "checkpoint": "bundled-minilm",
                "runs_dir": str(tmp_path / "runs"),
                "max_train_samples": 320,
                "max_eval_samples": 100,
                "learning_rate": 1e-4,
                "warmup_ratio": 0.1,
                "max_length": 48,
                "save_strategy": "no",
                **flat,
            }
        )
        run_dir = Run.create(tmp_path, config, task).path
        assert run_training(config, run_dir)["status"] == "finished"
        validation = json.loads((run_dir / "metrics.json").read_text())["validation"]
        runs[task] = run_dir, validation["metrics"][MAIN_METRICS[task]]
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("task", list(TASK_RUNS))
def test_each_style_reproduces_the_main_metric_of_each_task(tmp_path, finished_task_runs, task, style):
    """A multi-label run (micro F1 at its tuned threshold) and a regression run (Pearson), then their scripts
    in a fresh process: the same main metric within 1.5 points."""
    run_dir, run_score = finished_task_runs[task]
    _run_script(export_script(run_dir, style), tmp_path, str(tmp_path / "out"))
    metric = MAIN_METRICS[task]
    script_score = json.loads((tmp_path / "out" / "eval_results.json").read_text())[f"eval_{metric}"]
    print(f"{task} {style}: validation {metric}: run {run_score:.4f}, exported script {script_score:.4f}")
    assert abs(script_score - run_score) <= 0.015, (task, style, script_score, run_score)
    if task == "multi_label":
        saved = json.loads((tmp_path / "out" / "config.json").read_text())
        tuned = json.loads((run_dir / "metrics.json").read_text())["validation"]["threshold"]
        assert saved["decision_threshold"] == tuned and saved["problem_type"] == "multi_label_classification"


def _kfold_run(tmp_path, checkpoint, **flat):
    """A k-fold parent run as the engine leaves it after data preparation, with one fold's child run."""
    from finetune.train.cross_validation import fold_config, make_folds

    config = config_from_flat(
        {
            "runs_dir": str(tmp_path / "runs"),
            "checkpoint": str(checkpoint),
            "dataset": "examples/data/weibo_variety_zh/comments.jsonl",
            "text_column": "review",
            "cv_folds": 3,
            "cv_final_model": True,
            "add_unknown_tokens": 40,
            "num_train_epochs": 1,
            "max_length": 32,
            **flat,
        }
    )
    run = Run.create(tmp_path, config, "cv")
    prepared = prepare_data(config.data, hold_out=False)
    write_json(run.data_report_path, prepared.report.to_dict())
    folds = make_folds(prepared.splits["train"]["label"], prepared.label_names, 3, config.data.split_seed)
    for i, (_, val) in enumerate(folds, start=1):
        child = fold_config(config, f"cv-fold{i}", is_pair=False, label_names=prepared.label_names, eval_rows=len(val))
        Run.create(run.folds_dir, child, run.fold(i).id)
    return run, prepared, folds


@pytest.mark.parametrize("style", STYLES)
def test_a_kfold_run_exports_a_kfold_script_with_the_vocabulary_extension(tmp_path, style):
    run, _, _ = _kfold_run(tmp_path, "bundled-minilm")
    script = export_script(run.path, style)
    compile(script, "train.py", "exec")
    for piece in (
        "StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SPLIT_SEED)",
        "FOLDS = 3",
        "RUN_FOLDS = range(1, FOLDS + 1)",
        "FINAL_MODEL = True",
        "ADD_UNKNOWN_TOKENS = 40",
        "tokenizer.add_tokens(added)",
        "resize_token_embeddings(len(tokenizer), mean_resizing=False)",
        "classification_report(",
    ):
        assert piece in script, piece
    assert "held_out" not in script  # the folds validate: no 90/10 hold-out


def test_the_kfold_script_trains_every_fold_and_reports_it(tmp_path, tiny_checkpoint):
    """The loop style on the tiny model: per-fold metrics and classification reports, mean ± std, the final
    model, and in each fold the same added vocabulary as the engine adds for that fold's training rows."""
    from finetune.model.tokenization import get_tokenizer
    from finetune.model.vocab import EXTEND_SAMPLE_ROWS, data_texts, extend_tokenizer

    run, prepared, folds = _kfold_run(tmp_path, tiny_checkpoint)
    out = _run_script(export_script(run.path, "loop"), tmp_path, str(tmp_path / "out"))
    results = json.loads((tmp_path / "out" / "cv_results.json").read_text())
    assert sorted(results["folds"]) == ["1", "2", "3"]
    accuracies = [results["folds"][str(i)]["accuracy"] for i in (1, 2, 3)]
    assert results["summary"]["accuracy"]["per_fold"] == accuracies
    assert abs(results["summary"]["accuracy"]["mean"] - sum(accuracies) / 3) < 1e-9
    for i, (train, val) in enumerate(folds, start=1):
        assert f"fold {i}/3: training on {len(train)} rows, validating on {len(val)}" in out.stdout
    assert out.stdout.count("macro avg") == 3  # one classification report per fold
    assert "accuracy: " in out.stdout and " ± " in out.stdout
    assert (tmp_path / "out" / "final" / "model.safetensors").is_file()
    import datasets
    from transformers import AutoTokenizer

    fold_rows = datasets.DatasetDict({"train": prepared.splits["train"].select(folds[0][0])})
    extended, expected = extend_tokenizer(
        get_tokenizer(str(tiny_checkpoint)), data_texts(fold_rows, limit=EXTEND_SAMPLE_ROWS), 40
    )
    saved = AutoTokenizer.from_pretrained(tmp_path / "out" / "fold-1")
    assert len(expected) > 10 and len(saved) == len(extended)
    assert saved.convert_tokens_to_ids(expected) == extended.convert_tokens_to_ids(expected)  # same pieces, same ids


@pytest.mark.parametrize("style", ["trainer", "accelerate"])
def test_one_folds_run_exports_that_folds_training(tmp_path, tiny_checkpoint, style):
    """Exporting <run>/folds/fold-2 used to crash (KeyError: 'label'); now it is the k-fold script for fold 2."""
    run, _, folds = _kfold_run(tmp_path, tiny_checkpoint, cv_final_model=False)
    script = export_script(run.fold(2).path, style)
    assert "RUN_FOLDS = [2]" in script and "FINAL_MODEL = False" in script
    out = _run_script(script, tmp_path, str(tmp_path / "out"))
    assert f"fold 2/3: training on {len(folds[1][0])} rows, validating on {len(folds[1][1])}" in out.stdout
    results = json.loads((tmp_path / "out" / "cv_results.json").read_text())
    assert list(results["folds"]) == ["2"]
    assert not (tmp_path / "out" / "fold-1").exists()


@pytest.mark.parametrize("task", ["multi_label", "regression"])
def test_a_kfold_script_of_each_task_folds_as_the_task_wants_and_reports_its_metrics(tmp_path, tiny_checkpoint, task):
    """Multi-label folds by iterative stratification (equal shares, split_seed), regression by a shuffled KFold;
    each fold's metrics are the task's, with their mean ± std in cv_results.json."""
    import numpy as np
    from sklearn.model_selection import KFold

    from finetune.data.multi_label import iterative_stratification, multi_hot_column

    dataset = {"multi_label": "examples/data/support_tickets_en", "regression": "examples/data/sts_pairs_en"}[task]
    config = config_from_flat(
        {
            "runs_dir": str(tmp_path / "runs"),
            "checkpoint": str(tiny_checkpoint),
            "dataset": dataset,
            "cv_folds": 2,
            "cv_final_model": False,
            "max_train_samples": 60,
            "num_train_epochs": 1,
            "max_length": 32,
        }
    )
    run = Run.create(tmp_path, config, "cv")
    prepared = prepare_data(config.data, hold_out=False)
    write_json(run.data_report_path, prepared.report.to_dict())
    script = export_script(run.path, "trainer")
    out = _run_script(script, tmp_path, str(tmp_path / "out"))
    train = prepared.splits["train"]
    if task == "multi_label":
        part = iterative_stratification(multi_hot_column(train), [0.5, 0.5], config.data.split_seed)
        folds = [(np.flatnonzero(part != i), np.flatnonzero(part == i)) for i in range(2)]
        assert "micro avg" in out.stdout  # the per-label classification report
    else:
        folds = list(KFold(2, shuffle=True, random_state=config.data.split_seed).split(np.zeros(len(train))))
    for i, (train_rows, validation_rows) in enumerate(folds, start=1):
        assert f"fold {i}/2: training on {len(train_rows)} rows, validating on {len(validation_rows)}" in out.stdout
    results = json.loads((tmp_path / "out" / "cv_results.json").read_text())
    main = {"multi_label": "f1_micro", "regression": "pearson"}[task]
    assert sorted(results["folds"]) == ["1", "2"] and "accuracy" not in results["summary"]
    assert results["summary"][main]["per_fold"] == [results["folds"][str(i)][main] for i in (1, 2)]


def test_an_unknown_style_is_refused(tmp_path):
    run_dir, _ = _run_folder(tmp_path, checkpoint="bundled-minilm")
    with pytest.raises(ConfigError, match="trainer or loop or accelerate"):
        export_script(run_dir, "keras")


def test_hub_dataset_and_checkpoint_are_named_by_their_ids(tmp_path):
    config = config_from_flat({"checkpoint": "bert-base-uncased", "dataset": "nyu-mll/glue", "dataset_config": "mrpc"})
    report = {
        "source": "nyu-mll/glue",
        "columns": {"text": "sentence1", "text_pair": "sentence2", "label": "label"},
        "label_names": ["not_equivalent", "equivalent"],
        "validation_source": "split 'validation'",
        "split_sizes": {"train": 3668, "validation": 408, "test": 1725},
    }
    write_json(tmp_path / "config.json", config.to_dict())
    write_json(tmp_path / "data_report.json", report)
    script = export_script(tmp_path)
    compile(script, "train.py", "exec")
    assert 'hub = load_dataset("nyu-mll/glue", "mrpc")' in script
    assert '"validation": hub["validation"]' in script and '"test": hub["test"]' in script
    assert 'CHECKPOINT = "bert-base-uncased"' in script
    assert 'tokenizer(batch["text"], batch["text_pair"]' in script
    assert "LABEL_IDS" not in script  # a ClassLabel keeps its ids
