import numpy as np
import pytest
import torch

from finetune.errors import CheckpointError, ColumnMappingError, DataError
from finetune.predict.predictor import CACHE_SIZE, Predictor, _predictors, get_predictor, predict_frame
from finetune.runs.run import Run
from tests.helpers import fake_cpu_flags, first_linear_dtypes


@pytest.fixture(scope="module")
def predictor(tiny_checkpoint_with_head):
    """fp32, so results compare exactly with transformers' pipeline (auto may pick bf16 on this CPU)."""
    return Predictor(str(tiny_checkpoint_with_head), precision="fp32")


@pytest.mark.parametrize(("has_bf16", "expected"), [(True, torch.bfloat16), (False, torch.float32)])
def test_prediction_computes_in_the_precision_auto_picked(monkeypatch, tiny_checkpoint_with_head, has_bf16, expected):
    """auto: bf16 autocast around the forward on a CPU with bf16 instructions, fp32 on one without; the
    logits come back as float32 and close to fp32's either way."""
    fake_cpu_flags(monkeypatch, avx512_bf16=has_bf16)
    texts = ["a short text", "another, longer text to classify"]
    auto = Predictor(str(tiny_checkpoint_with_head), device="cpu")
    assert auto.precision.name == ("bf16" if has_bf16 else "fp32")
    seen = first_linear_dtypes(auto.model)
    logits = auto.logits(texts)
    assert seen and set(seen) == {expected}
    assert logits.dtype == np.float32
    reference = Predictor(str(tiny_checkpoint_with_head), device="cpu", precision="fp32").logits(texts)
    assert np.abs(logits - reference).max() < 0.05


def test_probabilities_sum_to_one_in_id2label_order(predictor):
    results = predictor.predict(["good movie", "bad movie", "the world"])
    for r in results:
        assert list(r.probabilities) == [predictor.id2label[i] for i in range(3)]
        assert sum(r.probabilities.values()) == pytest.approx(1.0)
        assert r.label == max(r.probabilities, key=r.probabilities.get)


def test_results_equal_transformers_pipeline(predictor, tiny_checkpoint_with_head):
    from transformers import pipeline

    pipe = pipeline("text-classification", model=str(tiny_checkpoint_with_head))
    texts = ["good movie", "the world was terrible", "hello"]
    ours = predictor.predict(texts)
    theirs = pipe(texts, top_k=None)
    for mine, ref in zip(ours, theirs):
        for entry in ref:
            assert mine.probabilities[entry["label"]] == pytest.approx(entry["score"], abs=1e-5)


def test_batches_sorted_by_length_return_input_order(predictor):
    texts = ["good " * n for n in (1, 30, 5, 12, 2)]
    batched = predictor.logits(texts, batch_size=2)
    one_by_one = np.stack([predictor.logits([t])[0] for t in texts])
    assert np.allclose(batched, one_by_one, atol=1e-4)


def test_pairs_reach_the_model_with_both_segments(predictor, monkeypatch):
    seen = {}
    original = predictor.model.forward

    def spy(**kwargs):
        seen["types"] = kwargs["token_type_ids"].tolist()
        return original(**kwargs)

    monkeypatch.setattr(predictor.model, "forward", spy)
    predictor.predict(["the movie"], ["the world"])
    assert set(seen["types"][0]) == {0, 1}


def test_explain_spells_out_the_pipeline(predictor):
    exp = predictor.explain("good movie", "bad movie")
    assert exp.tokens[0] == "[CLS]" and exp.tokens.count("[SEP]") == 2
    assert sum(exp.probabilities) == pytest.approx(1.0)
    assert exp.prediction == exp.id2label[int(np.argmax(exp.logits))]


def test_cache_is_bounded_and_reuses(tiny_checkpoint_with_head):
    _predictors.entries.clear()
    first = get_predictor(str(tiny_checkpoint_with_head))
    assert get_predictor(str(tiny_checkpoint_with_head)) is first
    assert len(_predictors.entries) <= CACHE_SIZE


def test_clear_messages(predictor, tmp_path):
    with pytest.raises(DataError, match="empty"):
        predictor.predict(["fine", "  "])
    with pytest.raises(CheckpointError, match="unreachable"):
        Predictor("nobody/no-such-model")
    import pandas as pd

    with pytest.raises(ColumnMappingError, match="a column of the file"):
        predict_frame(predictor, pd.DataFrame({"body": ["x"]}), text_column="text")


def test_a_base_checkpoint_is_known_to_have_an_untrained_head(tiny_checkpoint, finished_tiny_run):
    base = Predictor(str(tiny_checkpoint))
    assert not base.head_trained and any(name.startswith("classifier") for name in base.untrained_weights)
    assert "no trained classification head" in base.head_warning()
    trained = Predictor(str(finished_tiny_run))
    assert trained.head_trained and trained.head_warning() is None


