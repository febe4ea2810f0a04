"""Which canonical concepts get a page, what each is called, and where its page is.

Read from the registry the way the evidence tables read it (transform/evidence.py): a fact table's
`evidence_of` column names the concept its rows state; a concept is a taxonomy entry (duty, skill,
tool, metric, role: its table's row, with label_en and definition_en) or a value of a typed column
(requirement_type, benefit_type, ...: the field's description says what the values mean; the label
is the value in words). Every page and every panel asks here, so a concept is named and linked the
same way everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa

from ...registry.model import Field, Registry, Table
from ...transform.evidence import concept_columns
from .markup import humanise

ROLE_KIND = "role"


@dataclass(frozen=True)
class Kind:
    """One kind of concept: duty, skill, ..., requirement_type, ..., role."""
    name: str
    field: Field                 # the column of the fact tables that names it
    taxonomy: Table | None       # the table its entries come from; None for the values of a typed column
    fact_tables: tuple[str, ...]  # the fact tables whose rows are evidence of it

    @property
    def title(self) -> str:
        return humanise(self.taxonomy.name if self.taxonomy else self.name)

    def folder(self) -> str:
        return "roles" if self.name == ROLE_KIND else f"concepts/{self.name}"


class Catalogue:
    """Every concept of the release, with its label, its taxonomy row and its page."""

    def __init__(self, reg: Registry, tables: dict[str, pa.Table]):
        self.reg = reg
        by_column: dict[str, list[str]] = {}
        kinds: dict[str, str] = {}
        for table, (column, kind) in concept_columns(reg).items():
            by_column.setdefault(column, []).append(table)
            kinds[column] = kind
        taxonomies = {t.primary_key[0]: t for t in reg.taxonomy_tables()}
        self.kinds: dict[str, Kind] = {
            kind: Kind(kind, reg.fields[column], taxonomies.get(column), tuple(by_column[column]))
            for column, kind in kinds.items()}  # in the registry's order of fact tables: titles, duties, skills, ...
        self.entries: dict[str, dict[str, dict]] = {}  # kind -> id -> taxonomy row
        for kind in self.kinds.values():
            if kind.taxonomy is not None:
                rows = tables[kind.taxonomy.name].to_pylist()
                self.entries[kind.name] = {r[kind.taxonomy.primary_key[0]]: r for r in rows}
        evidence = self.evidence_table
        self.evidenced: dict[str, set[str]] = {}
        if evidence is not None:
            data = tables[evidence.name]
            for kind, ident in zip(data.column("concept_type").to_pylist(), data.column("concept_id").to_pylist()):
                self.evidenced.setdefault(kind, set()).add(ident)
        self.by_column = {k.field.name: k for k in self.kinds.values()}

    @cached_property
    def evidence_table(self) -> Table | None:
        return next((t for t in self.reg.derived_tables() if t.primary_key == ("concept_type", "concept_id")), None)

    def ids(self, kind: str) -> list[str]:
        """Every concept of a kind with a page: each taxonomy entry (stated or not), each stated value."""
        found = set(self.entries.get(kind, ())) | self.evidenced.get(kind, set())
        return sorted(found)

    def has_page(self, kind: str, ident: str) -> bool:
        return kind in self.kinds and (ident in self.entries.get(kind, ()) or ident in self.evidenced.get(kind, ()))

    def label(self, kind: str, ident: str) -> str:
        row = self.entries.get(kind, {}).get(ident)
        return (row or {}).get("label_en") or humanise(ident)

    def page(self, kind: str, ident: str) -> str:
        """Site-relative path of the concept's page."""
        return f"{self.kinds[kind].folder()}/{ident}.html"

    def row(self, kind: str, ident: str) -> dict | None:
        return self.entries.get(kind, {}).get(ident)

    @cached_property
    def _entry_kinds(self) -> dict[str, list[str]]:
        kinds: dict[str, list[str]] = {}
        for kind, entries in self.entries.items():
            for ident in entries:
                kinds.setdefault(ident, []).append(kind)
        return kinds

    def named(self, ident: str, prefer: str) -> tuple[str, str] | None:
        """The taxonomy entry (kind, id) a definition means by `ident`: of the kind `prefer` if it has
        one, else of the first kind that does. Values of typed columns are plain words (other, degree)
        and are never taken for a name."""
        kinds = self._entry_kinds.get(ident, [])
        if not kinds:
            return None
        return (prefer if prefer in kinds else kinds[0]), ident
