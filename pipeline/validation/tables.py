"""Stage 4: validate tables against the registry (pandera, lazily, every failure at once) and
across tables (foreign keys, primary keys across partitions).

A failure is reported at the input the row came from (the mapping record, the taxonomy entry, the
sidecar), so even a problem only a whole table reveals points at a file and a line.
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandera.errors import SchemaErrors

from ..common.problems import Problems
from ..registry.model import Registry, Table
from ..registry.pandera_schema import pandera_schema

Origins = dict[object, tuple[str, int]]  # primary key value -> (file, line)


def schema_failures(table: Table, df: pd.DataFrame) -> list[tuple[int | None, str]]:
    """(row position or None, what failed) for every failure of the table's pandera schema."""
    try:
        pandera_schema(table).validate(df, lazy=True)
        return []
    except SchemaErrors as err:
        out = []
        for case in err.failure_cases.itertuples(index=False):
            index = None if case.index is None or pd.isna(case.index) else int(case.index)
            column = "" if pd.isna(case.column) or case.column == table.name else f".{case.column}"
            out.append((index, f"{table.name}{column}: {case.check} failed for {case.failure_case!r}"))
        return out


def key_of(table: Table, df: pd.DataFrame, index: int):
    key = df.iloc[index][list(table.primary_key)]
    return key.iloc[0] if len(table.primary_key) == 1 else tuple(key)


def report(table: Table, df: pd.DataFrame, failures, origins: Origins, problems: Problems) -> None:
    for index, message in failures:
        if index is None or not 0 <= index < len(df):
            problems.add("schemas/tables.yaml", table.line, message)
            continue
        row = key_of(table, df, index)
        file, line = origins.get(row, ("schemas/tables.yaml", table.line))
        problems.add(file, line, f"{message} (row {row})")


def validate_table(table: Table, df: pd.DataFrame, origins: Origins, problems: Problems) -> None:
    report(table, df, schema_failures(table, df), origins, problems)


def foreign_key_problems(reg: Registry, tables: dict[str, pa.Table], problems: Problems) -> None:
    """Every foreign key of every table names a row of the table it refers to, and every primary
    key is unique across the partitions a table was assembled from."""
    for name, table in reg.tables.items():
        data = tables[name]
        if len(table.primary_key) == 1 and data.num_rows:
            keys = data.column(table.primary_key[0])
            if pc.count_distinct(keys).as_py() != data.num_rows:
                problems.add("schemas/tables.yaml", table.line, f"{name}: a primary key value occurs twice")
        for fk in table.foreign_keys:
            values = data.column(fk.field)
            known = tables[fk.table].column(fk.target)
            missing = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known)))
            for value in pc.unique(pc.filter(values, missing)).to_pylist()[:20]:
                problems.add("schemas/tables.yaml", table.line, f"{name}.{fk.field} {value!r} has no row in {fk.table}")
