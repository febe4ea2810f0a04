"""What changed between two releases (or a release and the current build): per table, the
schema changes and the rows added, removed and changed by primary key, with a few examples.

Reads only the Parquet files and the primary key recorded in their schema metadata, so any two
releases can be compared, whatever code built them."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

EXAMPLES = 3


@dataclass
class TableDiff:
    name: str
    status: str  # added, removed, changed, unchanged
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    columns_retyped: list[tuple[str, str, str]] = field(default_factory=list)
    rows_added: list[str] = field(default_factory=list)
    rows_removed: list[str] = field(default_factory=list)
    rows_changed: list[tuple[str, list[str]]] = field(default_factory=list)
    rows_old: int = 0
    rows_new: int = 0


def _tables(folder: Path | None) -> dict[str, Path]:
    if folder is None:
        return {}
    return {p.stem: p for p in sorted((folder / "parquet").glob("*.parquet"))}


def _keyed(path: Path) -> tuple[dict, dict[str, dict]]:
    table = pq.read_table(path)
    meta = table.schema.metadata or {}
    key = json.loads(meta.get(b"primary_key", b"[]")) or [table.schema.names[0]]
    types = {f.name: str(f.type) for f in table.schema}
    rows = {}
    for row in table.to_pylist():
        rows["|".join(str(row[k]) for k in key)] = row
    return types, rows


def diff_table(name: str, old: Path | None, new: Path | None) -> TableDiff:
    old_types, old_rows = _keyed(old) if old else ({}, {})
    new_types, new_rows = _keyed(new) if new else ({}, {})
    d = TableDiff(name, "unchanged", rows_old=len(old_rows), rows_new=len(new_rows))
    d.columns_added = [c for c in new_types if c not in old_types]
    d.columns_removed = [c for c in old_types if c not in new_types]
    d.columns_retyped = [(c, old_types[c], new_types[c]) for c in new_types
                         if c in old_types and old_types[c] != new_types[c]]
    d.rows_added = sorted(set(new_rows) - set(old_rows))
    d.rows_removed = sorted(set(old_rows) - set(new_rows))
    shared = [c for c in new_types if c in old_types]
    for key in sorted(set(old_rows) & set(new_rows)):
        changed = [c for c in shared if old_rows[key][c] != new_rows[key][c]]
        if changed:
            d.rows_changed.append((key, changed))
    if old is None:
        d.status = "added"
    elif new is None:
        d.status = "removed"
    elif any((d.columns_added, d.columns_removed, d.columns_retyped, d.rows_added, d.rows_removed, d.rows_changed)):
        d.status = "changed"
    return d


def diff_releases(old: Path | None, new: Path) -> list[TableDiff]:
    before, after = _tables(old), _tables(new)
    return [diff_table(n, before.get(n), after.get(n)) for n in sorted(set(before) | set(after))]


def render(diffs: list[TableDiff], old_label: str, new_label: str) -> str:
    out = [f"# Changes from {old_label} to {new_label}", "",
           "| table | status | rows before | rows after | added | removed | changed | schema |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for d in diffs:
        schema = "; ".join(filter(None, [
            d.columns_added and "added " + ", ".join(d.columns_added) if d.status != "added" else "",
            d.columns_removed and "removed " + ", ".join(d.columns_removed) if d.status != "removed" else "",
            d.columns_retyped and "retyped " + ", ".join(f"{c} {a}→{b}" for c, a, b in d.columns_retyped)]))
        out.append(f"| `{d.name}` | {d.status} | {d.rows_old} | {d.rows_new} | {len(d.rows_added)} | "
                   f"{len(d.rows_removed)} | {len(d.rows_changed)} | {schema} |")
    for d in diffs:
        if d.status in ("unchanged",):
            continue
        out += ["", f"## {d.name}"]
        if d.rows_added:
            out.append("Added, e.g.: " + ", ".join(f"`{k}`" for k in d.rows_added[:EXAMPLES]))
        if d.rows_removed:
            out.append("Removed, e.g.: " + ", ".join(f"`{k}`" for k in d.rows_removed[:EXAMPLES]))
        for key, cols in d.rows_changed[:EXAMPLES]:
            out.append(f"Changed `{key}`: {', '.join(cols)}")
    return "\n".join(out) + "\n"
