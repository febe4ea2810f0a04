"""Canonical concepts (raw/taxonomy/*.yaml) that mappings refer to by id.

Each taxonomy file fills one registry table (`taxonomy:` in schemas/tables.yaml) and each entry is
checked like any curated record. ESCO URIs and ISCO-08 codes are accepted only when their row is
in raw/reference/, copied from the published ESCO list, so no code can be written down that was
not found there.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..common import yamlfile
from ..common.files import read_input
from ..common.paths import Layout
from ..common.problems import Problems
from ..registry.model import Registry, Table
from .records import Known, check_record, check_rules


@dataclass(frozen=True)
class Entry:
    values: dict
    file: str
    line: int


def _check_codes(entry: Entry, reference: dict[str, str], problems: Problems) -> None:
    uri = entry.values.get("esco_uri")
    if uri and uri not in reference:
        problems.add(entry.file, entry.line, f"esco_uri {uri} is not in raw/reference/; copy its row there from "
                     "shared/reference/esco (a URI not in the published list is an error)")
    code = entry.values.get("isco08_code")
    if code and f"http://data.europa.eu/esco/isco/C{code}" not in reference:
        problems.add(entry.file, entry.line, f"isco08_code {code} is not an ISCO-08 group in "
                     "raw/reference/esco_occupations.csv; copy the row http://data.europa.eu/esco/isco/C<code> there "
                     "from shared/reference/esco")


def _unique_values(table: Table, entries: dict[str, Entry], problems: Problems) -> None:
    for f in table.fields:
        if not f.unique or f.name in table.primary_key:
            continue
        seen: dict = {}
        for entry in entries.values():
            value = entry.values.get(f.name)
            if value is None:
                continue
            if value in seen:
                problems.add(entry.file, entry.line, f"{f.name} {value!r} is already used at line {seen[value]}; "
                             f"each entry has its own {f.name}")
            else:
                seen[value] = entry.line


def load_taxonomy(table: Table, reg: Registry, reference: dict[str, str], layout: Layout,
                  problems: Problems) -> dict[str, Entry]:
    path = layout.taxonomy / f"{table.taxonomy}.yaml"
    where = layout.rel(path)
    entries: dict[str, Entry] = {}
    data = read_input(path, "taxonomy", layout, problems, inside=layout.taxonomy)
    doc = yamlfile.parse_input(data, where, "taxonomy", problems,
                               f"the taxonomy is empty; list the {table.name} as entries ('- {table.primary_key[0]}: ...')")
    if doc is None:
        return entries
    if not isinstance(doc, list):
        problems.add(where, yamlfile.line_of(doc), "a taxonomy file must be a list of entries (lines starting with '- ')")
        return entries
    key = table.primary_key[0]
    for i, item in enumerate(doc):
        line = yamlfile.item_line(doc, i)
        values = check_record(item, table, reg, Known(), where, line, problems, what="a taxonomy entry")
        if values is None or not check_rules(values, table, where, line, problems):
            continue
        if table.field(key).origin == "computed":  # an id made of the entry's own values (crosswalks)
            values[key] = ":".join("none" if values.get(c) is None else str(values[c]) for c in table.concept)
        ident = values[key]
        if ident in entries:
            problems.add(where, line, f"duplicate {key} {ident!r} (first at line {entries[ident].line}); merge the two entries")
            continue
        entries[ident] = Entry(values, where, line)
        _check_codes(entries[ident], reference, problems)
    _unique_values(table, entries, problems)
    return entries


def load_taxonomies(reg: Registry, reference: dict[str, str], layout: Layout,
                    problems: Problems) -> dict[str, dict[str, Entry]]:
    """Entries of every taxonomy table, keyed by table name, then by id."""
    return {t.name: load_taxonomy(t, reg, reference, layout, problems) for t in reg.taxonomy_tables()}


def known_ids(taxonomies: dict[str, dict[str, Entry]], reg: Registry) -> Known:
    return Known(ids={name: set(entries) for name, entries in taxonomies.items()},
                 files={t.name: f"raw/taxonomy/{t.taxonomy}.yaml" for t in reg.taxonomy_tables()})
