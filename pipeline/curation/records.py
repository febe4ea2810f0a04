"""One curated record (a mapping record, a sidecar, a taxonomy entry) checked against the registry.

The registry says which keys a curator writes for a table (its curated fields, under their
aliases), what a valid value of each is (values.judge), which values must name a known concept
(foreign keys), and which cross-field rules a record can already be held to. Every problem is
reported at the record's file and the line of the key, once, with how to fix it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..common import yamlfile
from ..common.hints import hint
from ..common.problems import Problems
from ..registry.model import Field, Registry, Table
from ..registry.rules import broken_by
from ..registry.values import judge


@dataclass
class Known:
    """The ids each taxonomy defines, for foreign-key checks of curated records."""
    ids: dict[str, set] = field(default_factory=dict)   # table name -> ids
    files: dict[str, str] = field(default_factory=dict)  # table name -> taxonomy file

    def problem(self, reg: Registry, table: Table, f: Field, value, key: str) -> str | None:
        owner = table.references.get(f.name)
        if owner is None or owner not in self.ids or value in self.ids[owner]:
            return None
        return (f"unknown {f.name} {value!r}{hint(value, self.ids[owner])}; use an id of "
                f"{self.files.get(owner, owner)} or add the concept there")


@dataclass
class Defaults:
    """A mapping's `defaults`, checked once at their own lines; records inherit only good values."""
    values: dict = field(default_factory=dict)
    broken: set = field(default_factory=set)


def check_defaults(doc, tables: list[Table], reg: Registry, known: Known, where: str, problems: Problems) -> Defaults:
    out = Defaults()
    if doc is None:
        return out
    if not isinstance(doc, dict):
        problems.add(where, yamlfile.line_of(doc), "defaults must be a mapping of keys records share, "
                     "e.g. `role: customer_service_representative`")
        return out
    by_key: dict[str, tuple[Table, Field]] = {}
    for table in tables:
        for f in table.curated():
            by_key.setdefault(f.key, (table, f))
    for key, value in doc.items():
        line = yamlfile.line_of(doc, key)
        if key not in by_key:
            problems.add(where, line, f"unknown key {key!r} in defaults{hint(key, by_key)}; defaults take the keys "
                         f"records are written with: {', '.join(sorted(by_key))}")
            out.broken.add(key)
            continue
        table, f = by_key[key]
        if value is None:
            problems.add(where, line, f"default {key!r} has no value; give it one or remove the line")
            out.broken.add(key)
            continue
        if key == "quote":
            problems.add(where, line, "a quote is never a default; every record quotes its own words")
            out.broken.add(key)
            continue
        message = judge(f, value, key) or known.problem(reg, table, f, value, key)
        if message:
            problems.add(where, line, message)
            out.broken.add(key)
            continue
        out.values[key] = value
    return out


def check_record(record, table: Table, reg: Registry, known: Known, where: str, line: int, problems: Problems,
                 defaults: Defaults | None = None, extra_keys: tuple[str, ...] = (),
                 what: str = "a record", aliases: bool = False) -> dict | None:
    """The record's values by column (None where absent), or None when anything is wrong.
    Mapping records are written with the fields' short aliases (`duty`); taxonomy entries and
    sidecars, which are rows of their tables, with the column names."""
    if not isinstance(record, dict):
        problems.add(where, line, f"{what} must be a mapping of keys (key: value)")
        return None
    keys = table.keys_by_alias if aliases else table.keys_by_name
    ok = True
    for key in record:
        if key not in keys and key not in extra_keys:
            allowed = sorted((*keys, *extra_keys))
            problems.add(where, yamlfile.line_of(record, key),
                         f"unknown key {key!r}{hint(key, allowed)}; allowed: {', '.join(allowed)}")
            ok = False
    values: dict = {}
    for key, f in keys.items():
        if key in record:
            value = record[key]
            at = yamlfile.line_of(record, key)
            message = judge(f, value, key)
            if message is None and value is not None:
                message = known.problem(reg, table, f, value, key)
            if message:
                problems.add(where, at, message)
                ok = False
                continue
        elif defaults is not None and key in defaults.values:
            value = defaults.values[key]
        else:
            value = None
        if value is None and f.required:
            if defaults is None or key not in defaults.broken:
                problems.add(where, line, f"missing {key!r}: {f.description}")
            ok = False
        values[f.name] = value
    if not ok:
        return None
    return values


def check_rules(values: dict, table: Table, where: str, line: int, problems: Problems) -> bool:
    """Hold the record to every rule of its table that its own values can decide."""
    ok = True
    for rule in table.curated_rules:
        for message in broken_by(rule, values):
            problems.add(where, line, message)
            ok = False
    return ok
