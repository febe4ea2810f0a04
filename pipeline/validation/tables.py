"""Stage 4: validate every table against the registry (pandera, lazily, every failure at once)
and across tables: foreign keys, every quote against its raw text, and concepts nothing uses.

A failure is reported at the input the row came from (the mapping record, the taxonomy entry, the
sidecar), so even a problem only a whole table reveals points at a file and a line.
"""
from __future__ import annotations

import pandas as pd
from pandera.errors import SchemaErrors

from ..common.problems import Problems
from ..curation.sources import Source
from ..registry.model import Registry, Table
from ..registry.pandera_schema import pandera_schema

Origins = dict[str, dict[object, tuple[str, int]]]  # table -> primary key value -> (file, line)


def _where(origins: Origins, table: Table, df: pd.DataFrame, index) -> tuple[str, int, str]:
    if index is None or pd.isna(index) or not 0 <= int(index) < len(df):
        return f"schemas/tables.yaml", table.line, ""
    key = df.iloc[int(index)][list(table.primary_key)]
    key = key.iloc[0] if len(table.primary_key) == 1 else tuple(key)
    file, line = origins.get(table.name, {}).get(key, ("schemas/tables.yaml", table.line))
    return file, line, f" row {key}"


def schema_problems(table: Table, df: pd.DataFrame, origins: Origins, problems: Problems) -> None:
    try:
        pandera_schema(table).validate(df, lazy=True)
    except SchemaErrors as err:
        for case in err.failure_cases.itertuples(index=False):
            file, line, row = _where(origins, table, df, case.index)
            column = "" if pd.isna(case.column) or case.column == table.name else f".{case.column}"
            problems.add(file, line, f"{table.name}{column}{row}: {case.check} failed for {case.failure_case!r}")


def validate(reg: Registry, frames: dict[str, pd.DataFrame], sources: dict[str, Source], origins: Origins,
             problems: Problems) -> None:
    for name, table in reg.tables.items():
        schema_problems(table, frames[name], origins, problems)
    for name, table in reg.tables.items():
        df = frames[name]
        for fk in table.foreign_keys:
            known = set(frames[fk.table][fk.field].dropna())
            missing = ~df[fk.field].isna() & ~df[fk.field].isin(known)
            for index in df.index[missing]:
                file, line, row = _where(origins, table, df, index)
                problems.add(file, line, f"{name}{row}: {fk.field} {df.at[index, fk.field]!r} has no row in {fk.table}")
        if table.fact:
            for index, r in enumerate(df[["source_id", "char_start", "char_end", "quote"]].itertuples(index=False)):
                text = sources[r.source_id].text if r.source_id in sources else None
                if text is None or text[r.char_start:r.char_end] != r.quote:
                    file, line, row = _where(origins, table, df, index)
                    problems.add(file, line, f"{name}{row}: raw[char_start:char_end] != quote")
    used: dict[str, set] = {}
    for name, table in reg.tables.items():
        if table.fact:
            for fk in table.foreign_keys:
                used.setdefault(fk.table, set()).update(frames[name][fk.field].dropna())
    for table in reg.taxonomy_tables():
        key = table.primary_key[0]
        for ident, (file, line) in origins.get(table.name, {}).items():
            if ident not in used.get(table.name, set()):
                problems.add(file, line, f"{key} {ident!r} is used by no mapping record; map a statement to it or remove it")
