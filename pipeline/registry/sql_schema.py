"""SQLite DDL rendered from the registry: types, NOT NULL, a CHECK for every value rule of every
field (values.py) and every cross-field rule SQL can say (rules.py), primary keys, foreign keys,
and an index on every foreign-key column."""
from __future__ import annotations

from .model import Registry, Table
from .rules import sql_check
from .values import sql_checks


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table(table: Table) -> str:
    lines = []
    for f in table.fields:
        parts = [_quoted(f.name), f.type.sql]
        if f.required:
            parts.append("NOT NULL")
        if f.unique and (f.name,) != table.primary_key:
            parts.append("UNIQUE")
        checks = sql_checks(f, _quoted(f.name))
        if checks:
            parts.append(f"CHECK ({_quoted(f.name)} IS NULL OR ({' AND '.join(f'({c})' for c in checks)}))")
        lines.append("  " + " ".join(parts))
    lines.append(f"  PRIMARY KEY ({', '.join(_quoted(k) for k in table.primary_key)})")
    for fk in table.foreign_keys:
        lines.append(f"  FOREIGN KEY ({_quoted(fk.field)}) REFERENCES {_quoted(fk.table)} ({_quoted(fk.target)})")
    for rule in table.rules:
        check = sql_check(rule)
        if check:
            lines.append(f"  CHECK ({check})")
    return f"CREATE TABLE {_quoted(table.name)} (\n" + ",\n".join(lines) + "\n);"


def create_indexes(table: Table) -> list[str]:
    return [f"CREATE INDEX {_quoted(f'ix_{table.name}_{fk.field}')} ON {_quoted(table.name)} ({_quoted(fk.field)});"
            for fk in table.foreign_keys]


def ordered(reg: Registry) -> list[Table]:
    """Tables with every table they refer to before them (a table may refer to itself)."""
    done: list[str] = []
    pending = list(reg.tables)
    while pending:
        ready = [n for n in pending if all(fk.table in done or fk.table == n for fk in reg.tables[n].foreign_keys)]
        if not ready:  # a cycle: keep declaration order, SQLite resolves references at the end
            ready = pending[:1]
        done.append(ready[0])
        pending.remove(ready[0])
    return [reg.tables[n] for n in done]


def ddl(reg: Registry) -> str:
    """The whole schema, referenced tables first."""
    statements = []
    for table in ordered(reg):
        statements.append(create_table(table))
        statements.extend(create_indexes(table))
    return "\n\n".join(statements) + "\n"
