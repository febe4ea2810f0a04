"""Arrow schemas rendered from the registry, with each column's description, unit and allowed
values in the field metadata, so a researcher reading the Parquet file with any tool sees them."""
from __future__ import annotations

import json
from functools import cache

import pyarrow as pa

from .model import Field, Table


def arrow_type(f: Field) -> pa.DataType:
    return pa.type_for_alias(f.type.arrow)


def arrow_field(f: Field) -> pa.Field:
    meta = {"description": f.description}
    if f.unit:
        meta["unit"] = f.unit
    if f.enum:
        meta["allowed_values"] = json.dumps(list(f.enum), ensure_ascii=False)
    return pa.field(f.name, arrow_type(f), nullable=not f.required, metadata=meta)


@cache
def arrow_schema(table: Table, version: str) -> pa.Schema:
    return pa.schema([arrow_field(f) for f in table.fields],
                     metadata={"table": table.name, "description": table.description,
                               "primary_key": json.dumps(list(table.primary_key)), "dataset_version": version})
