"""The Gradio UI: one module per tab. A thin layer: widgets -> RunConfig -> engine calls."""
