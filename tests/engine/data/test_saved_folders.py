"""Saved Hugging Face dataset folders and legacy Hub ids (finetune/hf_folders.py, finetune/data.py)."""

import pandas as pd
import pytest

from finetune.config.run_config import DataConfig
from finetune.data.loading import LEGACY_HUB_IDS, legacy_id_note, load_hub
from finetune.data.preparation import prepare_data
from finetune.errors import DataError

ROWS = {
    "sentence": ["good film", "bad film", "great", "awful", "fine", "poor", "nice", "dull"] * 2,
    "label": [1, 0, 1, 0, 1, 0, 1, 0] * 2,
}


def test_save_to_disk_folder_loads_its_splits(tmp_path):
    import datasets

    folder = tmp_path / "saved"
    datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict(ROWS),
            "validation": datasets.Dataset.from_dict({k: v[:4] for k, v in ROWS.items()}),
        }
    ).save_to_disk(str(folder))
    prepared = prepare_data(DataConfig(dataset=str(folder)))
    assert prepared.report.split_sizes == {"train": 16, "validation": 4}
    assert prepared.report.validation_source == "split 'validation'"


@pytest.mark.parametrize("where", ["", "data", "mrpc"])
def test_parquet_shards_named_like_the_hub_load(tmp_path, where):
    folder = tmp_path / "glue"
    place = folder / where if where else folder
    place.mkdir(parents=True)
    pd.DataFrame(ROWS).to_parquet(place / "train-00000-of-00002.parquet")
    pd.DataFrame(ROWS).to_parquet(place / "train-00001-of-00002.parquet")
    pd.DataFrame({k: v[:6] for k, v in ROWS.items()}).to_parquet(place / "validation-00000-of-00001.parquet")
    prepared = prepare_data(DataConfig(dataset=str(folder), dataset_config="mrpc"))
    assert prepared.report.split_sizes == {"train": 32, "validation": 6}


def test_legacy_ids_map_to_owner_ids_with_a_note():
    assert LEGACY_HUB_IDS["glue"] == "nyu-mll/glue"
    assert LEGACY_HUB_IDS["imdb"] == "stanfordnlp/imdb"
    assert LEGACY_HUB_IDS["yelp_review_full"] == "Yelp/yelp_review_full"
    note = legacy_id_note(DataConfig(dataset="imdb"))
    assert "stanfordnlp/imdb" in note
    assert legacy_id_note(DataConfig(dataset="stanfordnlp/imdb")) is None


def test_legacy_id_is_loaded_as_its_owner_id(monkeypatch):
    import datasets

    import finetune.data.loading as loading

    asked = []
    monkeypatch.setattr(loading, "hub_is_reachable", lambda: True)
    monkeypatch.setattr(datasets, "load_dataset", lambda name, cfg=None: asked.append((name, cfg)) or {})
    load_hub("glue", "mrpc")
    assert asked == [("nyu-mll/glue", "mrpc")]
    with pytest.raises(DataError, match="owner"):
        load_hub("not_a_known_name", None)
