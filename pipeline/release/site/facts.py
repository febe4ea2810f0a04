"""The fact rows of one source, as its page shows them and as its script reads them.

Every fact table is grouped by source once (grouping.py); a source page takes its slice of each.
Its rows go into the page twice: as highlighted pieces of the text (source_page.py) and as one JSON
block the panel script reads (a file:// page cannot fetch a file). The JSON holds each row's values
in its table's column order, with the column names, descriptions and concept labels it needs once
per page; everything the panel shows comes from the registry, nothing is named here by hand
except the provenance columns every fact table shares.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ...registry.model import Registry, Table
from .concepts import Catalogue
from .grouping import Groups
from .markup import humanise

SOURCE, QUOTE, TEXT, START, END = "source_id", "quote", "text", "char_start", "char_end"


@dataclass(frozen=True)
class Fact:
    table: int          # index into FactTables.tables
    row_id: str
    start: int
    end: int
    values: list        # the row, in its table's column order


class FactTables:
    """The fact tables of the release, grouped by source, and the names the panel shows for their values."""

    def __init__(self, reg: Registry, tables: dict[str, pa.Table], catalogue: Catalogue):
        self.reg, self.catalogue = reg, catalogue
        self.tables: list[Table] = reg.fact_tables()
        self.columns: list[list[str]] = [t.columns for t in self.tables]
        self.position: list[dict[str, int]] = [{c: i for i, c in enumerate(cols)} for cols in self.columns]
        self.groups = {t.name: Groups(tables[t.name], SOURCE) for t in self.tables}
        # A column that refers to a taxonomy with English labels is shown by its label.
        taxonomies = {t.name: t for t in reg.taxonomy_tables()}
        self.labelled: dict[str, dict[str, str]] = {}
        for table in self.tables:
            for column, target in table.references.items():
                if target in taxonomies and column not in self.labelled and "label_en" in tables[target].column_names:
                    data = tables[target]
                    key = taxonomies[target].primary_key[0]
                    self.labelled[column] = dict(zip(data.column(key).to_pylist(), data.column("label_en").to_pylist()))

    def label(self, table: Table) -> str:
        return humanise(table.name)

    def of_source(self, source_id: str) -> list[Fact]:
        """The source's facts in reading order: by start, the longer quote first, then table and id."""
        facts = []
        for index, table in enumerate(self.tables):
            group = self.groups[table.name]
            if source_id not in group:
                continue
            columns, at = self.columns[index], self.position[index]
            cols = group.columns(source_id, columns)
            key, start, end = at[table.primary_key[0]], at[START], at[END]
            for values in zip(*(cols[c] for c in columns)):
                facts.append(Fact(index, values[key], values[start], values[end], list(values)))
        facts.sort(key=lambda f: (f.start, -f.end, f.table, f.row_id))
        return facts

    def counts(self, source_id: str) -> dict[str, int]:
        return {t.name: self.groups[t.name].count(source_id) for t in self.tables}

    def concept_of(self, fact: Fact) -> tuple[str, str] | None:
        """The (kind, id) of the concept the fact states, if its table states one."""
        table = self.tables[fact.table]
        if table.evidence_of is None:
            return None
        kind = self.catalogue.by_column.get(table.evidence_of)
        value = fact.values[self.position[fact.table][table.evidence_of]]
        return (kind.name, value) if kind and value is not None else None

    def title(self, fact: Fact) -> str:
        """One line naming the fact, for the tooltip of its passage (read without the script)."""
        table = self.tables[fact.table]
        concept = self.concept_of(fact)
        if concept is None:
            return self.label(table)
        return f"{self.label(table)}: {self.catalogue.label(*concept)}"

    def payload(self, facts: list[Fact], root: str) -> dict:
        """What the panel script needs, for these facts; links are relative to the page (`root` up)."""
        used = sorted({f.table for f in facts})
        columns = sorted({c for i in used for c in self.columns[i]})
        labelled = [[(i, c) for i, c in enumerate(self.columns[t]) if c in self.labelled or c in self.catalogue.by_column]
                    for t in range(len(self.tables))]
        labels: dict[str, dict[str, list]] = {}
        for fact in facts:
            for i, column in labelled[fact.table]:
                value = fact.values[i]
                known = labels.setdefault(column, {})
                if value is None or value in known:
                    continue
                kind = self.catalogue.by_column.get(column)
                label = (self.catalogue.label(kind.name, value) if kind else self.labelled[column].get(value)) or humanise(value)
                link = root + self.catalogue.page(kind.name, value) if kind and self.catalogue.has_page(kind.name, value) else ""
                known[value] = [label, link]
        tables = []
        for index, table in enumerate(self.tables):
            tables.append({"name": table.name, "label": self.label(table), "description": table.description,
                           "key": table.columns.index(table.primary_key[0]), "columns": table.columns,
                           "concept": table.evidence_of or ""} if index in used else None)
        rows = []
        for fact in facts:
            at = self.position[fact.table]
            values = list(fact.values)
            values[at[SOURCE]] = None  # the page's own source
            if values[at[QUOTE]] == values[at[TEXT]]:
                values[at[QUOTE]] = None  # the same words twice
            rows.append([fact.table, values])
        return {"tables": tables, "fields": {c: self.reg.fields[c].description for c in columns},
                "labels": {c: dict(sorted(v.items())) for c, v in sorted(labels.items()) if v}, "facts": rows}
