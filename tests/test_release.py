"""The committed release in output/ is exactly what the code builds, keeps its promises
(provenance, formats, checksums), and describes itself correctly."""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import csv_cells_differing_from_parquet

from pipeline.registry.figures import agrees
from pipeline.registry.model import registry

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "output"
REG = registry()
FACT_TABLES = [t.name for t in REG.tables.values() if t.fact]


def _sums(folder: Path) -> dict[str, str]:
    return dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())


def _raw(source_id: str) -> str:
    return (ROOT / "raw/sources" / f"{source_id}.txt").read_bytes().decode("utf-8")


def test_committed_output_is_what_the_code_builds(release):
    assert _sums(release) == _sums(OUT), "output/ is stale: run `make build` and commit output/"


def test_every_published_file_matches_its_checksum():
    sums = _sums(OUT)
    assert {"datapackage.json", "DATA_DICTIONARY.md", "customer-service-roles.sqlite"} <= set(sums)
    for rel, digest in sums.items():
        assert hashlib.sha256((OUT / rel).read_bytes()).hexdigest() == digest, rel


@pytest.mark.parametrize("table", FACT_TABLES)
def test_every_fact_row_quotes_its_raw_source_exactly(table):
    csv_rows = pd.read_csv(OUT / "csv" / f"{table}.csv", dtype=str, keep_default_na=False)
    parquet_rows = pq.read_table(OUT / "parquet" / f"{table}.parquet").to_pandas()
    assert len(csv_rows) == len(parquet_rows)
    raws = {s: _raw(s) for s in set(parquet_rows["source_id"])}
    for r in parquet_rows.itertuples():
        raw = raws[r.source_id]
        assert raw[r.char_start:r.char_end] == r.quote == r.text
        assert raw.count("\n", 0, r.char_start) + 1 == r.line
    assert csv_rows["quote"].tolist() == parquet_rows["quote"].tolist()


def test_quotes_can_be_checked_from_the_release_alone(release):
    """The release carries each verbatim text (sources.text_path): no repository needed to verify."""
    sources = pq.read_table(release / "parquet/sources.parquet").to_pylist()
    texts = {}
    for s in sources:
        data = (release / s["text_path"]).read_bytes()
        assert data == (ROOT / s["raw_path"]).read_bytes() and hashlib.sha256(data).hexdigest() == s["sha256"]
        texts[s["source_id"]] = data.decode("utf-8")
    for table in FACT_TABLES:
        rows = pq.read_table(release / "parquet" / f"{table}.parquet",
                             columns=["source_id", "char_start", "char_end", "quote"]).to_pylist()
        assert all(texts[r["source_id"]][r["char_start"]:r["char_end"]] == r["quote"] for r in rows), table


def test_frictionless_validates_the_datapackage():
    from frictionless import validate

    report = validate(OUT / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_csv_files_are_well_formed_utf8_sorted_by_primary_key():
    for name, table in REG.tables.items():
        data = (OUT / "csv" / f"{name}.csv").read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
        df = pd.read_csv(OUT / "csv" / f"{name}.csv", dtype=str, keep_default_na=False)
        assert df.columns.tolist() == table.columns
        keys = list(df[list(table.primary_key)].itertuples(index=False))
        if name == "line_reviews":
            keys = [(s, int(n)) for s, n in keys]
        assert keys == sorted(keys), name


def test_every_csv_cell_reads_back_as_its_parquet_cell():
    assert csv_cells_differing_from_parquet(OUT) == []


def test_parquet_files_are_typed_and_describe_their_columns():
    for name, table in REG.tables.items():
        schema = pq.read_schema(OUT / "parquet" / f"{name}.parquet")
        assert schema.names == table.columns
        for f in table.fields:
            assert schema.field(f.name).metadata[b"description"].decode() == f.description
    salaries = pq.read_table(OUT / "parquet/salaries.parquet")
    assert str(salaries.schema.field("amount_min").type) == "double"
    assert str(salaries.schema.field("reference_year").type) == "int64"


def test_sqlite_has_every_table_with_keys_and_no_dangling_reference():
    con = sqlite3.connect(OUT / "customer-service-roles.sqlite")
    for name, table in REG.tables.items():
        assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == len(
            pd.read_csv(OUT / "csv" / f"{name}.csv", dtype=str))
        pk = [r[1] for r in sorted(con.execute(f'PRAGMA table_info("{name}")'), key=lambda r: r[5]) if r[5]]
        assert pk == list(table.primary_key)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_datapackage_lists_every_csv_with_its_hash():
    package = json.loads((OUT / "datapackage.json").read_text())
    assert package["version"] and package["licenses"]
    for resource in package["resources"]:
        data = (OUT / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["bytes"] == len(data)
    assert {r["name"] for r in package["resources"]} == set(REG.tables)


def test_every_non_empty_line_of_every_source_is_reviewed():
    reviews = pd.read_csv(OUT / "csv/line_reviews.csv", keep_default_na=False)
    for source_id in pd.read_csv(OUT / "csv/sources.csv")["source_id"]:
        lines = _raw(source_id).split("\n")
        expected = {i for i, text in enumerate(lines, 1) if text.strip()}
        got = reviews[reviews["source_id"] == source_id]
        assert set(got["line"]) == expected, source_id
        assert (got["review_status"].isin(["mapped", "excluded"])).all()
        assert (got.loc[got["review_status"] == "excluded", "exclusion_reason"] != "").all()


def test_every_salary_amount_is_written_in_its_quote():
    salaries = pd.read_csv(OUT / "csv/salaries.csv")
    assert len(salaries) > 0
    for r in salaries.itertuples():
        for amount in (r.amount_min, r.amount_max):
            if not pd.isna(amount):
                assert agrees(amount, r.quote), (r.salary_id, amount, r.quote)


def test_the_validation_report_is_self_contained_and_names_every_table(release):
    page = (release / "validation/index.html").read_text(encoding="utf-8")
    assert all(f'id="{name}"' in page for name in REG.tables)
    assert "every expectation holds" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the report must load nothing from another host"
