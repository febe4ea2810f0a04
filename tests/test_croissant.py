"""The Croissant document (pipeline/croissant.py) is only worth publishing if mlcroissant, the
reference implementation, accepts it and loads every table exactly as the Parquet file holds it.
It is checked on the croissant.json of a release the current code builds (publish writes it)."""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from pipeline.curation.dataset import dataset_meta
from pipeline.registry.croissant_schema import croissant
from pipeline.registry.model import registry

REG = registry()
COMMITTED = ROOT / "output" / "croissant.json"


@pytest.fixture(scope="module")
def jsonld(release, tmp_path_factory) -> Path:
    """A copy of a fresh build's croissant.json and Parquet files: `release` is shared by
    tests that compare it byte for byte with another build, so mlcroissant must not touch it."""
    folder = tmp_path_factory.mktemp("croissant")
    shutil.copytree(release / "parquet", folder / "parquet")
    shutil.copy2(release / "croissant.json", folder / "croissant.json")
    return folder / "croissant.json"


@pytest.fixture(scope="module")
def dataset(jsonld) -> mlc.Dataset:
    return mlc.Dataset(jsonld=str(jsonld))


def test_mlcroissant_validates_the_document(jsonld, caplog):
    with caplog.at_level(logging.WARNING):
        dataset = mlc.Dataset(jsonld=str(jsonld))  # raises mlc.ValidationError on any error
    issues = dataset.metadata.ctx.issues
    assert not issues.errors
    assert not issues.warnings
    # Some problems, such as a non-standard @context, are only logged, not listed as issues.
    assert [r.getMessage() for r in caplog.records if "Found the following" not in r.getMessage()] == []
    assert dataset.metadata.ctx.is_v1_1()
    assert [rs.name for rs in dataset.metadata.record_sets] == list(REG.tables)


@pytest.mark.parametrize("name", list(REG.tables))
def test_every_record_set_loads_every_row(dataset, jsonld, name):
    table = pq.read_table(jsonld.parent / "parquet" / f"{name}.parquet")
    records = list(dataset.records(record_set=name))
    assert len(records) == table.num_rows
    decode = lambda v: v.decode("utf-8") if isinstance(v, bytes) else v  # sc:Text comes back as bytes
    pk = REG.tables[name].primary_key
    loaded = [tuple(decode(r[f"{name}/{k}"]) for k in pk) for r in records]
    assert loaded == [tuple(row[k] for k in pk) for row in table.select(list(pk)).to_pylist()]


def test_published_document_is_what_the_registry_renders(jsonld):
    """What publish wrote is the registry's rendering for those very Parquet bytes, checksums included."""
    published = json.loads(jsonld.read_text(encoding="utf-8"))
    assert published == croissant(REG, dataset_meta(), _parquet(jsonld.parent))
    assert {d["sha256"] for d in published["distribution"]} == {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in (jsonld.parent / "parquet").glob("*.parquet")}


def test_committed_release_carries_the_document():
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == croissant(REG, dataset_meta(), _parquet(COMMITTED.parent))


def _parquet(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.stem: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size) for p in (folder / "parquet").glob("*.parquet")}
