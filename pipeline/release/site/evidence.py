"""The evidence of each concept, grouped once for all concept and role pages.

The derived tables (concept_evidence, role_profiles, attested_labels) say how many sources state a
concept and in which words; the statements themselves (every fact row naming the concept, with its
wording) are gathered here from the fact tables into one narrow Arrow table, grouped by concept, so
that a concept page lists every row that uses each wording without any table being filtered per page.
The same statements, reduced once to their distinct (language, source, setting) for each concept and
role, are what the filters of concept and role pages match a row of a profile against.

A page is kept from one build to the next under a digest of what it shows (release/reuse.py). The
statements of a concept are the union of each source's, and a source's statements come from its
own rows, which are a function of its partition: so each source's digests (of its statements of
each concept, and of what it states for each role) are kept under its partition's key, and a
concept's digest is made of its sources' ones. After one source is edited only its statements are
read; the whole statements table is grouped only when a page must be made again. Grouping it took
a second and a half of every build at 2,000 sources, for pages that were then all kept.
"""
from __future__ import annotations

import functools
import hashlib
import json

import pyarrow as pa
import pyarrow.compute as pc

from ...common.cache import key
from ...registry.model import Registry
from ..reuse import Reuse
from .concepts import ROLE_KIND, Catalogue
from .grouping import Groups, joined_key

KEY = ("concept_type", "concept_id")
STATED = ("lang", "source_id", "setting")  # what a reader filters a concept's or a role's rows by
COLUMNS = {"key": pa.string(), "role_id": pa.string(), "lang": pa.string(), "text": pa.string(),
           "row_id": pa.string(), "source_id": pa.string(), "setting": pa.string(), "line": pa.int64(),
           "restates": pa.string()}
SUMMARY, PROFILES, WORDINGS = "concept_evidence", "role_profiles", "attested_labels"


