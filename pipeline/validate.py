"""Stage 4: validate every table against the registry (pandera, lazily, all failures at once)
and across tables: foreign keys, quotes against their raw files, and concepts nothing uses."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .frames import PANDAS_DTYPES
from .load_sources import Source
from .problems import Problems
from .registry import Registry, Table


def pandera_schema(table: Table) -> pa.DataFrameSchema:
    columns = {}
    for f in table.fields:
        checks = []
        if f.enum is not None:
            checks.append(pa.Check.isin(list(f.enum)))
        if f.pattern is not None:
            checks.append(pa.Check.str_matches(rf"(?:{f.pattern})\Z"))
        if f.minimum is not None:
            checks.append(pa.Check.ge(f.minimum))
        if f.maximum is not None:
            checks.append(pa.Check.le(f.maximum))
        if f.type == "date":
            checks.append(pa.Check.str_matches(r"\d{4}-\d{2}-\d{2}\Z"))
        columns[f.name] = pa.Column(PANDAS_DTYPES[f.type], checks=checks, nullable=not table.is_required(f),
                                    description=f.description)
    return pa.DataFrameSchema(columns, strict=True, ordered=True, unique=list(table.primary_key),
                              report_duplicates="all", name=table.name, description=table.description)


def _schema_problems(table: Table, df: pd.DataFrame, problems: Problems) -> None:
    try:
        pandera_schema(table).validate(df, lazy=True)
    except SchemaErrors as err:
        for case in err.failure_cases.itertuples(index=False):
            row = "" if pd.isna(case.index) else f" row {df.iloc[int(case.index)][table.primary_key[0]]}"
            problems.add(f"schemas/tables.yaml#{table.name}", 1,
                         f"{table.name}.{case.column}{row}: {case.check} failed for {case.failure_case!r}")


def validate(reg: Registry, frames: dict[str, pd.DataFrame], sources: dict[str, Source],
             taxonomies: dict, problems: Problems) -> None:
    for name, table in reg.tables.items():
        _schema_problems(table, frames[name], problems)
    for name, table in reg.tables.items():
        df = frames[name]
        for fk in table.foreign_keys:
            known = set(frames[fk.table][fk.field].dropna())
            for value in sorted(set(df[fk.field].dropna()) - known):
                problems.add(f"schemas/tables.yaml#{name}", 1, f"{name}.{fk.field} {value!r} has no row in {fk.table}")
        if table.fact:
            for r in df.itertuples(index=False):
                text = sources[r.source_id].text if r.source_id in sources else None
                if text is None or text[r.char_start:r.char_end] != r.quote:
                    problems.add(f"raw/sources/{r.source_id}.txt", r.line,
                                 f"{name} row {getattr(r, table.primary_key[0])}: raw[char_start:char_end] != quote")
    used: dict[str, set] = {}
    for name, table in reg.tables.items():
        if table.fact:
            for fk in table.foreign_keys:
                used.setdefault(fk.table, set()).update(frames[name][fk.field].dropna())
    for name, entries in taxonomies.items():
        for ident, entry in entries.items():
            if ident not in used.get(name, set()):
                problems.add(entry.file, entry.line, f"{reg.tables[name].primary_key[0]} {ident!r} is used by no "
                             "mapping record; map a statement to it or remove it")
