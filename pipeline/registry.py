"""The one registry of metadata: fields (schemas/fields.yaml) and tables (schemas/tables.yaml).

Every other description of the data (pandera and Arrow schemas, SQLite DDL, datapackage.json,
DATA_DICTIONARY.md, the Great Expectations suite) is rendered from the objects built here, so a
column's meaning is written once and cannot drift between formats.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from .paths import SCHEMAS
from .problems import Problems, StageFailed
from . import yamlfile

TYPES = ("string", "integer", "number", "boolean", "date")
CONSTRAINTS = ("required", "enum", "minimum", "maximum", "pattern")

# Appended, in this order, to every table marked `fact: true`.
FACT_FIELDS = ("source_id", "role_id", "setting", "lang", "text", "text_en", "translation_note",
               "quote", "char_start", "char_end", "line")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    unit: str | None = None
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    field: str
    table: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    primary_key: tuple[str, ...]
    fields: tuple[Field, ...]
    fact: bool = False
    section: str | None = None
    concept: tuple[str, ...] = ()
    taxonomy: str | None = None
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def is_required(self, f: Field) -> bool:
        return f.required or f.name in self.primary_key


@dataclass(frozen=True)
class Registry:
    fields: dict[str, Field]
    tables: dict[str, Table]

    def by_section(self) -> dict[str, Table]:
        return {t.section: t for t in self.tables.values() if t.section}


def _parse_fields(doc, problems: Problems, path: str) -> dict[str, Field]:
    fields = {}
    for name, spec in (doc or {}).items():
        line = yamlfile.line_of(doc, name)
        if not isinstance(spec, dict) or spec.get("type") not in TYPES:
            problems.add(path, line, f"field {name!r} needs a type, one of {', '.join(TYPES)}")
            continue
        if not spec.get("description"):
            problems.add(path, line, f"field {name!r} needs a description")
        cons = dict(spec.get("constraints") or {})
        unknown = set(cons) - set(CONSTRAINTS)
        if unknown:
            problems.add(path, line, f"field {name!r}: unknown constraint(s) {sorted(unknown)}; use {', '.join(CONSTRAINTS)}")
        fields[name] = Field(
            name=name, type=spec["type"], description=str(spec.get("description", "")),
            unit=spec.get("unit"), required=bool(cons.get("required", False)),
            enum=tuple(cons["enum"]) if cons.get("enum") else None,
            minimum=cons.get("minimum"), maximum=cons.get("maximum"), pattern=cons.get("pattern"))
    return fields


def _parse_tables(doc, fields: dict[str, Field], problems: Problems, path: str) -> dict[str, Table]:
    tables = {}
    for name, spec in (doc or {}).items():
        line = yamlfile.line_of(doc, name)
        names = list(spec.get("fields") or [])
        if spec.get("fact"):
            names += [f for f in FACT_FIELDS if f not in names]
        missing = [n for n in names if n not in fields]
        if missing:
            problems.add(path, line, f"table {name!r} uses undefined field(s) {missing}; define them in schemas/fields.yaml")
            continue
        pk = tuple(spec.get("primary_key") or ())
        if not pk or any(k not in names for k in pk):
            problems.add(path, line, f"table {name!r}: primary_key {list(pk)} must name fields of the table")
            continue
        concept = spec.get("concept") or ()
        tables[name] = Table(
            name=name, description=str(spec.get("description", "")), primary_key=pk,
            fields=tuple(fields[n] for n in names), fact=bool(spec.get("fact")),
            section=spec.get("section"), taxonomy=spec.get("taxonomy"),
            concept=(concept,) if isinstance(concept, str) else tuple(concept))
    return tables


def _with_foreign_keys(tables: dict[str, Table]) -> dict[str, Table]:
    """A column that is another table's one-column primary key refers to that table."""
    owners = {t.primary_key[0]: t.name for t in tables.values() if len(t.primary_key) == 1}
    out = {}
    for t in tables.values():
        fks = tuple(ForeignKey(c, owners[c]) for c in t.columns
                    if c in owners and owners[c] != t.name and (c,) != t.primary_key)
        out[t.name] = Table(**{**t.__dict__, "foreign_keys": fks})
    return out


def load_registry(problems: Problems) -> Registry | None:
    fields_doc = yamlfile.load(SCHEMAS / "fields.yaml", problems)
    tables_doc = yamlfile.load(SCHEMAS / "tables.yaml", problems)
    if fields_doc is None or tables_doc is None:
        return None
    fields = _parse_fields(fields_doc, problems, "schemas/fields.yaml")
    tables = _parse_tables(tables_doc, fields, problems, "schemas/tables.yaml")
    return Registry(fields=fields, tables=_with_foreign_keys(tables))


@cache
def registry() -> Registry:
    """The registry, or StageFailed with every problem in the schema files."""
    problems = Problems()
    reg = load_registry(problems)
    if problems or reg is None:
        raise StageFailed(problems)
    return reg
