"""The evidence tables, derived from the fact tables: what the sources agree on, and in which words.

Every fact table whose rows state one canonical concept contributes: duties, skills, tools and
metrics by their taxonomy id; benefits, pay factors, requirements and working conditions by their
type; titles by their role. A row that restates another row of its source (`restates` set) is
evidence already counted, so every count here excludes it (it is counted apart, and its wording
is still listed among the attested labels).

- concept_evidence: per concept, the sources and languages that state it, its mentions, settings
  and, for skills, importance; always beside the size of the sample (`sources_in_sample`).
- role_profiles: the same per role and concept.
- attested_labels: every wording of every concept per language, with its translation, how often
  it is used and in how many sources, and the first row that uses it (its quote locates it).
- attested_label_sources: which sources use each wording, one row per wording and source (a
  list of sources in one cell would grow without bound as sources are added).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict

import pyarrow as pa

from ..registry.model import Registry
from .frames import to_arrow

SKILL_IMPORTANCE = "importance"


def concept_columns(reg: Registry) -> dict[str, tuple[str, str]]:
    """Fact table -> (the column naming the concept its rows state, the concept_type)."""
    taxonomy_keys = {t.primary_key[0] for t in reg.taxonomy_tables()}
    out = {}
    for table in reg.fact_tables():
        if table.evidence_of is None:
            continue
        column = table.evidence_of
        kind = column[:-3] if column in taxonomy_keys and column.endswith("_id") else column
        out[table.name] = (column, kind)
    return out


def concept_labels(reg: Registry, tables: dict[str, pa.Table]) -> dict[tuple[str, str], str]:
    out = {}
    for t in reg.taxonomy_tables():
        column = t.primary_key[0]
        kind = column[:-3]
        data = tables[t.name]
        if "label_en" in data.column_names:
            for ident, label in zip(data.column(column).to_pylist(), data.column("label_en").to_pylist()):
                out[(kind, ident)] = label
    return out


def _joined(values) -> str | None:
    values = sorted(v for v in values if v is not None)
    return ", ".join(values) if values else None


def derive(reg: Registry, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The derived tables, as Arrow, from the final fact and taxonomy tables."""
    labels = concept_labels(reg, tables)
    in_sample = tables[reg.sidecar_table().name].num_rows
    evidence: dict[tuple, dict] = {}
    profiles: dict[tuple, dict] = {}
    wordings: dict[tuple, dict] = {}
    for name, (column, kind) in concept_columns(reg).items():
        data = tables[name]
        pk = reg.tables[name].primary_key[0]
        cols = {c: data.column(c).to_pylist() for c in
                {column, pk, "source_id", "lang", "setting", "role_id", "restates", "text", "text_en"}
                | ({SKILL_IMPORTANCE} if SKILL_IMPORTANCE in data.column_names else set())}
        for i in range(data.num_rows):
            concept = cols[column][i]
            first = cols["restates"][i] is None
            e = evidence.setdefault((kind, concept), {"sources": set(), "langs": set(), "settings": set(), "mentions": 0,
                                                      "restatements": 0, "importance": defaultdict(int)})
            if first:
                e["sources"].add(cols["source_id"][i])
                e["langs"].add(cols["lang"][i])
                e["settings"].add(cols["setting"][i])
                e["mentions"] += 1
                if SKILL_IMPORTANCE in cols:
                    e["importance"][cols[SKILL_IMPORTANCE][i]] += 1
            else:
                e["restatements"] += 1
            if kind != "role":
                p = profiles.setdefault((cols["role_id"][i], kind, concept),
                                        {"sources": set(), "langs": set(), "mentions": 0, "restatements": 0})
                if first:
                    p["sources"].add(cols["source_id"][i])
                    p["langs"].add(cols["lang"][i])
                    p["mentions"] += 1
                else:
                    p["restatements"] += 1
            w = wordings.setdefault((kind, concept, cols["lang"][i], cols["text"][i]),
                                    {"sources": {}, "mentions": 0, "first": None})
            used = w["sources"].setdefault(cols["source_id"][i], [0, 0])  # [first statements, restatements]
            used[0 if first else 1] += 1
            w["mentions"] += first
            row = (cols[pk][i], name, cols["text_en"][i])
            if w["first"] is None or row < w["first"]:
                w["first"] = row
    importance = reg.fields[SKILL_IMPORTANCE].enum if SKILL_IMPORTANCE in reg.fields else ()
    evidence_rows = []
    for (kind, concept), e in evidence.items():
        row = {"concept_type": kind, "concept_id": concept, "concept_label_en": labels.get((kind, concept)),
               "source_count": len(e["sources"]), "sources_in_sample": in_sample, "language_count": len(e["langs"]),
               "languages": _joined(e["langs"]), "mention_count": e["mentions"], "restatement_count": e["restatements"],
               "settings": _joined(e["settings"])}
        for level in importance:
            row[f"{level}_count"] = e["importance"].get(level, 0) if kind == "skill" else None
        evidence_rows.append(row)
    profile_rows = [{"role_id": role, "concept_type": kind, "concept_id": concept,
                     "concept_label_en": labels.get((kind, concept)), "source_count": len(p["sources"]),
                     "language_count": len(p["langs"]), "languages": _joined(p["langs"]), "mention_count": p["mentions"],
                     "restatement_count": p["restatements"]} for (role, kind, concept), p in profiles.items()]
    label_rows, label_source_rows = [], []
    for (kind, concept, lang, text), w in wordings.items():
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        label_id = f"{kind}:{concept}:{lang}:{digest}"
        row_id, table, text_en = w["first"]
        label_rows.append({"label_id": label_id, "concept_type": kind, "concept_id": concept,
                           "lang": lang, "text": text, "text_en": text_en, "mention_count": w["mentions"],
                           "source_count": sum(1 for firsts, _ in w["sources"].values() if firsts),
                           "first_table": table, "first_row_id": row_id})
        label_source_rows.extend({"label_id": label_id, "source_id": source_id, "mention_count": firsts,
                                  "restatement_count": again} for source_id, (firsts, again) in w["sources"].items())
    rows = {"concept_evidence": evidence_rows, "role_profiles": profile_rows, "attested_labels": label_rows,
            "attested_label_sources": label_source_rows}
    out = {}
    for table in reg.derived_tables():
        data = to_arrow(table, rows[table.name])
        keys = [(k, "ascending") for k in table.primary_key]
        out[table.name] = data.take(pa.compute.sort_indices(data, sort_keys=keys))
    return out
