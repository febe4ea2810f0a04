"""dcat.ttl: the release as a DCAT (DCAT-AP 3) record, for the data portals that harvest them.

One dcat:Dataset with its title, description, version, date, licence, publisher and languages;
one dcat:Distribution per published file, with its media type, byte size and SHA-256 (SPDX
checksum), so a portal can list every download and a reader can verify each; and the provenance of
the sources: each verbatim text the facts quote, the page it was copied from and the original it
translates, where they were found. Written last but SHA256SUMS, from the bytes already written; its
IRIs are relative to the release, like every other description of it.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from .skos import BASE, DCTERMS, PROV, RDF, RDF_TYPE, XSD, Literal, Triples, turtle

SPDX = "http://spdx.org/rdf/terms#"
DCAT = "http://www.w3.org/ns/dcat#"  # DCAT 3 (dcat:version is not in DCAT 2)
FOAF = "http://xmlns.com/foaf/0.1/"
PREFIXES = {"rdf": RDF, "dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "prov": PROV, "spdx": SPDX, "xsd": XSD}
IANA = "https://www.iana.org/assignments/media-types/"
LANGUAGES = "http://publications.europa.eu/resource/authority/language/"
# BCP 47 tags of the sources -> the EU language authority's codes, which DCAT-AP asks for.
AUTHORITY = {"ar": "ARA", "ru": "RUS", "zh-Hans": "ZHO", "en": "ENG"}
MEDIA_TYPES = {".parquet": "application/vnd.apache.parquet", ".csv": "text/csv", ".sqlite": "application/vnd.sqlite3",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".jsonld": "application/ld+json", ".json": "application/json", ".ttl": "text/turtle",
               ".md": "text/markdown", ".html": "text/html", ".txt": "text/plain", ".css": "text/css",
               ".js": "text/javascript", ".svg": "image/svg+xml", ".cff": "application/yaml", ".py": "text/x-python"}
NAME = "dcat.ttl"


def _ours(rel: str) -> str:
    return BASE + rel


def dcat_record(meta: dict, sums: dict[str, str], sizes: dict[str, int], source_rows: list[dict]) -> bytes:
    """The record as Turtle. Built as plain triples (skos.Triples), not an rdflib Graph: it lists
    every file of the release, over four thousand at 2,000 sources, and rdflib took seconds to
    hold them at the very end of a build; the tests parse the file back with rdflib."""
    g = Triples(PREFIXES)
    dataset = _ours(f"{NAME}#dataset")
    g.add(dataset, RDF_TYPE, DCAT + "Dataset")
    g.add(dataset, DCTERMS + "title", Literal(meta["title"], "en"))
    g.add(dataset, DCTERMS + "description", Literal(" ".join(meta["description"].split()), "en"))
    g.add(dataset, DCAT + "version", Literal(str(meta["version"])))
    g.add(dataset, DCTERMS + "issued", Literal(str(meta["date_published"]), None, XSD + "date"))
    for licence in meta["licenses"]:
        g.add(dataset, DCTERMS + "license", licence["path"])
    if meta.get("homepage"):
        g.add(dataset, DCAT + "landingPage", meta["homepage"])
    for i, contributor in enumerate(meta.get("contributors") or []):
        agent = _ours(f"{NAME}#agent-{i + 1}")
        g.add(agent, RDF_TYPE, FOAF + "Agent")
        g.add(agent, FOAF + "name", Literal(contributor["title"]))
        g.add(dataset, DCTERMS + ("publisher" if "publisher" in contributor["roles"] else "creator"), agent)
    for lang in sorted({r["lang"] for r in source_rows} | {"en"}):
        if lang in AUTHORITY:
            g.add(dataset, DCTERMS + "language", LANGUAGES + AUTHORITY[lang])
    for rel in sorted(sums):
        distribution = _ours(f"{NAME}#distribution/{rel}")
        checksum = _ours(f"{NAME}#checksum/{rel}")
        g.add(dataset, DCAT + "distribution", distribution)
        g.add(distribution, RDF_TYPE, DCAT + "Distribution")
        g.add(distribution, DCTERMS + "title", Literal(rel))
        g.add(distribution, DCAT + "downloadURL", _ours(rel))
        g.add(distribution, DCAT + "accessURL", _ours(rel))
        g.add(distribution, DCAT + "byteSize", Literal(str(sizes[rel]), None, XSD + "nonNegativeInteger"))
        kind = MEDIA_TYPES.get(PurePosixPath(rel).suffix)
        if kind:
            g.add(distribution, DCAT + "mediaType", IANA + kind)
        g.add(distribution, SPDX + "checksum", checksum)
        g.add(checksum, RDF_TYPE, SPDX + "Checksum")
        g.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        g.add(checksum, SPDX + "checksumValue", Literal(sums[rel], None, XSD + "hexBinary"))
    for row in source_rows:  # the provenance of every fact: the texts, where they were found, what they translate
        text = _ours(row["text_path"])
        g.add(dataset, PROV + "wasDerivedFrom", text)
        g.add(text, DCTERMS + "title", Literal(row["title"], row["lang"]))
        if row["lang"] in AUTHORITY:
            g.add(text, DCTERMS + "language", LANGUAGES + AUTHORITY[row["lang"]])
        if row.get("url"):
            g.add(text, DCTERMS + "source", row["url"])
        if row.get("original_url"):
            g.add(text, PROV + "wasDerivedFrom", row["original_url"])
        g.add(text, DCTERMS + "description", Literal(" ".join(row["origin_note"].split()), "en"))
    return turtle(g)
