"""Pins the private attributes finetune/compat.py patches: an upgrade that renames one fails here, loudly."""

import warnings

import pytest

from finetune import compat


def test_gradio_queue_has_the_polls_we_calm():
    gr = pytest.importorskip("gradio")
    with gr.Blocks() as demo:
        gr.Markdown("x")
    demo.queue()
    queue = demo._queue
    for attribute in compat.GRADIO_QUEUE_POLLS:
        assert hasattr(queue, attribute), f"gradio.Blocks._queue.{attribute} is gone: update finetune/compat.py"
    with warnings.catch_warnings():
        warnings.simplefilter("error", compat.CompatWarning)
        assert compat.calm_gradio_queue(demo) is True
    assert queue.sleep_when_free == 0.05 and queue.progress_update_sleep_when_free == 0.25


def test_trainer_has_the_eval_sampler_hook_we_override():
    from transformers import Trainer

    from finetune.train.training import StudioTrainer

    assert callable(getattr(Trainer, compat.TRAINER_EVAL_SAMPLER_HOOK, None)), (
        "transformers.Trainer._get_eval_sampler is gone: update finetune/compat.py"
    )
    assert StudioTrainer._get_eval_sampler is not Trainer._get_eval_sampler
    assert StudioTrainer._get_train_sampler is not Trainer._get_train_sampler
    assert compat.check_trainer_hooks(Trainer) is True


def test_missing_attributes_warn_instead_of_passing_silently(caplog):
    class FakeQueue:
        sleep_when_free = 0.001

    class FakeBlocks:
        _queue = FakeQueue()

    with pytest.warns(compat.CompatWarning, match="progress_update_sleep_when_free"):
        assert compat.calm_gradio_queue(FakeBlocks()) is False
    with pytest.warns(compat.CompatWarning, match="_queue"):
        assert compat.calm_gradio_queue(object()) is False
    with pytest.warns(compat.CompatWarning, match="_get_eval_sampler"):
        assert compat.check_trainer_hooks(object) is False
    with pytest.warns(compat.CompatWarning, match="_get_train_sampler"):
        assert compat.check_trainer_hooks(object) is False
    assert "Update finetune/compat.py" in caplog.text


def test_group_by_length_uses_the_stored_lengths_not_a_pass_over_every_row(tiny_checkpoint, tmp_path):
    """Trainer drops the ``length`` column before building its sampler, then measures every row in Python; the
    studio's trainer gives transformers' LengthGroupedSampler the lengths the tokenizer stored."""
    import datasets
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, TrainingArguments
    from transformers.trainer_pt_utils import LengthGroupedSampler

    from finetune.train.training import StudioTrainer

    rows = {
        "input_ids": [[101, 7, 102], [101, 7, 7, 7, 102]],
        "attention_mask": [[1] * 3, [1] * 5],
        "label": [0, 1],
        "length": [30, 50],
    }  # stored lengths differ from the rows': only they can be read
    args = TrainingArguments(
        output_dir=str(tmp_path),
        train_sampling_strategy="group_by_length",
        per_device_train_batch_size=1,
        report_to=[],
        use_cpu=True,
    )
    trainer = StudioTrainer(
        model=AutoModelForSequenceClassification.from_pretrained(str(tiny_checkpoint), num_labels=2),
        args=args,
        train_dataset=datasets.Dataset.from_dict(rows),
        processing_class=AutoTokenizer.from_pretrained(str(tiny_checkpoint)),
    )
    sampler = trainer._get_train_sampler()
    assert isinstance(sampler, LengthGroupedSampler) and list(sampler.lengths) == [30, 50]
