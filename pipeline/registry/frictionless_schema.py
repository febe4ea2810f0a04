"""The Frictionless Data Package (v2) of the release, rendered from the registry."""
from __future__ import annotations

from .model import Field, Registry

URI_FIELDS = ("esco_uri", "url")


def frictionless_field(f: Field) -> dict:
    out = {"name": f.name, "type": f.type.frictionless, "description": f.description}
    if f.type.name == "string" and f.name in URI_FIELDS:
        out["format"] = "uri"
    cons = {}
    if f.required:
        cons["required"] = True
    if f.unique:
        cons["unique"] = True
    if f.allowed is not None:
        cons["enum"] = list(f.enum) if f.enum else sorted(f.allowed)
    if f.pattern and f.type.name == "string":
        cons["pattern"] = f.pattern
    if f.minimum is not None:
        cons["minimum"] = f.minimum
    if f.maximum is not None:
        cons["maximum"] = f.maximum
    if f.type.name == "string" and f.allowed is None:
        cons["minLength"] = 1
        if f.max_length:
            cons["maxLength"] = f.max_length
    if cons:
        out["constraints"] = cons
    if f.unit:
        out["unit"] = f.unit
    return out


def datapackage(reg: Registry, meta: dict, files: dict[str, tuple[str, int]], sources: list[dict]) -> dict:
    """`files` maps a table name to the sha256 and byte size of its CSV."""
    resources = []
    for table in reg.tables.values():
        sha, size = files[table.name]
        schema = {"fields": [frictionless_field(f) for f in table.fields],
                  "primaryKey": list(table.primary_key), "missingValues": [""]}
        if table.foreign_keys:
            schema["foreignKeys"] = [{"fields": [fk.field], "reference": {
                **({"resource": fk.table} if fk.table != table.name else {}), "fields": [fk.target]}}
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
        "sources": [{"title": f"{s['title_en']} ({s['source_id']})", "path": s["text_path"]} for s in sources],
        "resources": resources,
    }
