"""SQLite DDL rendered from the registry: types, NOT NULL and CHECK constraints for allowed
values and ranges, primary keys, foreign keys, and an index on every foreign-key column."""
from __future__ import annotations

from .registry import Registry, Table

SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT"}


def _literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def create_table(table: Table) -> str:
    lines = []
    for f in table.fields:
        parts = [f'"{f.name}"', SQL_TYPES[f.type]]
        if table.is_required(f):
            parts.append("NOT NULL")
        checks = []
        if f.enum:
            checks.append(f'"{f.name}" IN ({", ".join(_literal(v) for v in f.enum)})')
        if f.minimum is not None:
            checks.append(f'"{f.name}" >= {f.minimum:g}')
        if f.maximum is not None:
            checks.append(f'"{f.name}" <= {f.maximum:g}')
        if checks:
            parts.append(f"CHECK ({' AND '.join(checks)})")
        lines.append("  " + " ".join(parts))
    lines.append(f"  PRIMARY KEY ({', '.join(chr(34) + k + chr(34) for k in table.primary_key)})")
    for fk in table.foreign_keys:
        lines.append(f'  FOREIGN KEY ("{fk.field}") REFERENCES "{fk.table}" ("{fk.field}")')
    return f'CREATE TABLE "{table.name}" (\n' + ",\n".join(lines) + "\n);"


def create_indexes(table: Table) -> list[str]:
    return [f'CREATE INDEX "ix_{table.name}_{fk.field}" ON "{table.name}" ("{fk.field}");' for fk in table.foreign_keys]


def ddl(reg: Registry) -> str:
    """The whole schema, referenced tables first."""
    statements = []
    for table in ordered(reg):
        statements.append(create_table(table))
        statements.extend(create_indexes(table))
    return "\n\n".join(statements) + "\n"


def ordered(reg: Registry) -> list[Table]:
    done: list[str] = []
    pending = list(reg.tables)
    while pending:
        for name in pending:
            if all(fk.table in done or fk.table == name for fk in reg.tables[name].foreign_keys):
                done.append(name)
                pending.remove(name)
                break
    return [reg.tables[n] for n in done]
