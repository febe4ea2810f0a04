"""The SQLite database as Datasette shows it: labels, descriptions, facets and search, from the registry.

Datasette reads a plain SQLite file well, but on its own it cannot know what a column means, which
column names a row (so a foreign key shows a bare id, and a source its original-language title), or
where to search. Both halves are rendered here from the registry, so they cannot drift from the
tables they describe:

- `sqlite_extras`: SQL run inside the database before it is vacuumed. For every table that refers
  to a labelled table, a view `<table>_labelled` that puts the English label of each reference
  next to its id (for SQL users, who get no label expansion). For every table with `text`,
  `text_en` or `quote`, an external-content FTS5 index `<table>_fts` over those columns (the
  rows stay in the table; the index holds only tokens, filled by FTS5's own `rebuild` from the
  table). The trigram tokenizer is used because the texts are Arabic, Russian and Chinese: it
  matches any substring of three or more characters, so a Chinese word is found inside an
  unsegmented sentence and an Arabic word behind a prefix (ال, و) is found too.
- `metadata`: Datasette's metadata.json: title, licence, source, every table's and column's
  description, the label column of every table, facets, and the search index of each table.
- `files`: everything `datasette serve` is given beside the database, published in datasette/ of
  the release: the metadata; Datasette's own pages made to show data first (templates/: on a table
  page the column meanings and the facets folded into a line each and the CREATE TABLE left out; a
  row page read down the page, a line per column with its value and meaning); a schema page
  (templates/pages/schema.html, served at /schema) with the definition of every table, view and
  search index, where the CHECK constraints are kept; and a one-file plugin that shows the label
  of each foreign key on a row page too (plugins/foreign_key_labels.py). `make serve` passes them
  with -m, --template-dir and --plugins-dir.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..registry.model import ForeignKey, Registry, Table
from ..registry.sql_schema import create_indexes, create_table

# The column that names a row, in order of preference: a concept's canonical label, a source's
# English title (never its original-language `title`), a derived row's concept label, a fact's
# English text (which also labels `restates`, a fact's reference to the row it states again).
LABEL_FIELDS = ("label_en", "title_en", "concept_label_en", "text_en")
# The columns full-text search covers, where a table has them.
SEARCHED_FIELDS = ("text", "text_en", "quote")
# A column is offered as a facet when it is a reference or a list of allowed values and holds
# between two and this many distinct values (Datasette shows 30 values of a facet); a table shows
# at most FACET_LIMIT facets, so that its rows stay in view.
FACET_MAX_VALUES = 30
FACET_LIMIT = 8
VIEW_SUFFIX = "_labelled"
FTS_SUFFIX = "_fts"
# The files given to `datasette serve`, in datasette/ of the release, and where they come from.
FOLDER = "datasette"
METADATA = f"{FOLDER}/metadata.json"
TEMPLATES = f"{FOLDER}/templates"
PLUGINS = f"{FOLDER}/plugins"
SCHEMA_PAGE = "pages/schema.html"  # served at /schema
STATIC = Path(__file__).parent / "datasette_static"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def label_field(table: Table) -> str | None:
    return next((name for name in LABEL_FIELDS if name in table.columns), None)


def view_name(table: Table) -> str:
    return table.name + VIEW_SUFFIX


def fts_name(table: Table) -> str:
    return table.name + FTS_SUFFIX


def searched_fields(table: Table) -> list[str]:
    return [name for name in SEARCHED_FIELDS if name in table.columns]


def label_column_name(fk: ForeignKey, label: str) -> str:
    """`duty_id` labelled by `label_en` is `duty_label_en`; `source_id` by `title_en`, `source_title_en`."""
    stem = fk.field[:-3] if fk.field.endswith("_id") else fk.field
    return f"{stem}_{label}"


def labelled_references(reg: Registry, table: Table) -> list[tuple[ForeignKey, str, str]]:
    """(foreign key, label column of the table it refers to, name of the label in the view) for
    every reference to another table that has a label."""
    out = []
    for fk in table.foreign_keys:
        label = label_field(reg.tables[fk.table])
        if fk.table != table.name and label:
            alias = label_column_name(fk, label)
            if alias in table.columns:
                raise ValueError(f"table {table.name!r}: the view would name the label of {fk.field} {alias!r}, "
                                 "which is already a column; rename one of them")
            out.append((fk, label, alias))
    return out


def view_sql(reg: Registry, table: Table) -> str:
    """The table with the English label of each reference right after its id (LEFT JOIN: a null
    reference keeps its row with a null label)."""
    refs = {fk.field: (i, label, alias) for i, (fk, label, alias) in enumerate(labelled_references(reg, table), 1)}
    columns, joins = [], []
    for name in table.columns:
        columns.append(f"t.{quoted(name)}")
        if name in refs:
            i, label, alias = refs[name]
            columns.append(f"j{i}.{quoted(label)} AS {quoted(alias)}")
    for fk in table.foreign_keys:
        if fk.field in refs:
            i = refs[fk.field][0]
            joins.append(f"LEFT JOIN {quoted(fk.table)} AS j{i} ON j{i}.{quoted(fk.target)} = t.{quoted(fk.field)}")
    return (f"CREATE VIEW {quoted(view_name(table))} AS SELECT " + ", ".join(columns)
            + f" FROM {quoted(table.name)} AS t " + " ".join(joins) + ";")


def fts_sql(table: Table) -> list[str]:
    """An external-content FTS5 index over the table's searched columns, filled from the table.
    `content="<table>"` (double quotes) is also how Datasette finds a table's index."""
    fts = quoted(fts_name(table))
    columns = ", ".join(quoted(name) for name in searched_fields(table))
    return [f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content={quoted(table.name)}, "
            "content_rowid=\"rowid\", tokenize=\"trigram\");",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild');"]


def viewed_tables(reg: Registry) -> list[Table]:
    return [t for t in reg.tables.values() if labelled_references(reg, t)]


def searched_tables(reg: Registry) -> list[Table]:
    return [t for t in reg.tables.values() if searched_fields(t)]


def sqlite_extras(reg: Registry) -> list[str]:
    """Views and search indexes, after the tables are loaded and before the database is vacuumed.
    VACUUM keeps every rowid (each table has a primary-key index, so its rows are copied with their
    rowids), so the indexes still point at the right rows; the tests run FTS5's integrity-check."""
    taken = set(reg.tables)
    statements = []
    for table in viewed_tables(reg):
        statements.append(view_sql(reg, table))
        taken.add(_unique(view_name(table), taken))
    for table in searched_tables(reg):
        statements.extend(fts_sql(table))
        taken.add(_unique(fts_name(table), taken))
    return statements


def _unique(name: str, taken: set[str]) -> str:
    if name in taken:
        raise ValueError(f"{name!r} is both a table of the registry and a view or search index; rename the table")
    return name


def facets(reg: Registry, table: Table, data: pa.Table) -> list[str]:
    """At most FACET_LIMIT columns that hold a handful of distinct values: references first, then
    code lists (countries, currencies), then required and then optional lists of allowed values, each
    group in column order (the optional ones are mostly qualifiers such as `*_basis`)."""
    groups = ([fk.field for fk in table.foreign_keys if fk.table != table.name],
              [f.name for f in table.fields if f.codelist],
              [f.name for f in table.fields if f.enum and f.required],
              [f.name for f in table.fields if f.enum and not f.required])
    out: list[str] = []
    for group in groups:
        for name in sorted(group, key=table.columns.index):
            if name in out or (name,) == table.primary_key or len(out) == FACET_LIMIT:
                continue
            distinct = pc.count_distinct(data.column(name), mode="only_valid").as_py()
            if 2 <= distinct <= FACET_MAX_VALUES:
                out.append(name)
    return out


def _table_metadata(reg: Registry, table: Table, data: pa.Table) -> dict:
    doc = {"description": table.description,
           "columns": {f.name: f.description for f in table.fields}}
    label = label_field(table)
    if label:
        doc["label_column"] = label
    found = facets(reg, table, data)
    if found:
        doc["facets"] = found
    if searched_fields(table):
        doc["fts_table"] = fts_name(table)
        doc["fts_pk"] = "rowid"
    return doc


def _view_metadata(reg: Registry, table: Table) -> dict:
    refs = labelled_references(reg, table)
    said = ", ".join(f"{alias} ({fk.table}.{label})" for fk, label, alias in refs)
    columns = {}
    labels = {fk.field: (fk, label, alias) for fk, label, alias in refs}
    for f in table.fields:
        columns[f.name] = f.description
        if f.name in labels:
            fk, label, alias = labels[f.name]
            described = reg.tables[fk.table].field(label).description.rstrip(".")
            columns[alias] = f"{described} ({fk.table}.{label}), for {fk.field}."
    return {"description": f"Every row of {table.name} with the English label of what it refers to: {said}. "
                           f"{table.description}",
            "columns": columns}


def metadata(reg: Registry, meta: dict, database: str, tables: dict[str, pa.Table]) -> dict:
    """Datasette's metadata.json for the database file `<database>.sqlite`."""
    licence = meta["licenses"][0]
    sources = tables[reg.sidecar_table().name]
    languages = sorted(set(sources.column("lang").to_pylist())) if "lang" in sources.column_names else []
    described = {}
    for table in reg.tables.values():
        described[table.name] = _table_metadata(reg, table, tables[table.name])
    for table in viewed_tables(reg):
        described[view_name(table)] = _view_metadata(reg, table)
    doc = {
        "title": f"{meta['title']} {meta['version']}",
        "description": f"{meta['description']} {meta['source_licence_note']}",
        "license": licence["title"],
        "license_url": licence["path"],
        "source": f"{sources.num_rows} web pages ({', '.join(languages)}), one row each in the "
                  f"{reg.sidecar_table().name} table, their verbatim texts beside the release",
        "databases": {database: {"description": meta["description"], "tables": described}},
    }
    if meta.get("homepage"):
        doc["about"], doc["about_url"] = meta["homepage"], meta["homepage"]
    return doc


def schema_statements(reg: Registry) -> list[tuple[str, str, list[str]]]:
    """(name, kind, its statements) for every table, labelled view and search index, in the words
    the database stores them: the same renderings write_sqlite executes."""
    out = []
    for table in reg.tables.values():
        out.append((table.name, "table", [create_table(table), *create_indexes(table)]))
    for table in viewed_tables(reg):
        out.append((view_name(table), "view", [view_sql(reg, table)]))
    for table in searched_tables(reg):
        out.append((fts_name(table), "search index", fts_sql(table)[:1]))
    return out


def _template_text(text: str) -> str:
    """Text inside a Jinja template, HTML-escaped, with its braces escaped too so that Jinja reads
    none of it as a tag."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def schema_page(reg: Registry, database: str) -> str:
    """The schema page: each table's, view's and search index's definition, at an anchor of its name."""
    sections = []
    for name, kind, statements in schema_statements(reg):
        link = f"{{{{ urls.table({json.dumps(database)}, {json.dumps(name)}) }}}}"
        sections.append(f'<section id="{html.escape(name)}"><h2><a href="{link}">{html.escape(name)}</a> '
                        f'<small>({kind})</small></h2>\n<pre class="wrapped-sql">'
                        + _template_text("\n".join(statements)) + "</pre></section>")
    index = ", ".join(f'<a href="#{html.escape(name)}">{html.escape(name)}</a>' for name, _, _ in schema_statements(reg))
    return ('{% extends "base.html" %}\n{% block title %}Schema of ' + html.escape(database) + "{% endblock %}\n"
            "{% block content %}\n"
            f"<h1>Schema of {html.escape(database)}</h1>\n"
            "<p>How each table is defined in the database: its columns and types, NOT NULL, a CHECK constraint for "
            "every rule a value must follow (length, allowed values, no control characters, ...) and every cross-field "
            "rule SQL can state, its primary and foreign keys and indexes; then the views with English labels and the "
            "full-text search indexes. The same rules, in words, are in DATA_DICTIONARY.md of the release.</p>\n"
            f"<p>{index}</p>\n" + "\n".join(sections) + "\n{% endblock %}\n")


def files(reg: Registry, meta: dict, database: str, tables: dict[str, pa.Table]) -> list[tuple[str, bytes]]:
    """(path in the release, bytes) of every file given to `datasette serve` beside the database."""
    out = [(METADATA, (json.dumps(metadata(reg, meta, database, tables), indent=2, ensure_ascii=False) + "\n").encode("utf-8")),
           (f"{TEMPLATES}/{SCHEMA_PAGE}", schema_page(reg, database).encode("utf-8"))]
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            out.append((f"{FOLDER}/{path.relative_to(STATIC).as_posix()}", path.read_bytes()))
    return sorted(out)
