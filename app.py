"""Start the fine-tuning studio.

    python app.py [--host H] [--port P] [--share] [--public] [--runs-dir D] [--lang zh|en]

Flags win over environment variables (GRADIO_SERVER_NAME, GRADIO_SERVER_PORT, STUDIO_RUNS_DIR,
STUDIO_PUBLIC). This file only parses options, builds the Blocks from ui/ (a module-level ``demo``)
and launches.
"""

from __future__ import annotations

import argparse
import os
import sys


def start_queue_worker(settings, interval: float = 2.0) -> None:
    """Public mode: start queued runs (one at a time, first come first served) as soon as no training runs.

    Outside public mode nothing is ever queued (Start is refused while a run is active), so there
    is no worker. A failure is logged with its traceback and the worker goes on.
    """
    import logging
    import threading
    import time

    from finetune.train.jobs import start_next_queued

    def loop() -> None:
        while True:
            try:
                start_next_queued(settings.runs_dir, max_concurrent=settings.max_concurrent)
            except Exception:  # a broken run folder must not stop the queue
                logging.getLogger("studio").exception("queue worker: starting the next queued run failed")
            time.sleep(interval)

    if settings.public:
        threading.Thread(target=loop, name="queue-worker", daemon=True).start()


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's options; environment variables give the defaults."""
    parser = argparse.ArgumentParser(description="Fine-tuning studio (Gradio app)")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--share", action="store_true", help="create a public gradio.live link")
    parser.add_argument(
        "--public",
        action="store_true",
        default=None,
        help="public mode: no arbitrary server paths, capped uploads (default on a Space)",
    )
    parser.add_argument(
        "--runs-dir", default=None, help="where runs are written (default: runs, /data/runs on a Space)"
    )
    parser.add_argument("--max-upload-mb", type=int, default=50)
    parser.add_argument(
        "--lang",
        choices=("zh", "en"),
        default=None,
        help="the page's language (中文/English) unless a visitor picks one with the switch; "
        "default: each browser's own language (env STUDIO_LANG)",
    )
    return parser.parse_args(argv)


def build_demo(options: argparse.Namespace):
    """The app's Blocks, queued, and its settings, for these options (nothing is started: see :func:`launch`)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from finetune.compat import calm_gradio_queue
    from ui.page import build_studio
    from ui.settings import detect_settings

    settings = detect_settings(options.runs_dir, options.public, options.max_upload_mb, options.lang)
    if settings.public:
        from finetune.safety import install_fence

        install_fence(settings.allowed_roots())  # every engine entry point now checks the paths it reads
    blocks, _ = build_studio(settings)
    blocks.queue(default_concurrency_limit=4)
    calm_gradio_queue(blocks)
    return blocks, settings


def launch(blocks, settings, options: argparse.Namespace) -> None:
    """Serve ``blocks`` until Ctrl+C, with the background work the app needs (imports, the public queue)."""
    from ui.page import launch_options
    from ui.warmup import warm_up_in_background

    warm_up_in_background()
    start_queue_worker(settings)
    blocks.launch(
        server_name=options.host,
        server_port=options.port,
        share=options.share,
        prevent_thread_lock=True,
        **launch_options(settings),
    )
    serve_until_interrupted(blocks)


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


# The module-level app: ``gradio app.py`` (reload mode) and ``from app import demo`` find it here.
# Run as a script, the command line's options apply; imported, the environment's defaults do.
OPTIONS = parse_options(sys.argv[1:] if __name__ == "__main__" else [])
demo, SETTINGS = build_demo(OPTIONS)

if __name__ == "__main__":
    launch(demo, SETTINGS, OPTIONS)
