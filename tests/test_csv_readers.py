"""The CSV files read by pandas, Polars and DuckDB with the arguments the README gives ("Reading the
CSV files with typed columns") hold, cell for cell, what the Parquet files hold; with their defaults
they do not. The README names every column those arguments are about, and the registry says which
those are: a text column whose pattern lets a value be all digits, a date column, a code list that
holds `NA`."""
from __future__ import annotations

import datetime as dt
import math
import re

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from pipeline.registry.model import registry
from pipeline.release.write import csv_lines

REG = registry()
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Reading the CSV files with typed columns", 1)[-1].split("\n## ", 1)[0]
# Spreadsheets and CSV readers read these as null unless told that only the empty field is null.
NULL_WORDS = {"NA", "N/A", "NULL", "null", "None", "NaN", "nan", "n/a"}


def _fields(test) -> set[str]:
    return {f.name for t in REG.tables.values() for f in t.fields if test(f)}


DIGIT_CODES = _fields(lambda f: f.type.name == "string" and f.pattern is not None
                      and any(re.fullmatch(f.pattern, d * k) for d in "0123456789" for k in range(1, 16)))
DATES = _fields(lambda f: f.type.name == "date")
NULL_LIKE = _fields(lambda f: f.allowed is not None and bool(NULL_WORDS & set(f.allowed)))


def read_pandas(path) -> pa.Table:
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    frame = pd.read_csv(path, dtype={name: "string" for name in DIGIT_CODES}, keep_default_na=False,
                        na_values=[""], dtype_backend="pyarrow", parse_dates=[c for c in header if c in DATES])
    return pa.Table.from_pandas(frame, preserve_index=False)


def read_polars(path) -> pa.Table:
    overrides = {**{name: pl.String for name in DIGIT_CODES}, **{name: pl.Date for name in DATES}}
    return pl.read_csv(path, infer_schema_length=None, schema_overrides=overrides).to_arrow()


def read_duckdb(path) -> pa.Table:
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    types = {name: "VARCHAR" for name in header if name in DIGIT_CODES}
    option = f", types={types}" if types else ""
    return duckdb.sql(f"SELECT * FROM read_csv('{path}', sample_size=-1{option})").to_arrow_table()


READERS = {"pandas": read_pandas, "polars": read_polars, "duckdb": read_duckdb}
DEFAULTS = {"pandas": lambda p: pa.Table.from_pandas(pd.read_csv(p), preserve_index=False),
            "polars": lambda p: pl.read_csv(p).to_arrow(),
            "duckdb": lambda p: duckdb.sql(f"SELECT * FROM read_csv('{p}')").to_arrow_table()}


def _value(v):
    """A value as read, without the reader's wrapping: every null as None, a midnight timestamp as
    its date."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time() else v
    return v


def differences(got: pa.Table, want: pa.Table, limit: int = 10) -> list[str]:
    """Every cell read that is not the Parquet value, or of another type (an integer is not a float)."""
    if got.column_names != want.column_names or got.num_rows != want.num_rows:
        return [f"columns {got.column_names} rows {got.num_rows}"]
    found = []
    for name in want.column_names:
        for i, (a, b) in enumerate(zip(got.column(name).to_pylist(), want.column(name).to_pylist())):
            a = _value(a)
            if a != b or type(a) is not type(b):
                found.append(f"{name} row {i + 1}: {a!r} where Parquet has {b!r}")
    return found[:limit]


def test_the_registry_names_the_columns_the_readme_is_about():
    assert {"isco08_code", "target_code"} <= DIGIT_CODES and "sha256" not in DIGIT_CODES
    assert DATES == {"published"} and "country" in NULL_LIKE
    for name in DIGIT_CODES | DATES | NULL_LIKE:
        assert f"`{name}`" in SECTION, f"the README's section on typed columns does not name {name}"


@pytest.mark.parametrize("reader", READERS)
def test_the_readmes_arguments_appear_in_its_snippets(reader):
    arguments = {"pandas": ['keep_default_na=False, na_values=[""]', 'dtype_backend="pyarrow"',
                            'parse_dates=["published"]', *(f'"{c}": "string"' for c in sorted(DIGIT_CODES))],
                 "polars": ["infer_schema_length=None", '"published": pl.Date',
                            *(f'"{c}": pl.String' for c in sorted(DIGIT_CODES))],
                 "duckdb": ["sample_size=-1", "types={'isco08_code': 'VARCHAR'}"]}[reader]
    for argument in arguments:
        assert argument in SECTION, argument
    assert 'na = ""' in SECTION and "col_character()" in SECTION  # R


@pytest.mark.parametrize("reader", READERS)
def test_every_csv_read_with_the_readmes_arguments_is_its_parquet_file(release, reader):
    for name in REG.tables:
        got = READERS[reader](release / "csv" / f"{name}.csv")
        assert differences(got, pq.read_table(release / "parquet" / f"{name}.parquet")) == [], name


@pytest.mark.parametrize("reader", READERS)
def test_with_its_defaults_a_reader_takes_a_code_made_of_digits_for_a_number(release, reader):
    got = DEFAULTS[reader](release / "csv" / "roles.csv")
    codes = pq.read_table(release / "parquet" / "roles.parquet").column("isco08_code").to_pylist()
    assert all(code.isdigit() for code in codes)
    assert got.column("isco08_code").to_pylist() != codes
    assert pa.types.is_integer(got.schema.field("isco08_code").type)


@pytest.mark.parametrize("reader", READERS)
def test_a_leading_zero_namibia_and_the_word_null_survive_the_readmes_arguments(tmp_path, reader):
    """Values the registry allows and today's rows happen not to hold: a code that starts with 0,
    the country code NA, a text that is a null word, and a null date."""
    table = pa.table({"isco08_code": ["0110", "4222", "0310"], "country": ["NA", "DE", None],
                      "text_en": ["null", "None", "N/A"], "published": [dt.date(2024, 2, 29), None, dt.date(1999, 1, 1)],
                      "line": pa.array([7, None, 12], pa.int64())})
    path = tmp_path / "hostile.csv"
    path.write_bytes((",".join(table.column_names) + "\n").encode() + csv_lines(table.to_batches()[0]))
    assert differences(READERS[reader](path), table) == []
