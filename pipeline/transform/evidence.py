"""The evidence tables, derived from the fact tables: what the sources agree on, and in which words.

Every fact table whose rows state one canonical concept contributes: duties, skills, tools and
metrics by their taxonomy id; benefits, pay factors, requirements and working conditions by their
type; titles by their role. A row that restates another row of its source (`restates` set) is
evidence already counted, so every count here excludes it (it is counted apart, and its wording
is still listed among the attested labels).

The sources are translations (sidecar `translation`, `original_lang`), and two texts derived from
one original are one origin (`origin_id`), not two independent descriptions of the job: so beside
the sources and published languages every count also says how many origins, in which original
languages and by what kind of translation.

- concept_evidence: per concept, the sources, origins and languages that state it, its mentions,
  settings and, for skills, importance; always beside the size of the sample (`sources_in_sample`,
  `origins_in_sample`).
- role_profiles: the same per role and concept.
- attested_labels: every wording of every concept per language, with its translation, how often
  it is used and in how many sources, and the first row that uses it (its quote locates it);
  never a wording a curator flagged as a translation artefact.
- translation_artefacts: those flagged rows, apart, with what the source meant.
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
CONCEPT_TYPE = "concept_type"
ARTEFACT = "artefact"
# The BCP 47 tag for a language nobody could determine (a translation whose original was not found
# and whose language the text does not show).
UNDETERMINED = "und"


def source_origins(reg: Registry, tables: dict[str, pa.Table]) -> dict[str, tuple[str, str, str]]:
    """source_id -> (origin_id, original language, kind of translation)."""
    data = tables[reg.sidecar_table().name]
    cols = {c: data.column(c).to_pylist() for c in ("source_id", "origin_id", "original_lang", "lang", "translation")}
    out = {}
    for i, source_id in enumerate(cols["source_id"]):
        kind = cols["translation"][i]
        original = cols["original_lang"][i] or (cols["lang"][i] if kind == "none" else UNDETERMINED)
        out[source_id] = (cols["origin_id"][i], original, kind)
    return out


def concept_columns(reg: Registry) -> dict[str, tuple[str, str]]:
    """Fact table -> (the column naming the concept its rows state, the concept_type)."""
    kinds = reg.fields[CONCEPT_TYPE].enum  # the kinds of concept, listed once, in the registry
    out = {}
    for table in reg.fact_tables():
        if table.evidence_of is None:
            continue
        column = table.evidence_of
        out[table.name] = (column, next(k for k in (column.removesuffix("_id"), column) if k in kinds))
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


def wording_digest(text: str) -> str:
    """The part of a wording's label id that names its text: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _joined(values) -> str | None:
    values = sorted(v for v in values if v is not None)
    return ", ".join(values) if values else None


def _origin_columns(sources: set, origins: dict) -> dict:
    """How many independent origins the stating sources come from, in which original languages,
    and by what kind of translation."""
    known = [origins[s] for s in sources]
    originals = {language for _, language, _ in known}
    return {"origin_count": len({origin for origin, _, _ in known}), "original_language_count": len(originals),
            "original_languages": _joined(originals), "translation_kinds": _joined({kind for _, _, kind in known})}


