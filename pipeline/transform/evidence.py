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

import pyarrow as pa

from ..registry.arrow_schema import arrow_schema
from ..registry.model import Registry
from .assemble import quoted

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


def derive(reg: Registry, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The derived tables, from the final fact and taxonomy tables, in DuckDB: every statement of a
    concept (a row of a fact table naming it) gathered into one table, then counted by concept, by
    role and concept, by wording and by wording and source, in primary-key order. A set of values
    (languages, settings, original languages, kinds of translation) is written as its distinct
    values, sorted, joined by ", ", or null when empty."""
    import duckdb

    importance = reg.fields[SKILL_IMPORTANCE].enum if SKILL_IMPORTANCE in reg.fields else ()
    origins = source_origins(reg, tables)
    labels = concept_labels(reg, tables)
    statements = []
    for name, (column, kind) in concept_columns(reg).items():
        data = tables[name]
        rated = f"CAST({quoted(SKILL_IMPORTANCE)} AS VARCHAR)" if SKILL_IMPORTANCE in data.column_names else "NULL"
        statements.append(
            f"SELECT {_s(kind)} AS kind, CAST({quoted(column)} AS VARCHAR) AS concept, {quoted(reg.tables[name].primary_key[0])} "
            f"AS row_id, {_s(name)} AS fact_table, source_id, lang, setting, role_id, restates IS NULL AS first, "
            f"text, text_en, line, {quoted(ARTEFACT)} AS artefact, translation_note, {rated} AS importance FROM {quoted(name)}")
    joined = "string_agg(DISTINCT {0}, ', ' ORDER BY {0}) FILTER (WHERE first AND {0} IS NOT NULL)"
    origin = (f"count(DISTINCT o.origin_id) FILTER (WHERE first) AS origin_count, "
              f"count(DISTINCT o.original) FILTER (WHERE first) AS original_language_count, "
              f"{joined.format('o.original')} AS original_languages, {joined.format('o.translation')} AS translation_kinds, "
              f"count(DISTINCT f.source_id) FILTER (WHERE first) AS source_count, "
              f"count(DISTINCT f.lang) FILTER (WHERE first) AS language_count, {joined.format('f.lang')} AS languages, "
              "count(*) FILTER (WHERE first) AS mention_count, count(*) FILTER (WHERE NOT first) AS restatement_count")
    levels = "".join(f", CASE WHEN kind = 'skill' THEN count(*) FILTER (WHERE first AND importance = {_s(level)}) END "
                     f"AS {quoted(level + '_count')}" for level in importance)
    in_sample = tables[reg.sidecar_table().name].num_rows
    origins_in_sample = len({o for o, _, _ in origins.values()})
    queries = {
        "concept_evidence": f"""
            SELECT kind AS concept_type, concept AS concept_id, l.label AS concept_label_en, {in_sample} AS sources_in_sample,
                   {origins_in_sample} AS origins_in_sample, e.* EXCLUDE (kind, concept)
            FROM (SELECT kind, concept, {origin}, {joined.format('f.setting')} AS settings {levels}
                  FROM facts f LEFT JOIN origins o USING (source_id) GROUP BY kind, concept) e
            LEFT JOIN labels l USING (kind, concept)""",
        "role_profiles": f"""
            SELECT role_id, kind AS concept_type, concept AS concept_id, l.label AS concept_label_en, p.* EXCLUDE (role_id, kind, concept)
            FROM (SELECT role_id, kind, concept, {origin} FROM facts f LEFT JOIN origins o USING (source_id)
                  WHERE kind <> 'role' GROUP BY role_id, kind, concept) p
            LEFT JOIN labels l USING (kind, concept)""",
        "attested_labels": """
            SELECT kind || ':' || concept || ':' || lang || ':' || left(sha256(text), 16) AS label_id, kind AS concept_type,
                   concept AS concept_id, lang, text, first_row.text_en AS text_en, mention_count, source_count,
                   first_row.fact_table AS first_table, first_row.row_id AS first_row_id
            FROM (SELECT kind, concept, lang, text, count(*) FILTER (WHERE first) AS mention_count,
                         count(DISTINCT source_id) FILTER (WHERE first) AS source_count,
                         min({'row_id': row_id, 'fact_table': fact_table, 'text_en': text_en}) AS first_row
                  FROM facts WHERE artefact IS NULL GROUP BY kind, concept, lang, text)""",
        "attested_label_sources": """
            SELECT kind || ':' || concept || ':' || lang || ':' || left(sha256(text), 16) AS label_id, source_id,
                   count(*) FILTER (WHERE first) AS mention_count, count(*) FILTER (WHERE NOT first) AS restatement_count
            FROM facts WHERE artefact IS NULL GROUP BY kind, concept, lang, text, source_id""",
        "translation_artefacts": """
            SELECT row_id, fact_table, source_id, line, kind AS concept_type, concept AS concept_id, lang, text, text_en,
                   artefact, translation_note
            FROM facts WHERE artefact IS NOT NULL""",
    }
    out = {}
    with duckdb.connect() as con:
        for name, data in tables.items():
            con.register(name, data)
        con.register("origins", pa.table({"source_id": list(origins), "origin_id": [o for o, _, _ in origins.values()],
                                          "original": [g for _, g, _ in origins.values()],
                                          "translation": [k for _, _, k in origins.values()]}))
        con.register("labels", pa.table({"kind": [k for k, _ in labels], "concept": [c for _, c in labels],
                                         "label": list(labels.values())}, schema=pa.schema(
            [("kind", pa.string()), ("concept", pa.string()), ("label", pa.string())])))
        # Every statement of a concept, from every fact table: the five queries below read it. A view,
        # not a table: each query scans the Arrow tables in place, which at 2,000 sources took 0.7 s in
        # all against 0.9 s for copying the statements into a table first.
        con.execute("CREATE TEMP VIEW facts AS " + " UNION ALL ".join(statements or [_NO_STATEMENTS]))
        for table in reg.derived_tables():
            columns = ", ".join(quoted(c) for c in table.columns)
            order = ", ".join(quoted(k) for k in table.primary_key)
            result = con.sql(f"SELECT {columns} FROM ({queries[table.name]}) ORDER BY {order}").to_arrow_table()
            out[table.name] = result.cast(arrow_schema(table, ""))
    return out


_NO_STATEMENTS = ("SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS concept, NULL::VARCHAR AS row_id, NULL::VARCHAR AS "
                  "fact_table, NULL::VARCHAR AS source_id, NULL::VARCHAR AS lang, NULL::VARCHAR AS setting, "
                  "NULL::VARCHAR AS role_id, NULL::BOOLEAN AS first, NULL::VARCHAR AS text, NULL::VARCHAR AS text_en, "
                  "NULL::BIGINT AS line, NULL::VARCHAR AS artefact, NULL::VARCHAR AS translation_note, "
                  "NULL::VARCHAR AS importance WHERE false")


def _s(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
