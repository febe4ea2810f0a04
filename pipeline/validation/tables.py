"""Stage 4: validate tables against the registry (pandera, lazily, every failure at once) and
across tables (foreign keys, primary keys across partitions).

A failure is reported at the input the row came from (the mapping record, the taxonomy entry, the
sidecar), so even a problem only a whole table reveals points at a file and a line.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandera.errors import SchemaErrors

from ..common.problems import Problems
from ..registry.model import Registry, Table
from ..registry.pandera_schema import pandera_schema

Origins = dict[object, tuple[str, int]]  # primary key value -> (file, line)


@dataclass(frozen=True)
class KeyCoverage:
    """What one foreign key's check covered: `named` rows name a row of the table the key refers
    to, `missing` name none (the build stops), `empty` leave the optional reference out."""
    table: str
    field: str
    target: str
    column: str
    named: int
    missing: int
    empty: int


@dataclass
class Coverage:
    """The two checks people trust most, with the rows each covered, for the validation report:
    per fact table, the rows whose quote is found at its offsets in its source's text (checked as
    each mapping is verified, partitions.py); per table and foreign key, the rows checked here."""
    quotes: dict[str, int] = field(default_factory=dict)
    keys: list[KeyCoverage] = field(default_factory=list)


def schema_failures(table: Table, df: pd.DataFrame) -> list[tuple[int | None, str]]:
    """(row position or None, what failed) for every failure of the table's pandera schema."""
    try:
        pandera_schema(table).validate(df, lazy=True)
        return []
    except SchemaErrors as err:
        out = []
        for case in err.failure_cases.itertuples(index=False):
            index = None if case.index is None or pd.isna(case.index) else int(case.index)
            column = "" if pd.isna(case.column) or case.column == table.name else f".{case.column}"
            out.append((index, f"{table.name}{column}: {case.check} failed for {case.failure_case!r}"))
        return out


def key_of(table: Table, df: pd.DataFrame, index: int):
    key = df.iloc[index][list(table.primary_key)]
    return key.iloc[0] if len(table.primary_key) == 1 else tuple(key)


def report(table: Table, df: pd.DataFrame, failures, origins: Origins, problems: Problems) -> None:
    for index, message in failures:
        if index is None or not 0 <= index < len(df):
            problems.add("schemas/tables.yaml", table.line, message)
            continue
        row = key_of(table, df, index)
        file, line = origins.get(row, ("schemas/tables.yaml", table.line))
        problems.add(file, line, f"{message} (row {row})")


def validate_table(table: Table, df: pd.DataFrame, origins: Origins, problems: Problems) -> None:
    report(table, df, schema_failures(table, df), origins, problems)


def foreign_key_problems(reg: Registry, tables: dict[str, pa.Table], problems: Problems) -> list[KeyCoverage]:
    """Every foreign key of every table names a row of the table it refers to, and every primary
    key is unique across the partitions a table was assembled from; returns what each key covered.
    Asked of DuckDB, on the final tables as they are (an anti-join per key)."""
    import duckdb

    q = _quoted
    covered = []
    with duckdb.connect() as con:
        for name, data in tables.items():
            con.register(name, data)
        for name, table in reg.tables.items():
            keys = ", ".join(q(k) for k in table.primary_key)
            twice = con.execute(f"SELECT count(*) FROM (SELECT {keys} FROM {q(name)} GROUP BY ALL HAVING count(*) > 1)").fetchone()
            if twice[0]:
                problems.add("schemas/tables.yaml", table.line, f"{name}: a primary key value occurs twice")
            for fk in table.foreign_keys:
                # One join per key counts the filled and the missing references; the values missing
                # are looked up only when there are some.
                filled, total, missing = con.execute(
                    f"SELECT count(t.{q(fk.field)}), count(*), count(t.{q(fk.field)}) - count(r.v) FROM {q(name)} AS t "
                    f"LEFT JOIN (SELECT DISTINCT {q(fk.target)} AS v FROM {q(fk.table)}) AS r ON r.v = t.{q(fk.field)}"
                ).fetchone()
                if missing:
                    absent = (f"FROM {q(name)} AS t WHERE t.{q(fk.field)} IS NOT NULL AND NOT EXISTS "
                              f"(SELECT 1 FROM {q(fk.table)} AS r WHERE r.{q(fk.target)} = t.{q(fk.field)})")
                    for (value,) in con.execute(f"SELECT DISTINCT t.{q(fk.field)} AS v {absent} ORDER BY v LIMIT 20").fetchall():
                        problems.add("schemas/tables.yaml", table.line, f"{name}.{fk.field} {value!r} has no row in {fk.table}")
                covered.append(KeyCoverage(name, fk.field, fk.table, fk.target, filled - missing, missing, total - filled))
    return covered


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def artefact_problems(reg: Registry, tables: dict[str, pa.Table], sources: dict, problems: Problems) -> None:
    """A wording flagged as a translation artefact is flagged wherever it words the same concept
    (else it would still be published as a label of it), and a source whose translation is inferred
    from artefacts has at least one flagged row. Only the flagged rows, and the rows quoting one of
    their texts, are read into Python: walking every fact row took most of a second at 2,000 sources."""
    flagged_sources: set[str] = set()
    for table in reg.fact_tables():
        data = tables[table.name]
        if "artefact" not in data.column_names:
            continue
        is_flagged = pc.is_valid(data.column("artefact"))
        flagged = data.filter(is_flagged)
        flagged_sources.update(flagged.column("source_id").to_pylist())
        concept = table.evidence_of
        if not concept or not flagged.num_rows:
            continue
        wanted = ["source_id", "artefact", "text", "lang", "line", table.primary_key[0], concept]
        first: dict[tuple, dict] = {}  # (concept, lang, text) -> its first flagged row
        for row in flagged.select(wanted).to_pylist():
            first.setdefault((row[concept], row["lang"], row["text"]), row)
        # The rows not flagged that quote a flagged text; of those, the ones wording the same concept.
        same_text = pc.and_(pc.invert(is_flagged), pc.is_in(data.column("text"), value_set=flagged.column("text").unique()))
        for row in data.filter(same_text).select(wanted).to_pylist():
            other = first.get((row[concept], row["lang"], row["text"]))
            if other is not None:
                problems.add(f"raw/mappings/{row['source_id']}.yaml", 1,
                             f"the {table.name} record quoting {row['text']!r} (source line {row['line']}, row "
                             f"{row[table.primary_key[0]]}) words {row[concept]} as row {other[table.primary_key[0]]} "
                             f"does, which is flagged as a translation artefact ({other['artefact']}); flag this one too "
                             f"(artefact: {other['artefact']}, with a note), or take the flag off the other")
    for source_id, source in sources.items():
        if source.meta.get("translation_basis") == "inferred_from_artefacts" and source_id not in flagged_sources:
            problems.add(source.sidecar_path, source.line_of_key("translation_basis"),
                         "translation_basis is inferred_from_artefacts, but no row of the source's mapping is flagged "
                         "as a translation artefact; flag the rows that show it (artefact: mistranslation, calque, "
                         "untranslated or garbled, with a note), or say inferred_from_text and name the lines in origin_note")