def derive(reg: Registry, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The derived tables, as Arrow, from the final fact and taxonomy tables."""
    labels = concept_labels(reg, tables)
    in_sample = tables[reg.sidecar_table().name].num_rows
    origins = source_origins(reg, tables)
    origins_in_sample = len({origin for origin, _, _ in origins.values()})
    artefacts = []
    evidence: dict[tuple, dict] = {}
    profiles: dict[tuple, dict] = {}
    wordings: dict[tuple, dict] = {}
    for name, (column, kind) in concept_columns(reg).items():
        data = tables[name]
        pk = reg.tables[name].primary_key[0]
        cols = {c: data.column(c).to_pylist() for c in
                {column, pk, "source_id", "lang", "setting", "role_id", "restates", "text", "text_en", "line",
                 ARTEFACT, "translation_note"}
                | ({SKILL_IMPORTANCE} if SKILL_IMPORTANCE in data.column_names else set())}
        for i in range(data.num_rows):
            concept = cols[column][i]
            first = cols["restates"][i] is None
            source_id = cols["source_id"][i]
            e = evidence.setdefault((kind, concept), {"sources": set(), "langs": set(), "settings": set(), "mentions": 0,
                                                      "restatements": 0, "importance": defaultdict(int)})
            if first:
                e["sources"].add(source_id)
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
                    p["sources"].add(source_id)
                    p["langs"].add(cols["lang"][i])
                    p["mentions"] += 1
                else:
                    p["restatements"] += 1
            if cols[ARTEFACT][i] is not None:  # evidence of the concept, never one of its labels
                artefacts.append({"row_id": cols[pk][i], "fact_table": name, "source_id": source_id,
                                  "line": cols["line"][i], "concept_type": kind, "concept_id": concept,
                                  "lang": cols["lang"][i], "text": cols["text"][i], "text_en": cols["text_en"][i],
                                  ARTEFACT: cols[ARTEFACT][i], "translation_note": cols["translation_note"][i]})
                continue
            w = wordings.setdefault((kind, concept, cols["lang"][i], cols["text"][i]),
                                    {"sources": {}, "mentions": 0, "first": None})
            used = w["sources"].setdefault(source_id, [0, 0])  # [first statements, restatements]
            used[0 if first else 1] += 1
            w["mentions"] += first
            row = (cols[pk][i], name, cols["text_en"][i])
            if w["first"] is None or row < w["first"]:
                w["first"] = row
    importance = reg.fields[SKILL_IMPORTANCE].enum if SKILL_IMPORTANCE in reg.fields else ()
    evidence_rows = []
    for (kind, concept), e in evidence.items():
        row = {"concept_type": kind, "concept_id": concept, "concept_label_en": labels.get((kind, concept)),
               "source_count": len(e["sources"]), "sources_in_sample": in_sample,
               **_origin_columns(e["sources"], origins), "origins_in_sample": origins_in_sample,
               "language_count": len(e["langs"]), "languages": _joined(e["langs"]), "mention_count": e["mentions"],
               "restatement_count": e["restatements"], "settings": _joined(e["settings"])}
        for level in importance:
            row[f"{level}_count"] = e["importance"].get(level, 0) if kind == "skill" else None
        evidence_rows.append(row)
    profile_rows = [{"role_id": role, "concept_type": kind, "concept_id": concept,
                     "concept_label_en": labels.get((kind, concept)), "source_count": len(p["sources"]),
                     **_origin_columns(p["sources"], origins), "language_count": len(p["langs"]),
                     "languages": _joined(p["langs"]), "mention_count": p["mentions"],
                     "restatement_count": p["restatements"]} for (role, kind, concept), p in profiles.items()]
    label_rows, label_source_rows = [], []
    for (kind, concept, lang, text), w in wordings.items():
        digest = wording_digest(text)
        label_id = f"{kind}:{concept}:{lang}:{digest}"
        row_id, table, text_en = w["first"]
        label_rows.append({"label_id": label_id, "concept_type": kind, "concept_id": concept,
                           "lang": lang, "text": text, "text_en": text_en, "mention_count": w["mentions"],
                           "source_count": sum(1 for firsts, _ in w["sources"].values() if firsts),
                           "first_table": table, "first_row_id": row_id})
        label_source_rows.extend({"label_id": label_id, "source_id": source_id, "mention_count": firsts,
                                  "restatement_count": again} for source_id, (firsts, again) in w["sources"].items())
    rows = {"concept_evidence": evidence_rows, "role_profiles": profile_rows, "attested_labels": label_rows,
            "attested_label_sources": label_source_rows, "translation_artefacts": artefacts}
    out = {}
    for table in reg.derived_tables():
        data = to_arrow(table, rows[table.name])
        keys = [(k, "ascending") for k in table.primary_key]
        out[table.name] = data.take(pa.compute.sort_indices(data, sort_keys=keys))
    return out
