"""Rows to Arrow, once, with the types the registry gives each field; Arrow to pandas for the
validators.

Arrow is the release's working form: Parquet, CSV and SQLite are written from it. pandera and
Great Expectations read pandas, so a table is handed to them with nullable extension dtypes
(string, Int64, Float64, boolean), which keep a missing value missing instead of turning an
integer column into floats; dates travel to them as ISO text.
"""
from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pyarrow as pa

from ..registry.arrow_schema import arrow_schema
from ..registry.model import Table


@cache
def _pandas_types() -> dict:
    """Arrow type -> pandas' nullable dtype; pandas is imported only by a command that validates."""
    import pandas as pd

    return {pa.string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(),
            pa.bool_(): pd.BooleanDtype()}


def to_arrow(table: Table, rows: list[dict], version: str = "") -> pa.Table:
    """Rows as dicts (a small table's entries) to Arrow, through the one converter below."""
    return rows_to_arrow(table, [tuple(r.get(c) for c in table.columns) for r in rows], version)


def to_frame(table: Table, arrow: pa.Table):
    return arrow_to_frame(arrow.select(table.columns))


def arrow_to_frame(arrow: pa.Table):
    """Arrow to pandas with nullable dtypes; text stays in Arrow's buffers (no copy), dates become ISO text."""
    columns = {}
    for name in arrow.column_names:
        col = arrow.column(name)
        if pa.types.is_date(col.type):
            col = col.cast(pa.string())
        columns[name] = col
    return pa.table(columns).to_pandas(types_mapper=_pandas_types().get, self_destruct=False)


def rows_to_arrow(table: Table, rows: list[tuple], version: str = "") -> pa.Table:
    """Rows (tuples in column order) to Arrow, column by column: the one way a row becomes a table."""
    columns = list(zip(*rows)) if rows else [()] * len(table.fields)
    schema = arrow_schema(table, version)
    arrays = []
    for f, col in zip(table.fields, columns):
        values = list(col)
        if f.type.name == "date":
            values = [None if v is None else dt.date.fromisoformat(v) for v in values]
        arrays.append(pa.array(values, type=schema.field(f.name).type))
    return pa.Table.from_arrays(arrays, schema=schema)


class ParquetTables:
    """Parquet files of one folder as a mapping of tables (`<name>.parquet`), each read when asked
    for and not kept: a reader that takes the tables one after the other holds one at a time."""

    def __init__(self, folder: Path, names):
        self.folder, self.names = folder, set(names)

    def __getitem__(self, name: str) -> pa.Table:
        import pyarrow.parquet as pq

        if name not in self.names:
            raise KeyError(name)
        return pq.read_table(self.folder / f"{name}.parquet")

    def __contains__(self, name) -> bool:
        return name in self.names

    def rows(self, name: str) -> int:
        """The number of rows of the table, from its file's footer."""
        import pyarrow.parquet as pq

        if name not in self.names:
            raise KeyError(name)
        return pq.ParquetFile(self.folder / f"{name}.parquet").metadata.num_rows

    def columns(self, name: str, columns: list[str]) -> pa.Table:
        """Only these columns of the table: a Parquet file is read column by column."""
        import pyarrow.parquet as pq

        if name not in self.names:
            raise KeyError(name)
        return pq.read_table(self.folder / f"{name}.parquet", columns=columns)


def rows_in(tables, name: str) -> int:
    """The number of rows of a table of `tables` (a dict of tables, or ParquetTables, which reads
    only the file's footer)."""
    return tables.rows(name) if isinstance(tables, ParquetTables) else tables[name].num_rows


def columns_of(tables, name: str, columns: list[str]) -> pa.Table:
    """These columns of a table of `tables` (a dict of tables, or ParquetTables, which reads no other)."""
    return tables.columns(name, columns) if isinstance(tables, ParquetTables) else tables[name].select(columns)
