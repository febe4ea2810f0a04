"""Human- and machine-readable descriptions of the release, rendered from the registry:
the Frictionless Data Package (v2) and DATA_DICTIONARY.md."""
from __future__ import annotations

from .registry import Field, Registry, Table
from .paths import SCHEMAS
from . import yamlfile
from .problems import Problems, StageFailed


def dataset_meta() -> dict:
    problems = Problems()
    doc = yamlfile.load(SCHEMAS / "dataset.yaml", problems)
    if doc is None:
        raise StageFailed(problems)
    return {k: (" ".join(v.split()) if isinstance(v, str) else v) for k, v in doc.items()}


def _frictionless_field(table: Table, f: Field) -> dict:
    out = {"name": f.name, "type": f.type, "description": f.description}
    if f.type == "string" and f.name in ("esco_uri", "url"):
        out["format"] = "uri"
    cons = {}
    if table.is_required(f):
        cons["required"] = True
    if f.enum:
        cons["enum"] = list(f.enum)
    if f.pattern and f.type == "string":
        cons["pattern"] = f.pattern
    if f.minimum is not None:
        cons["minimum"] = f.minimum
    if f.maximum is not None:
        cons["maximum"] = f.maximum
    if cons:
        out["constraints"] = cons
    if f.unit:
        out["unit"] = f.unit
    return out


def datapackage(reg: Registry, files: dict[str, tuple[str, int]], sources: list[dict]) -> dict:
    """`files` maps a table name to the sha256 and byte size of its CSV."""
    meta = dataset_meta()
    resources = []
    for table in reg.tables.values():
        sha, size = files[table.name]
        schema = {"fields": [_frictionless_field(table, f) for f in table.fields],
                  "primaryKey": list(table.primary_key), "missingValues": [""]}
        if table.foreign_keys:
            schema["foreignKeys"] = [{"fields": [fk.field], "reference": {"resource": fk.table, "fields": [fk.field]}}
                                     for fk in table.foreign_keys]
        resources.append({
            "name": table.name, "type": "table", "path": f"csv/{table.name}.csv", "scheme": "file",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True, "header": True},
            "description": table.description, "hash": f"sha256:{sha}", "bytes": size, "schema": schema})
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": meta["name"], "title": meta["title"], "version": meta["version"],
        "description": meta["description"], "licenses": meta["licenses"],
        "contributors": meta["contributors"],
        "sources": [{"title": f"{s['title_en']} ({s['source_id']})", "path": s["raw_path"]} for s in sources],
        "resources": resources,
    }


def _allowed(f: Field) -> str:
    bits = []
    if f.enum:
        bits.append(", ".join(f"`{v}`" for v in f.enum))
    if f.minimum is not None:
        bits.append(f"≥ {f.minimum:g}")
    if f.maximum is not None:
        bits.append(f"≤ {f.maximum:g}")
    if f.pattern:
        bits.append(f"pattern `{f.pattern}`")
    return "; ".join(bits).replace("|", "\\|")


def data_dictionary(reg: Registry, row_counts: dict[str, int]) -> str:
    meta = dataset_meta()
    out = [f"# Data dictionary: {meta['title']} {meta['version']}", "",
           "Generated from `schemas/fields.yaml` and `schemas/tables.yaml`; do not edit by hand.", "",
           "Every table is published as `parquet/<table>.parquet`, `csv/<table>.csv` and a table of the "
           "SQLite database. Fact tables carry provenance: `quote` is exactly `raw[char_start:char_end]` of "
           "the source's raw text (0-based, end-exclusive code points), `line` is where it starts.", "",
           "| table | rows | primary key | description |", "| --- | ---: | --- | --- |"]
    for t in reg.tables.values():
        out.append(f"| [`{t.name}`](#{t.name}) | {row_counts[t.name]} | {', '.join(t.primary_key)} | {t.description} |")
    for t in reg.tables.values():
        out += ["", f"## {t.name}", "", t.description, "",
                f"Primary key: {', '.join(f'`{k}`' for k in t.primary_key)}."]
        if t.foreign_keys:
            out.append("Foreign keys: " + ", ".join(f"`{fk.field}` → `{fk.table}`" for fk in t.foreign_keys) + ".")
        out += ["", "| column | type | required | unit | allowed values | description |",
                "| --- | --- | --- | --- | --- | --- |"]
        for f in t.fields:
            out.append(f"| `{f.name}` | {f.type} | {'yes' if t.is_required(f) else 'no'} | {f.unit or ''} | "
                       f"{_allowed(f)} | {f.description.replace('|', chr(92) + '|')} |")
    return "\n".join(out) + "\n"
