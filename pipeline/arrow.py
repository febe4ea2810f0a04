"""Arrow schemas rendered from the registry, with each column's description, unit and allowed
values in the field metadata, so a researcher reading the Parquet file with any tool sees them."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow as pa

from .registry import Field, Table

ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
               "boolean": pa.bool_(), "date": pa.date32()}


def arrow_field(table: Table, f: Field) -> pa.Field:
    meta = {"description": f.description}
    if f.unit:
        meta["unit"] = f.unit
    if f.enum:
        meta["allowed_values"] = json.dumps(list(f.enum), ensure_ascii=False)
    return pa.field(f.name, ARROW_TYPES[f.type], nullable=not table.is_required(f), metadata=meta)


def arrow_schema(table: Table, version: str) -> pa.Schema:
    return pa.schema([arrow_field(table, f) for f in table.fields],
                     metadata={"table": table.name, "description": table.description,
                               "primary_key": json.dumps(list(table.primary_key)), "dataset_version": version})


def to_arrow(table: Table, df: pd.DataFrame, version: str) -> pa.Table:
    schema = arrow_schema(table, version)
    arrays = []
    for f in table.fields:
        values = [None if pd.isna(v) else v for v in df[f.name].tolist()]
        if f.type == "date":
            values = [None if v is None else dt.date.fromisoformat(v) for v in values]
        arrays.append(pa.array(values, type=ARROW_TYPES[f.type]))
    return pa.Table.from_arrays(arrays, schema=schema)
