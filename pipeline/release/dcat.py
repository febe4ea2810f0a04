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

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV

from .skos import BASE, turtle

SPDX = Namespace("http://spdx.org/rdf/terms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # DCAT 3 (dcat:version is not in rdflib's DCAT 2 terms)
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


def _ours(rel: str) -> URIRef:
    return URIRef(BASE + rel)


def dcat_record(meta: dict, sums: dict[str, str], sizes: dict[str, int], source_rows: list[dict]) -> bytes:
    g = Graph(bind_namespaces="none")
    for prefix, ns in (("rdf", RDF), ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("prov", PROV), ("spdx", SPDX),
                       ("xsd", XSD)):
        g.bind(prefix, ns)
    dataset = _ours(f"{NAME}#dataset")
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal(meta["title"], lang="en")))
    g.add((dataset, DCTERMS.description, Literal(" ".join(meta["description"].split()), lang="en")))
    g.add((dataset, DCAT.version, Literal(meta["version"])))
    g.add((dataset, DCTERMS.issued, Literal(str(meta["date_published"]), datatype=XSD.date)))
    for licence in meta["licenses"]:
        g.add((dataset, DCTERMS.license, URIRef(licence["path"])))
    if meta.get("homepage"):
        g.add((dataset, DCAT.landingPage, URIRef(meta["homepage"])))
    for i, contributor in enumerate(meta.get("contributors") or []):
        agent = _ours(f"{NAME}#agent-{i + 1}")
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, FOAF.name, Literal(contributor["title"])))
        g.add((dataset, DCTERMS.publisher if "publisher" in contributor["roles"] else DCTERMS.creator, agent))
    for lang in sorted({r["lang"] for r in source_rows} | {"en"}):
        if lang in AUTHORITY:
            g.add((dataset, DCTERMS.language, URIRef(LANGUAGES + AUTHORITY[lang])))
    for rel in sorted(sums):
        distribution = _ours(f"{NAME}#distribution/{rel}")
        checksum = _ours(f"{NAME}#checksum/{rel}")
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCTERMS.title, Literal(rel)))
        g.add((distribution, DCAT.downloadURL, _ours(rel)))
        g.add((distribution, DCAT.accessURL, _ours(rel)))
        g.add((distribution, DCAT.byteSize, Literal(sizes[rel], datatype=XSD.nonNegativeInteger)))
        kind = MEDIA_TYPES.get(PurePosixPath(rel).suffix)
        if kind:
            g.add((distribution, DCAT.mediaType, URIRef(IANA + kind)))
        g.add((distribution, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(sums[rel], datatype=XSD.hexBinary)))
    for row in source_rows:  # the provenance of every fact: the texts, where they were found, what they translate
        text = _ours(row["text_path"])
        g.add((dataset, PROV.wasDerivedFrom, text))
        g.add((text, DCTERMS.title, Literal(row["title"], lang=row["lang"])))
        if row["lang"] in AUTHORITY:
            g.add((text, DCTERMS.language, URIRef(LANGUAGES + AUTHORITY[row["lang"]])))
        if row.get("url"):
            g.add((text, DCTERMS.source, URIRef(row["url"])))
        if row.get("original_url"):
            g.add((text, PROV.wasDerivedFrom, URIRef(row["original_url"])))
        g.add((text, DCTERMS.description, Literal(" ".join(row["origin_note"].split()), lang="en")))
    return turtle(g)
