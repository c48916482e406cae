"""Model view latency: hidden states + attention for a 1000-character input (bundled MiniLM, CPU).

    python benchmarks/inspect_latency.py

- cold: the first call, which loads the model (eager attention) into the inspection cache
- inspect: finetune.explore.model_inspection.look_inside on a 1000-character text, warm; target < 2 s
  (one forward pass with output_hidden_states and output_attentions, norms and attention copied out),
  with torch's default threads and with one thread (what a busy machine favours)
- heatmaps: the Model tab's two images for that input (ui.heatmap, Pillow), warm
- card: architecture_card, warm (parameter counts, module tree, config.json)
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from latency import timed as timed_ms  # noqa: E402  (benchmarks/ is the script's own folder)
from results_io import write_result  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TEXT = (
    "An intelligent, funny and moving film: the actors are superb, the story surprises at every turn, and "
    "the photography makes even the quiet scenes glow. "
) * 8


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": statistics.median(ordered), "max": ordered[-1], "n": len(ordered)}


def main() -> None:
    import torch

    from finetune.explore.model_inspection import architecture_card, look_inside
    from ui.tabs.inspect_model import attention_image, norms_image

    text = TEXT[:1000]
    start = time.perf_counter()
    report = look_inside("bundled-minilm", [text])
    cold_ms = (time.perf_counter() - start) * 1000
    inspect_ms = timed_ms(lambda: look_inside("bundled-minilm", [text]), 10)
    heatmap_ms = timed_ms(lambda: (norms_image(report), attention_image(report, 1, 0)), 5)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: no OpenMP barriers to stall when other processes share the cores
    one_thread_ms = timed_ms(lambda: look_inside("bundled-minilm", [text]), 10)
    torch.set_num_threads(threads)
    architecture_card("bundled-minilm")
    card_ms = timed_ms(lambda: architecture_card("bundled-minilm"), 5)
    result = {
        "characters": len(text),
        "tokens": len(report.tokens[0]),
        "cold_first_call_ms": cold_ms,
        "inspect_warm_ms": summary(inspect_ms),
        "inspect_warm_one_thread_ms": summary(one_thread_ms),
        "heatmaps_warm_ms": summary(heatmap_ms),
        "card_warm_ms": summary(card_ms),
        "threads": threads,
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))
    write_result("inspect_latency.json", result)


if __name__ == "__main__":
    main()