class Evidence:
    def __init__(self, reg: Registry, tables: dict[str, pa.Table], catalogue: Catalogue, reuse: Reuse | None = None):
        def by_concept(name: str) -> Groups:
            return Groups(tables[name], joined_key(tables[name], list(KEY)))

        self.tables, self.catalogue, self.reuse = tables, catalogue, reuse or Reuse(None)
        self.summary, self.profiles, self.wordings = by_concept(SUMMARY), by_concept(PROFILES), by_concept(WORDINGS)
        self.profiles_by_role = Groups(tables[PROFILES], "role_id")
        # (fact table, concept kind, the column naming the concept, the row id) of every statement
        self.stating = [(name, kind.name, kind.field.name, reg.tables[name].primary_key[0])
                        for kind in catalogue.kinds.values() for name in kind.fact_tables]

    @functools.cached_property
    def _narrow(self) -> dict[str, pa.Table]:
        """Each fact table's rows as statements (fact table -> statements)."""
        return {name: _statement_columns(self.tables[name], *named) for name, *named in self.stating}

    @functools.cached_property
    def statements(self) -> Groups:
        """Every statement of a concept, grouped by concept (`kind:id`), in the order of the fact tables
        and of their rows: made when a page that shows them is made."""
        parts = list(self._narrow.values())
        empty = pa.table({c: pa.array([], t) for c, t in COLUMNS.items()})
        return Groups(pa.concat_tables(parts) if parts else empty, "key")

    @functools.cached_property
    def stated(self) -> Groups:
        """The distinct (language, source, setting) of the statements, by concept and role."""
        # Sorted: a multi-threaded group_by gives its groups in any order.
        columns = ["key", "role_id", *STATED]
        distinct = self.statements.table.group_by(columns).aggregate([]).sort_by([(c, "ascending") for c in columns])
        return Groups(distinct, joined_key(distinct, ["key", "role_id"], "|"))

    @functools.cached_property
    def _digests(self) -> tuple[dict[str, str], str]:
        """(concept `kind:id` -> digest of its statements, digest of what is stated for each role),
        made of each source's own digests, in the order of the sources."""
        sources = sorted({s for name, *_ in self.stating for s in pc.unique(self.tables[name].column("source_id")).to_pylist()})
        narrow = functools.cache(lambda: {name: Groups(table, "source_id") for name, table in self._narrow.items()})
        per_key: dict[str, list[str]] = {}
        stated = []
        for source_id in sources:
            inputs, group = self.reuse.of_source(source_id, "statements")
            made = functools.partial(_source_digests, narrow, source_id)
            found = json.loads(self.reuse.keyed("site-statements", inputs, made, group))
            for concept, digest in found["statements"].items():
                per_key.setdefault(concept, []).append(f"{source_id}={digest}")
            stated.append(f"{source_id}={found['stated']}")
        return {concept: key(*parts) for concept, parts in per_key.items()}, key(*stated)

    def inputs(self, kind: str, ident: str) -> str:
        """Everything a concept's page shows besides what all pages share: its rows of the derived
        tables, and its statements (every fact row naming it, in the columns the page shows), as a
        digest. Same inputs, same page: an edit of a source elsewhere, or of a column the page does
        not show, leaves the page as it was."""
        return repr((kind, ident, self.summary_row(kind, ident), self.profile_rows(kind, ident),
                     self.wording_rows(kind, ident), self._digests[0].get(f"{kind}:{ident}"),
                     self.role_profile(ident) if kind == ROLE_KIND else None))

    def stated_digest(self) -> str:
        """The digest of every (language, source, setting) in which each concept is stated for each
        role: what the filters of a role's page match its profile against."""
        return self._digests[1]

    def summary_row(self, kind: str, ident: str) -> dict | None:
        rows = self.summary.rows(f"{kind}:{ident}")
        return rows[0] if rows else None

    def profile_rows(self, kind: str, ident: str) -> list[dict]:
        return self.profiles.rows(f"{kind}:{ident}")

    def role_profile(self, role: str) -> list[dict]:
        return self.profiles_by_role.rows(role)

    def wording_rows(self, kind: str, ident: str) -> list[dict]:
        return self.wordings.rows(f"{kind}:{ident}")

    def statements_of(self, kind: str, ident: str) -> dict[tuple[str, str], list[dict]]:
        """Every fact row stating the concept, by its wording (lang, text), in row-id order."""
        out: dict[tuple[str, str], list[dict]] = {}
        for row in self.statements.rows(f"{kind}:{ident}", ["lang", "text", "row_id", "source_id", "setting", "line",
                                                             "restates"]):
            out.setdefault((row["lang"], row["text"]), []).append(row)
        for rows in out.values():
            rows.sort(key=lambda r: r["row_id"])
        return out

    def stated_by(self, kind: str, ident: str, role: str) -> list[tuple[str, str, str]]:
        """Every distinct (language, source, setting) in which the sources state the concept for the role."""
        return sorted(tuple(r[c] for c in STATED) for r in self.stated.rows(f"{kind}:{ident}|{role}", list(STATED)))


def _source_digests(narrow, source_id: str) -> bytes:
    """One source's digests: of its statements of each concept (its rows, in the order of the fact
    tables and of their rows), and of the distinct (concept, role, language, setting) it states.
    `narrow()` gives each fact table's statements grouped by source."""
    of_concept: dict[str, list] = {}
    stated = set()
    for groups in narrow().values():
        for row in zip(*groups.columns(source_id, list(COLUMNS)).values()):
            of_concept.setdefault(row[0], []).append(row[1:])
            stated.add((row[0], row[1], *(row[i] for i in _STATED_AT)))
    ordered = sorted(stated, key=lambda t: [(v is None, v or "") for v in t])
    return json.dumps({"statements": {k: _digest(v) for k, v in sorted(of_concept.items())},
                       "stated": _digest(ordered)}, sort_keys=True).encode("utf-8")


def _statement_columns(data: pa.Table, kind: str, field: str, primary_key: str) -> pa.Table:
    """A fact table's rows as statements: the concept they name (`kind:id`), their row id, and the
    columns a concept's page shows."""
    n = data.num_rows
    columns = {"key": pc.binary_join_element_wise(pa.array([kind] * n, pa.string()), data.column(field).cast(pa.string()), ":"),
               "row_id": data.column(primary_key)}
    return pa.table({c: (columns[c] if c in columns else data.column(c)).cast(t) for c, t in COLUMNS.items()})


_STATED_AT = [list(COLUMNS).index(c) for c in STATED]


def _digest(values: list) -> str:
    """The sha256 of plain values (texts, numbers, None, in lists and tuples) by their repr, which
    is the same for the same values in every run."""
    return hashlib.sha256(repr(values).encode("utf-8")).hexdigest()
