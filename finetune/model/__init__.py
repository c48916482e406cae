"""The model side: checkpoints (presets, the bundled offline one, Hub-or-local), tokenizers, vocabulary
coverage and token lengths.
"""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "resolve_checkpoint": "checkpoints",
    "bundled_checkpoint_dir": "checkpoints",
    "is_model_folder": "checkpoints",
    "get_tokenizer": "tokenization",
    "encode_splits": "tokenization",
    "inspect_text": "tokenization",
    "inspect_batch": "tokenization",
    "measure_coverage": "vocab",
    "extend_tokenizer": "vocab",
    "length_stats": "token_lengths",
    "dataset_length_stats": "token_lengths",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
