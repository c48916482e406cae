"""Start the fine-tuning studio: ``python app.py [--host H] [--port P] [--share] [--public] [--runs-dir D]``.

Flags win over environment variables (GRADIO_SERVER_NAME, GRADIO_SERVER_PORT, STUDIO_RUNS_DIR,
STUDIO_PUBLIC). This file only parses options, builds the Blocks from ui/ and launches.
"""

from __future__ import annotations

import argparse
import os


def build_app(settings):
    import gradio as gr

    from ui import hub_tab, model_data, predict_tab, tokenizer_tab, train

    widgets: dict = {}
    with gr.Blocks(title="Fine-tuning studio") as demo:
        gr.Markdown("# Fine-tuning studio\nFine-tune BERT-style models for text classification with the Hugging "
                    "Face `Trainer`: pick a checkpoint and data, train with live curves, inspect the tokenizer, "
                    "predict, and push to the Hub." + (" **Public mode**: local paths are limited to uploads, "
                                                        "examples and runs." if settings.public else ""))
        with gr.Tabs():
            with gr.Tab("Model & Data", id="data"):
                data_parts = model_data.build(settings, widgets)
            with gr.Tab("Train", id="train"):
                train_parts = train.build(settings, widgets)
            with gr.Tab("Tokenizer", id="tokenizer"):
                tokenizer_tab.build(settings, widgets)
            with gr.Tab("Predict", id="predict"):
                predict_parts = predict_tab.build(settings, train_parts)
            with gr.Tab("Hub", id="hub"):
                hub_parts = hub_tab.build(settings)
        demo.load(*data_parts["preview"])
        demo.load(predict_parts["refresh"], None, predict_parts["model"])  # runs finished since launch
        demo.load(hub_parts["refresh"], None, hub_parts["run"])
        attached = demo.load(train_parts["attach"], None, train_parts["run_state"])
        attached.then(train_parts["history"], None, [train_parts["table"], train_parts["pick"]])
        train_parts["stream_view"](attached)
    return demo


def start_queue_worker(settings, interval: float = 2.0) -> None:
    """Start queued runs (public mode's one-at-a-time queue) as soon as no training runs."""
    import threading
    import time

    from finetune.jobs import start_next_queued

    def loop() -> None:
        while True:
            try:
                start_next_queued(settings.runs_dir, max_concurrent=settings.max_concurrent)
            except Exception:  # a broken run folder must not stop the queue
                pass
            time.sleep(interval)

    threading.Thread(target=loop, name="queue-worker", daemon=True).start()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Fine-tuning studio (Gradio app)")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--share", action="store_true", help="create a public gradio.live link")
    parser.add_argument("--public", action="store_true", default=None,
                        help="public mode: no arbitrary server paths, capped uploads (default on a Space)")
    parser.add_argument("--runs-dir", default=None, help="where runs are written (default: runs, /data/runs on a Space)")
    parser.add_argument("--max-upload-mb", type=int, default=50)
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.common import detect_settings

    settings = detect_settings(args.runs_dir, args.public, args.max_upload_mb)
    import gradio as gr

    demo = build_app(settings)
    from ui.common import calm_queue_polling, warm_up_in_background

    warm_up_in_background()
    start_queue_worker(settings)
    demo.queue(default_concurrency_limit=4)
    calm_queue_polling(demo)
    demo.launch(
        server_name=args.host, server_port=args.port, share=args.share, theme=gr.themes.Soft(),
        max_file_size=f"{settings.max_upload_mb}mb" if settings.public else None,
        allowed_paths=[str(settings.runs_dir)], footer_links=["api"], ssr_mode=False, prevent_thread_lock=True)
    serve_until_interrupted(demo)


def serve_until_interrupted(demo) -> None:
    """Keep the main thread parked until Ctrl+C, without waking it up.

    gradio's own ``block_thread`` wakes up 10 times a second to check that the server still runs;
    every wake-up on a machine whose cores train through OpenMP slows the training a little
    (benchmarks/ui_vs_cli.py). A lock wait sleeps until a signal arrives.
    """
    import threading

    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("Keyboard interruption: closing the server.")
        demo.close()


if __name__ == "__main__":
    main()
