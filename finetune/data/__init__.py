"""Data: read a dataset string (file, folder, Hub id) into splits, detect and map columns, encode labels, clean, split.

Flow: :mod:`.loading` (with :mod:`.file_checks` and :mod:`.saved_folders`) -> :mod:`.column_detection`
-> :mod:`.preparation` (label encoding and cleaning on whole columns in :mod:`.arrow_columns`); :mod:`.eval_cap`
bounds the evaluation rows and :mod:`.caches` says where prepared data is kept.
"""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "load_raw": "loading",
    "read_table": "loading",
    "FILE_TYPES": "names",
    "dataset_short_name": "names",
    "ColumnMapping": "column_detection",
    "detect_columns": "column_detection",
    "detect_text_column": "column_detection",
    "prepare_data": "preparation",
    "PreparedData": "preparation",
    "DataReport": "preparation",
    "infer_label_names": "preparation",
    "clear_caches": "caches",
    "describe_data_cache": "caches",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
