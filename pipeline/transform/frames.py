"""Rows to typed pandas DataFrames, with the dtype the registry's type table gives each field.

Nullable extension dtypes (string, Int64, Float64, boolean) keep a missing value missing instead
of turning an integer column into floats, so Parquet, CSV and SQLite agree.
"""
from __future__ import annotations

import pandas as pd

from ..registry.model import Table


def to_frame(table: Table, rows: list[dict]) -> pd.DataFrame:
    data = {f.name: pd.array([r.get(f.name) for r in rows], dtype=f.type.pandas) for f in table.fields}
    return pd.DataFrame(data, columns=table.columns)
