"""The README is a Hugging Face dataset card: its front matter is what the registry renders, and
`datasets.load_dataset` on the repository loads every table, by name, with exactly the Parquet
file's rows and columns, offline; nothing else in the repository (validation/, site/, CSV copies,
frozen releases) becomes a configuration or a split."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT

from pipeline.common.paths import Layout
from pipeline.common.problems import Problems
from pipeline.curation.dataset import dataset_meta
from pipeline.curation.row_counts import load_expected, totals
from pipeline.registry.model import registry
from pipeline.release.dataset_card import DEFAULT_TABLE, card, front_matter, size_category, split_front_matter

REG = registry()
README = (ROOT / "README.md").read_text(encoding="utf-8")

LOAD_EVERY_TABLE = """
import json, sys
import datasets
repo = sys.argv[1]
out = {"configs": sorted(datasets.get_dataset_config_names(repo))}
for name in out["configs"]:
    ds = datasets.load_dataset(repo, name=name)
    out[name] = {split: [d.num_rows, d.column_names] for split, d in ds.items()}
default = datasets.load_dataset(repo, split="train")
out["default"] = [default.num_rows, default.column_names]
print(json.dumps(out))
"""


def _expected_counts() -> dict[str, int]:
    problems = Problems()
    expected = load_expected(Layout.default(), set(REG.tables), problems)
    assert expected is not None and not problems
    return totals(expected)


def test_the_readme_front_matter_is_what_the_registry_renders():
    front, rest = split_front_matter(README)
    assert front == front_matter(REG, dataset_meta(), _expected_counts()), \
        "README.md front matter is stale: run `.venv/bin/python -m pipeline.release.dataset_card`"
    assert rest.startswith("# "), "on GitHub the README must go on with its title right after the front matter"


def test_the_card_has_one_config_per_table_each_on_its_parquet_file_only():
    doc = yaml.safe_load(split_front_matter(README)[0].strip("-\n"))
    assert doc["license"] == "cc-by-4.0" and {"ar", "ru", "zh", "en"} <= set(doc["language"])
    configs = {c["config_name"]: c for c in doc["configs"]}
    assert list(configs) == list(REG.tables)
    assert [n for n, c in configs.items() if c.get("default")] == [DEFAULT_TABLE]
    for name, config in configs.items():
        paths = [f["path"] for f in config["data_files"]]
        assert paths == [f"output/parquet/{name}.parquet"]
        assert not any(p.startswith(("output/validation/", "output/site/", "validation/", "site/")) for p in paths)


def test_the_size_category_counts_every_row_of_every_table():
    assert size_category(999) == "n<1K" and size_category(1_000) == "1K<n<10K"
    rows = sum(_expected_counts().values())
    assert card(REG, dataset_meta(), _expected_counts())["size_categories"] == [size_category(rows)]


@pytest.fixture(scope="module")
def hub_repo(release, tmp_path_factory) -> Path:
    """The repository as the Hub would hold it: the README and the release, with a validation
    report and a site beside the data (both must not be read as data)."""
    repo = tmp_path_factory.mktemp("hub")
    shutil.copy2(ROOT / "README.md", repo / "README.md")
    shutil.copytree(release, repo / "output")
    (repo / "output" / "site").mkdir(exist_ok=True)
    (repo / "output" / "site" / "rows.json").write_text('[{"not": "data"}]\n', encoding="utf-8")
    (repo / "output" / "site" / "rows.csv").write_text("not,data\n1,2\n", encoding="utf-8")
    return repo


def test_load_dataset_loads_every_table_offline_with_the_parquet_rows_and_columns(hub_repo, tmp_path):
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), HF_DATASETS_CACHE=str(tmp_path / "hf" / "datasets"),
               HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1")
    result = subprocess.run([sys.executable, "-c", LOAD_EVERY_TABLE, str(hub_repo)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["configs"] == sorted(REG.tables)
    for name, table in REG.tables.items():
        parquet = pq.read_table(hub_repo / "output" / "parquet" / f"{name}.parquet")
        assert loaded[name] == {"train": [parquet.num_rows, table.columns]}, name
    default = pq.read_metadata(hub_repo / "output" / "parquet" / f"{DEFAULT_TABLE}.parquet").num_rows
    assert loaded["default"] == [default, REG.tables[DEFAULT_TABLE].columns]
