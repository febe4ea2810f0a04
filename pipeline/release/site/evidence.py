"""The evidence of each concept, grouped once for all concept and role pages.

The derived tables (concept_evidence, role_profiles, attested_labels) say how many sources state a
concept and in which words; the statements themselves (every fact row naming the concept, with its
wording) are gathered here from the fact tables into one narrow Arrow table, grouped by concept, so
that a concept page lists every row that uses each wording without any table being filtered per page.
The same statements, reduced once to their distinct (language, source, setting) for each concept and
role, are what the filters of concept and role pages match a row of a profile against.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ...common.digests import arrow_digest
from ...registry.model import Registry
from .concepts import ROLE_KIND, Catalogue
from .grouping import Groups, joined_key

KEY = ("concept_type", "concept_id")
STATED = ("lang", "source_id", "setting")  # what a reader filters a concept's or a role's rows by
COLUMNS = {"key": pa.string(), "role_id": pa.string(), "lang": pa.string(), "text": pa.string(),
           "row_id": pa.string(), "source_id": pa.string(), "setting": pa.string(), "line": pa.int64(),
           "restates": pa.string()}
SUMMARY, PROFILES, WORDINGS = "concept_evidence", "role_profiles", "attested_labels"


class Evidence:
    def __init__(self, reg: Registry, tables: dict[str, pa.Table], catalogue: Catalogue):
        def by_concept(name: str) -> Groups:
            return Groups(tables[name], joined_key(tables[name], list(KEY)))

        self.summary, self.profiles, self.wordings = by_concept(SUMMARY), by_concept(PROFILES), by_concept(WORDINGS)
        self.profiles_by_role = Groups(tables[PROFILES], "role_id")
        self.statements = self._statements(reg, tables, catalogue)
        # Sorted: a multi-threaded group_by gives its groups in any order, and stated_digest must not.
        columns = ["key", "role_id", *STATED]
        distinct = self.statements.table.group_by(columns).aggregate([]).sort_by([(c, "ascending") for c in columns])
        self.stated = Groups(distinct, joined_key(distinct, ["key", "role_id"], "|"))

    @staticmethod
    def _statements(reg: Registry, tables: dict[str, pa.Table], catalogue: Catalogue) -> Groups:
        parts = []
        for kind in catalogue.kinds.values():
            for name in kind.fact_tables:
                data, table = tables[name], reg.tables[name]
                n = data.num_rows
                columns = {"key": pc.binary_join_element_wise(pa.array([kind.name] * n, pa.string()),
                                                              data.column(kind.field.name).cast(pa.string()), ":"),
                           "row_id": data.column(table.primary_key[0])}
                parts.append(pa.table({c: (columns[c] if c in columns else data.column(c)).cast(t)
                                       for c, t in COLUMNS.items()}))
        empty = pa.table({c: pa.array([], t) for c, t in COLUMNS.items()})
        combined = pa.concat_tables(parts) if parts else empty
        return Groups(combined, "key")

    def inputs(self, kind: str, ident: str) -> str:
        """Everything a concept's page shows besides what all pages share: its rows of the derived
        tables, and its statements (every fact row naming it, in the columns the page shows), as the
        digest of their Arrow bytes. Same inputs, same page: an edit of a source elsewhere, or of a
        column the page does not show, leaves the page as it was."""
        return repr((kind, ident, self.summary_row(kind, ident), self.profile_rows(kind, ident),
                     self.wording_rows(kind, ident), arrow_digest(self.statements.slice(f"{kind}:{ident}")),
                     self.role_profile(ident) if kind == ROLE_KIND else None))

    def stated_digest(self) -> str:
        """The digest of every (language, source, setting) in which each concept is stated for each
        role: what the filters of a role's page match its profile against."""
        return arrow_digest(self.stated.table)

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
