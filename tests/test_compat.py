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

    from finetune.training import StudioTrainer

    assert callable(getattr(Trainer, compat.TRAINER_EVAL_SAMPLER_HOOK, None)), \
        "transformers.Trainer._get_eval_sampler is gone: update finetune/compat.py"
    assert StudioTrainer._get_eval_sampler is not Trainer._get_eval_sampler
    assert compat.check_eval_sampler_hook(Trainer) is True


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
        assert compat.check_eval_sampler_hook(object) is False
    assert "Update finetune/compat.py" in caplog.text
