"""DATA_DICTIONARY.md, rendered from the registry: every table, every column, its meaning, type,
unit and allowed values, the rules that tie a table's columns together (each once, in plain words:
sentences.py) and a diagram of how the tables join (diagram.py).

"Required" says what a reader can count on: a column is never empty when it is part of the
primary key, when the registry requires it, or when the pipeline fills it for every row from the
row's source (a field of origin `source`, such as a fact row's `source_id`, whose value the
source's sidecar must give). A test holds the release's data to it.
"""
from __future__ import annotations

from .diagram import mermaid
from .model import Field, Registry, Table
from .sentences import rule_sentences
from .values import CODELIST_NAMES, FORMULA_START

# The same diagram as a picture, at the top of the release, linked from the site (release/write.py writes it).
SCHEMA_SVG = "schema.svg"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def never_empty(reg: Registry, table: Table) -> frozenset[str]:
    """The columns of `table` that are never null in the release."""
    sidecar = reg.sidecar_table()
    from_source = {f.name for f in sidecar.fields if f.origin == "source" and f.required}
    return frozenset(f.name for f in table.fields
                     if f.required or (f.origin == "source" and f.name in from_source and table is not sidecar))


def _allowed(f: Field) -> str:
    bits = ["unique"] if f.unique else []
    if f.enum:
        bits.append(", ".join(f"`{v}`" for v in f.enum))
    if f.codelist:
        bits.append(CODELIST_NAMES[f.codelist])
    if f.minimum is not None:
        bits.append(f"≥ {f.minimum:g}")
    if f.maximum is not None:
        bits.append(f"≤ {f.maximum:g}")
    if f.pattern:
        bits.append(f"pattern `{f.pattern}`")
    if f.max_length and f.allowed is None:
        bits.append(f"at most {f.max_length:,} characters")
    return _cell("; ".join(bits))


def fact_rules(reg: Registry) -> tuple:
    """The rules every fact table holds (schemas/tables.yaml `fact_rules`), in their order."""
    facts = reg.fact_tables()
    return tuple(r for r in facts[0].rules if all(r in t.rules for t in facts)) if facts else ()


def data_dictionary(reg: Registry, meta: dict, row_counts: dict[str, int]) -> str:
    formula = " ".join(f"`{c}`" for c in FORMULA_START)
    shared = fact_rules(reg)
    fact_required = never_empty(reg, reg.fact_tables()[0]) if reg.fact_tables() else frozenset()
    out = [f"# Data dictionary: {meta['title']} {meta['version']}", "",
           "Generated from `schemas/fields.yaml` and `schemas/tables.yaml`; do not edit by hand.", "",
           "Every table is published as `parquet/<table>.parquet`, `csv/<table>.csv` and a table of the "
           "SQLite database. Fact tables carry provenance: `quote` is exactly `raw[char_start:char_end]` of "
           "the source's raw text (0-based, end-exclusive code points), `line` is where it starts.", "",
           "Text values are never empty or only whitespace and hold no control characters. Verbatim text "
           "(`quote`, `text`) is the source's exact words and may hold line breaks; every other text is one "
           "line without leading or trailing whitespace and never starts with " + formula + ", so that no "
           "spreadsheet evaluates it as a formula (curated text starting with one is refused when the "
           "mappings are checked). A verbatim quote is published as the source writes it.", "",
           "A column marked **required** is never empty: it is part of the primary key, the registry requires it, "
           "or the pipeline fills it for every row from the row's source (`source_id`). Any other column may be "
           "empty where the source does not say.", ""]
    if shared:
        out += ["Every fact table also holds these rules:", ""]
        out += [f"- {_cell(s)}" for s in rule_sentences(shared, fact_required)]
        out.append("")
    out += ["| table | rows | primary key | description |", "| --- | ---: | --- | --- |"]
    for t in reg.tables.values():
        out.append(f"| [`{t.name}`](#{t.name}) | {row_counts[t.name]} | {', '.join(t.primary_key)} | {t.description} |")
    out += ["", "## How the tables join", "",
            f"Every table with its keys (PK primary key, FK a column naming a row of another table), and a line for "
            f"every foreign key, labelled with the column that holds it. The same diagram as a picture: [`{SCHEMA_SVG}`]({SCHEMA_SVG}).",
            "", "```mermaid", mermaid(reg, {t.name: never_empty(reg, t) for t in reg.tables.values()}), "```"]
    for t in reg.tables.values():
        required = never_empty(reg, t)
        out += ["", f"## {t.name}", "", t.description, "",
                f"Primary key: {', '.join(f'`{k}`' for k in t.primary_key)}."]
        if t.foreign_keys:
            out.append("Foreign keys: " + ", ".join(f"`{fk.field}` → `{fk.table}`" + (f".`{fk.column}`" if fk.column else "")
                                                    for fk in t.foreign_keys) + ".")
        out += ["", "| column | type | required | unit | allowed values | description |",
                "| --- | --- | --- | --- | --- | --- |"]
        for f in t.fields:
            out.append(f"| `{f.name}` | {f.type.name} | {'yes' if f.name in required else 'no'} | {f.unit or ''} | "
                       f"{_allowed(f)} | {_cell(f.description)} |")
        own = [r for r in t.rules if not (t.fact and r in shared)]
        if own:
            out += ["", "Rules, besides those of every fact table:" if t.fact and shared else "Rules:", ""]
            out += [f"- {_cell(s)}" for s in rule_sentences(own, required)]
        elif t.fact and shared:
            out += ["", "Rules: those of every fact table (above)."]
    return "\n".join(out) + "\n"
