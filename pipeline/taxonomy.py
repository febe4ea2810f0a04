"""Canonical concepts (raw/taxonomy/*.yaml) that mappings refer to by id.

Each taxonomy file fills one registry table (`taxonomy:` in schemas/tables.yaml). ESCO URIs and
ISCO-08 codes are accepted only when they appear in raw/reference/, the rows copied from the
published ESCO list, so no code can be written down that was not found there.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .paths import REFERENCE, TAXONOMY, rel
from .problems import Problems
from .registry import Registry
from . import yamlfile

ESCO_FILES = ("esco_occupations.csv", "esco_skills.csv")


@dataclass(frozen=True)
class Entry:
    values: dict
    file: str
    line: int


def load_esco_uris(directory: Path = REFERENCE) -> set[str]:
    uris: set[str] = set()
    for name in ESCO_FILES:
        path = directory / name
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                uris.update(row["id"] for row in csv.DictReader(fh))
    return uris


def _check_codes(table: str, entry: Entry, esco: set[str], problems: Problems) -> None:
    uri = entry.values.get("esco_uri")
    if uri and uri not in esco:
        problems.add(entry.file, entry.line,
                     f"esco_uri {uri} is not in raw/reference/{ESCO_FILES[0 if table == 'roles' else 1]}; "
                     "copy its row there from shared/reference/esco (a URI not in the published list is an error)")
    code = entry.values.get("isco08_code")
    if code and f"http://data.europa.eu/esco/isco/C{code}" not in esco:
        problems.add(entry.file, entry.line,
                     f"isco08_code {code} is not an ISCO-08 group in raw/reference/esco_occupations.csv; "
                     "copy the row http://data.europa.eu/esco/isco/C<code> there from shared/reference/esco")


def load_taxonomies(reg: Registry, problems: Problems, directory: Path = TAXONOMY,
                    reference: Path = REFERENCE) -> dict[str, dict[str, Entry]]:
    """Entries of every taxonomy table, keyed by table name, then by id."""
    esco = load_esco_uris(reference)
    out: dict[str, dict[str, Entry]] = {}
    for table in reg.tables.values():
        if not table.taxonomy:
            continue
        path = directory / f"{table.taxonomy}.yaml"
        where = rel(path)
        doc = yamlfile.load(path, problems)
        entries: dict[str, Entry] = {}
        out[table.name] = entries
        if doc is None:
            continue
        if not isinstance(doc, list):
            problems.add(where, 1, "a taxonomy file must be a list of entries (lines starting with '- ')")
            continue
        key = table.primary_key[0]
        for i, item in enumerate(doc):
            line = yamlfile.item_line(doc, i)
            if not isinstance(item, dict):
                problems.add(where, line, f"entry must be a mapping with {', '.join(table.columns)}")
                continue
            unknown = [k for k in item if k not in table.columns]
            if unknown:
                problems.add(where, line, f"unknown key(s) {unknown}; allowed: {', '.join(table.columns)}")
            for f in table.fields:
                if table.is_required(f) and item.get(f.name) in (None, ""):
                    problems.add(where, line, f"missing required key {f.name!r}")
            ident = item.get(key)
            if ident is None:
                continue
            if ident in entries:
                problems.add(where, line, f"duplicate {key} {ident!r} (first at line {entries[ident].line}); merge the two entries")
                continue
            values = {c: item.get(c) for c in table.columns}
            values = {k: (" ".join(v.split()) if isinstance(v, str) else v) for k, v in values.items()}
            entries[ident] = Entry(values, where, line)
            _check_codes(table.name, entries[ident], esco, problems)
    return out