def test_cli_predict_with_a_base_checkpoint_warns_on_stderr(tiny_checkpoint):
    import subprocess
    import sys

    from tests.helpers import PROJECT_ROOT, cli_env

    out = subprocess.run(
        [sys.executable, "-m", "finetune", "predict", "--model", str(tiny_checkpoint), "--text", "ok"],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert out.returncode == 0 and '"probabilities"' in out.stdout
    assert "WARNING" in out.stderr and "no trained classification head" in out.stderr


def test_a_pair_given_to_a_single_text_model_and_the_reverse_are_warned(finished_tiny_run, tmp_path):
    import json
    import shutil
    import subprocess
    import sys

    from tests.helpers import PROJECT_ROOT, cli_env

    single = Predictor(str(finished_tiny_run))
    assert single.trained_on_pairs is False
    assert "trained on single texts" in single.pair_warning(True) and single.pair_warning(False) is None
    pair_run = tmp_path / "pair-run"
    shutil.copytree(finished_tiny_run, pair_run)
    report_path = pair_run / "data_report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    report["columns"]["text_pair"] = "sentence2"
    report_path.write_text(json.dumps(report), encoding="utf-8")
    pair = Predictor(str(pair_run))
    assert "trained on sentence pairs" in pair.pair_warning(False) and pair.pair_warning(True) is None
    command = [sys.executable, "-m", "finetune", "predict", "--model", str(finished_tiny_run), "--text", "good"]
    done = subprocess.run(
        command + ["--text-pair", "bad"], capture_output=True, text=True, env=cli_env(), cwd=PROJECT_ROOT, timeout=120
    )
    assert done.returncode == 0 and "WARNING:" in done.stderr and "trained on single texts" in done.stderr


# -- task types -----------------------------------------------------------------------------------------
def test_a_multi_label_model_predicts_the_labels_at_its_saved_threshold_or_one_given(multi_label_run):
    from finetune.evaluation.multi_label import sigmoid

    run_predictor = Predictor(str(multi_label_run), precision="fp32")
    saved = Run(multi_label_run).metrics()["validation"]["threshold"]
    assert run_predictor.task == "multi_label" and run_predictor.threshold == pytest.approx(saved)
    texts = ["I was charged twice and want my money back", "the app crashes on login"]
    logits = run_predictor.logits(texts)
    for threshold in (None, 0.0001, 0.9999, 0.5):
        results = run_predictor.predict(texts, threshold=threshold)
        cut = saved if threshold is None else threshold
        for result, row in zip(results, sigmoid(logits)):
            expected = [run_predictor.labels[j] for j in np.flatnonzero(row >= cut)]
            assert result.labels == expected and result.threshold == pytest.approx(cut)
            assert list(result.probabilities.values()) == pytest.approx(row.tolist())
            assert result.to_dict()["labels"] == expected and result.to_dict()["task"] == "multi_label"
    assert run_predictor.predict(texts, threshold=0.0001)[0].labels == run_predictor.labels
    assert run_predictor.predict(texts, threshold=0.9999)[0].labels == []


def test_a_regression_model_predicts_its_number(regression_run):
    run_predictor = Predictor(str(regression_run), precision="fp32")
    assert run_predictor.task == "regression" and run_predictor.labels == ["score"]
    first, second = ["A man is playing a guitar.", "A cat sleeps."], ["A man plays the guitar.", "A dog runs."]
    results = run_predictor.predict(first, second)
    logits = run_predictor.logits(first, second)
    assert [r.value for r in results] == pytest.approx(logits[:, 0].tolist())
    assert all(r.task == "regression" and r.probabilities == {} and r.labels is None for r in results)
    assert results[0].to_dict()["value"] == results[0].value


def test_label_rows_columns_follow_the_task(multi_label_run, regression_run):
    from finetune.predict.predictor import label_rows

    tickets = Predictor(str(multi_label_run), precision="fp32")
    table = label_rows(tickets, ["refund please", "cannot log in"], None, "text", None, threshold=0.0001)
    assert list(table.columns) == ["text", "predicted_labels", "threshold"] + [f"p({n})" for n in tickets.labels]
    assert table["predicted_labels"][0] == "|".join(tickets.labels) and table["threshold"][0] == 0.0001
    sts = Predictor(str(regression_run), precision="fp32")
    table = label_rows(sts, ["a man sings"], ["a man is singing"], "sentence1", "sentence2")
    assert list(table.columns) == ["sentence1", "sentence2", "predicted_score"]
    assert table["predicted_score"][0] == pytest.approx(sts.predict(["a man sings"], ["a man is singing"])[0].value)
