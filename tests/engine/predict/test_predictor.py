import numpy as np
import pytest
import torch

from finetune.errors import CheckpointError, ColumnMappingError, DataError
from finetune.predict.predictor import CACHE_SIZE, Predictor, _predictors, get_predictor, predict_frame
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
