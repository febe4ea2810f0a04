"""Rows to typed pandas DataFrames, with the dtypes the registry gives each field.

Nullable extension dtypes (string, Int64, Float64, boolean) keep a missing value missing
instead of turning an integer column into floats, so Parquet, CSV and SQLite agree.
"""
from __future__ import annotations

import pandas as pd

from .registry import Table

PANDAS_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean",
                 "date": "string"}  # dates travel as ISO text in pandas; Arrow stores them as date32


def to_frame(table: Table, rows: list[dict]) -> pd.DataFrame:
    data = {f.name: pd.array([r.get(f.name) for r in rows], dtype=PANDAS_DTYPES[f.type]) for f in table.fields}
    return pd.DataFrame(data, columns=table.columns)
