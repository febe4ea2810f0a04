"""The release as an MLCommons Croissant 1.1 JSON-LD document, rendered from the registry.

Croissant is what ML tooling (Hugging Face, Kaggle, TFDS, mlcroissant) reads to find and load a
dataset's tables, so each table's description, key, column types and foreign keys are written here
from the same registry as every other description of the data. Each Parquet file is one
`cr:FileObject` (with its sha256, which mlcroissant checks on load) and one `cr:RecordSet`.
The document depends only on the registry, the dataset metadata and the Parquet bytes: the same
release always gives the same JSON.
"""
from __future__ import annotations

import copy

from .model import Registry, Table

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"

# The @context mlcroissant 1.1.1 writes for a 1.1 document (mlcroissant/_src/core/rdf.py,
# make_context); a document with fewer keys is reported as "not standard".
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

def _ref(uid: str) -> dict:
    return {"@id": uid}


def _file_object(table: Table, written: tuple[str, int]) -> dict:
    rel = f"parquet/{table.name}.parquet"
    sha256, size = written
    return {"@type": "cr:FileObject", "@id": f"{table.name}.parquet", "name": f"{table.name}.parquet",
            "description": f"The {table.name} table as Parquet.", "contentUrl": rel,
            "contentSize": f"{size} B", "encodingFormat": "application/x-parquet",
            "sha256": sha256}


def _record_set(table: Table) -> dict:
    # A row pointing at a row of its own table (`restates`) is not written as cr:references: Croissant
    # readers build a graph of record sets, and a self-edge is a cycle to them. The field's
    # description says what it points at, and datapackage.json carries the self-reference.
    refers = {fk.field: f"{fk.table}/{fk.target}" for fk in table.foreign_keys if fk.table != table.name}
    fields = []
    for f in table.fields:
        out = {"@type": "cr:Field", "@id": f"{table.name}/{f.name}", "name": f.name,
               "description": f.description, "dataType": f.type.croissant,
               "source": {"fileObject": _ref(f"{table.name}.parquet"), "extract": {"column": f.name}}}
        if f.name in refers:
            out["references"] = {"field": _ref(refers[f.name])}
        fields.append(out)
    keys = [_ref(f"{table.name}/{k}") for k in table.primary_key]
    return {"@type": "cr:RecordSet", "@id": table.name, "name": table.name,
            "description": table.description, "key": keys[0] if len(keys) == 1 else keys,
            "field": fields}


def _cite_as(meta: dict) -> str:
    authors = ", ".join(c["title"] for c in meta.get("contributors") or [] if "creator" in c.get("roles", []))
    licences = ", ".join(lic["name"] for lic in meta["licenses"])
    where = f" {meta['homepage']}." if meta.get("homepage") else ""
    return f"{authors}. {meta['title']} ({meta['name']}), version {meta['version']}. {licences}.{where}"


def croissant(reg: Registry, meta: dict, parquet: dict[str, tuple[str, int]]) -> dict:
    """The Croissant document of the release whose Parquet files have these sha256 and sizes."""
    licences = [lic["path"] for lic in meta["licenses"]]
    doc = {"@context": copy.deepcopy(CONTEXT), "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
           "name": meta["name"], "alternateName": meta["title"], "description": meta["description"],
           "version": meta["version"], "license": licences[0] if len(licences) == 1 else licences,
           "citeAs": _cite_as(meta),
           "creator": [{"@type": "sc:Organization", "name": c["title"]}
                       for c in meta.get("contributors") or [] if "creator" in c.get("roles", [])]}
    if meta.get("homepage"):
        doc["url"] = meta["homepage"]
    if meta.get("date_published"):
        doc["datePublished"] = str(meta["date_published"])
    for key, value in (meta.get("responsible_ai") or {}).items():  # how it was collected, annotated, kept
        doc[f"rai:{key}"] = value
    doc["distribution"] = [_file_object(t, parquet[t.name]) for t in reg.tables.values()]
    doc["recordSet"] = [_record_set(t) for t in reg.tables.values()]
    return doc
