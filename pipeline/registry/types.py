"""The one type table: what each registry type is in every form the release takes.

A field declares one of these types in schemas/fields.yaml; every rendering (a curated value's
check, pandas, Arrow, SQLite, Frictionless, Croissant, the data dictionary) looks its form up here
and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Type:
    name: str
    what: str            # how the data dictionary and error messages say it
    pandas: str          # nullable pandas dtype: a missing value stays missing
    arrow: str           # pyarrow type alias (pa.type_for_alias)
    sql: str             # SQLite column type
    frictionless: str    # Frictionless Table Schema type
    croissant: str       # Croissant dataType


TYPES = {
    "string": Type("string", "text", "string", "string", "TEXT", "string", "sc:Text"),
    "integer": Type("integer", "whole number", "Int64", "int64", "INTEGER", "integer", "sc:Integer"),
    "number": Type("number", "number", "Float64", "double", "REAL", "number", "sc:Float"),
    "boolean": Type("boolean", "true or false", "boolean", "bool", "INTEGER", "boolean", "sc:Boolean"),
    # Dates travel as ISO text through pandas (YYYY-MM-DD); Arrow and Parquet store them as dates.
    "date": Type("date", "date (YYYY-MM-DD)", "string", "date32[day]", "TEXT", "date", "sc:Date"),
}
