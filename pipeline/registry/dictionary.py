"""DATA_DICTIONARY.md, rendered from the registry: every table, every column, its meaning, type,
unit and allowed values, and the rules that tie a table's columns together."""
from __future__ import annotations

from .model import Field, Registry
from .values import CODELIST_NAMES, FORMULA_START


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


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


def data_dictionary(reg: Registry, meta: dict, row_counts: dict[str, int]) -> str:
    formula = " ".join(f"`{c}`" for c in FORMULA_START)
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
           "| table | rows | primary key | description |", "| --- | ---: | --- | --- |"]
    for t in reg.tables.values():
        out.append(f"| [`{t.name}`](#{t.name}) | {row_counts[t.name]} | {', '.join(t.primary_key)} | {t.description} |")
    for t in reg.tables.values():
        out += ["", f"## {t.name}", "", t.description, "",
                f"Primary key: {', '.join(f'`{k}`' for k in t.primary_key)}."]
        if t.foreign_keys:
            out.append("Foreign keys: " + ", ".join(f"`{fk.field}` → `{fk.table}`" + (f".`{fk.column}`" if fk.column else "")
                                                    for fk in t.foreign_keys) + ".")
        out += ["", "| column | type | required | unit | allowed values | description |",
                "| --- | --- | --- | --- | --- | --- |"]
        for f in t.fields:
            out.append(f"| `{f.name}` | {f.type.name} | {'yes' if f.required else 'no'} | {f.unit or ''} | "
                       f"{_allowed(f)} | {_cell(f.description)} |")
        if t.rules:
            out += ["", "Rules:", ""]
            out += [f"- {_cell(str(rule))}: {rule.message}" for rule in dict.fromkeys(t.rules)]
    return "\n".join(out) + "\n"
