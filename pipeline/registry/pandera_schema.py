"""The pandera schema of a table, rendered from the registry: dtypes, nullability, every field's
value rules (values.py) and the table's cross-field rules (rules.py), with the primary key unique."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .model import Field, Table
from .rules import violations
from .values import text_regex


def _date_exists(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, format="%Y-%m-%d", errors="coerce").notna()


def _fullmatch(regex: str):
    return lambda s: s.str.fullmatch(f"(?:{regex})")


def column_checks(f: Field) -> list[pa.Check]:
    checks = []
    if f.allowed is not None:
        checks.append(pa.Check.isin(sorted(f.allowed), name="allowed values"))
    regex = text_regex(f)
    if regex is not None:
        checks.append(pa.Check(_fullmatch(regex), name="text rules"))
    if f.max_length and f.allowed is None:
        checks.append(pa.Check(lambda s, n=f.max_length: s.str.len() <= n, name=f"at most {f.max_length} characters"))
    if f.pattern:
        checks.append(pa.Check(_fullmatch(f.pattern), name=f"pattern {f.pattern}"))
    if f.type.name == "date":
        checks.append(pa.Check(_date_exists, name="date exists"))
    if f.type.name == "number":
        checks.append(pa.Check.in_range(-1e15, 1e15, name="finite figure"))
    if f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum))
    if f.maximum is not None:
        checks.append(pa.Check.le(f.maximum))
    return checks


def column(f: Field) -> pa.Column:
    return pa.Column(f.type.pandas, checks=column_checks(f), nullable=not f.required, unique=f.unique,
                     report_duplicates="all", description=f.description)


def pandera_schema(table: Table) -> pa.DataFrameSchema:
    checks = [pa.Check(lambda df, rule=rule: ~violations(rule, df), name=f"rule: {rule}", error=rule.message)
              for rule in table.rules]
    return pa.DataFrameSchema({f.name: column(f) for f in table.fields}, checks=checks, strict=True, ordered=True,
                              unique=list(table.primary_key), report_duplicates="all", name=table.name,
                              description=table.description)
