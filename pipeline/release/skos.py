"""taxonomy.ttl and taxonomy.jsonld: the taxonomies as SKOS, with every attested wording as a
SKOS-XL label tied to the rows and annotations it comes from, and the crosswalks as SKOS matches.

Occupational data lives in linked-data form (ESCO publishes itself as SKOS and SKOS-XL and maps to
ISCO and O*NET with SKOS match properties), so the release offers its taxonomy in the same form:

- one skos:ConceptScheme per taxonomy (roles, career levels, duties, skills, tools, metrics), each
  concept with one English prefLabel, its definition and its id as notation; the career levels
  also as an ordered collection, entry level first;
- every wording the sources use for a concept as an skosxl:Label (language-tagged literal form,
  the curator's English gloss as its description, its counts in a note), derived from the fact
  rows (prov:wasDerivedFrom their annotations) and from the source texts (dct:source): an
  altLabel, or a hiddenLabel when a curator flagged the wording as a translation artefact (the form
  ESCO uses for wordings search should find but displays should not show);
- each crosswalk row as skos:exactMatch, closeMatch, broadMatch, narrowMatch or relatedMatch to
  the target's IRI as its published list gives it (ESCO concepts and ISCO-08 groups; O*NET-SOC
  publishes no IRIs in the list we hold, so its links stay in the crosswalks table), and a "no
  equivalent" row as an editorial note.

IRIs are relative to the release, like the annotations' (the release has no fixed address): a
concept is its page in the source explorer, a label a fragment of that page. The graph is built
against a placeholder base that the files never contain; both serialisations are sorted, so the
same tables give the same bytes.

The graph is a plain dictionary (subject -> predicate -> objects), not an rdflib Graph, and both
files are written from it here: at 2,000 sources the taxonomy has over half a million triples, and
rdflib took seconds to hold them and tens of seconds to write its JSON-LD. The files are the ones
rdflib's JSON-LD serialiser (compacted with CONTEXT) and our Turtle writer gave, byte for byte;
the tests compare them with rdflib's output and parse both back into one graph.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import NamedTuple

import pyarrow as pa

from ..curation.reference import SCHEMES
from ..registry.model import Registry
from ..transform.evidence import concept_columns, wording_digest
from .annotations import annotation_id

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = RDF + "type"
# A base no file contains (RFC 2606 reserves .invalid): every IRI of ours is written relative to it.
BASE = "http://release.invalid/"
CONTEXT = {"rdf": RDF, "skos": SKOS, "skosxl": SKOSXL, "dct": DCTERMS, "prov": PROV, "rdfs": RDFS, "xsd": XSD}
MATCH = {"exact": SKOS + "exactMatch", "close": SKOS + "closeMatch", "broad": SKOS + "broadMatch",
         "narrow": SKOS + "narrowMatch", "related": SKOS + "relatedMatch"}
# Career levels are a taxonomy of their own, shown on the overview page rather than on pages of their own.
LEVELS = "career_levels"
PAD = ["\n" + " " * depth for depth in range(6)]  # a line break and the indent of a depth in the JSON-LD


class Literal(NamedTuple):
    """A literal: its text, with a language tag or a datatype IRI (or neither)."""
    text: str
    lang: str | None = None
    datatype: str | None = None


class Items(NamedTuple):
    """An RDF list (the ladder's order), written inline as ( ... ) and as {"@list": [...]}."""
    members: tuple[str, ...]


class Triples:
    """A graph as subject IRI -> predicate IRI -> set of objects; an IRI is a plain str, an object
    an IRI, a Literal or an Items. Only what the release's writers need (adding, looking up, walking
    in sorted order), without the indexes and term objects an rdflib Graph keeps for every triple."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = dict(prefixes)
        self.nodes: dict[str, dict[str, set]] = {}

    def add(self, subject: str, predicate: str, obj) -> None:
        by_predicate = self.nodes.get(subject)
        if by_predicate is None:
            by_predicate = self.nodes[subject] = {}
        objects = by_predicate.get(predicate)
        if objects is None:
            by_predicate[predicate] = {obj}
        else:
            objects.add(obj)

    def update(self, subject: str, predicate: str, objects) -> None:
        """Adds (subject, predicate, o) for each o of `objects`, at once."""
        objects = set(objects)
        if objects:
            self.nodes.setdefault(subject, {}).setdefault(predicate, set()).update(objects)

    def objects(self, subject: str, predicate: str) -> set:
        return self.nodes.get(subject, {}).get(predicate, set())

    def __contains__(self, triple: tuple) -> bool:
        subject, predicate, obj = triple
        return obj in self.objects(subject, predicate)

    def __len__(self) -> int:
        return sum(len(objects) for by_predicate in self.nodes.values() for objects in by_predicate.values())

    def __iter__(self):
        for subject, by_predicate in self.nodes.items():
            for predicate, objects in by_predicate.items():
                for obj in objects:
                    yield subject, predicate, obj


def ours(rel: str) -> str:
    return BASE + rel


def concept_iri(kind: str, ident: str) -> str:
    if kind == "role":
        return ours(f"site/roles/{ident}.html")
    if kind == "level":
        return ours(f"site/index.html#level-{ident}")
    return ours(f"site/concepts/{kind}/{ident}.html")


def scheme_iri(kind: str) -> str:
    return ours("site/index.html#ladder" if kind == "level" else
                "site/roles/index.html" if kind == "role" else f"site/concepts/index.html#{kind}")


def taxonomy_graph(reg: Registry, tables: dict[str, pa.Table]) -> Triples:
    g = Triples(CONTEXT)
    for table in reg.taxonomy_tables():
        key = table.primary_key[0]
        if table.field(key).origin == "computed":  # crosswalk rows, not concepts
            continue
        kind = key[:-3]
        scheme = scheme_iri(kind)
        g.add(scheme, RDF_TYPE, SKOS + "ConceptScheme")
        g.add(scheme, SKOS + "prefLabel", Literal(table.name.replace("_", " ").capitalize(), "en"))
        g.add(scheme, DCTERMS + "description", Literal(table.description, "en"))
        for row in tables[table.name].to_pylist():
            iri = concept_iri(kind, row[key])
            g.add(iri, RDF_TYPE, SKOS + "Concept")
            g.add(iri, SKOS + "inScheme", scheme)
            g.add(iri, SKOS + "topConceptOf", scheme)
            g.add(scheme, SKOS + "hasTopConcept", iri)
            g.add(iri, SKOS + "notation", Literal(row[key]))
            g.add(iri, SKOS + "prefLabel", Literal(row["label_en"], "en"))
            definition = row.get("definition_en") or row.get("description_en")
            if definition:
                g.add(iri, SKOS + "definition", Literal(definition, "en"))
    if LEVELS in tables:
        ladder = sorted(tables[LEVELS].to_pylist(), key=lambda r: r["rank"])
        collection = ours("site/index.html#ladder-order")
        g.add(collection, RDF_TYPE, SKOS + "OrderedCollection")
        g.add(collection, SKOS + "prefLabel", Literal("Career ladder, entry level first", "en"))
        g.add(collection, SKOS + "memberList", Items(tuple(concept_iri("level", r["level_id"]) for r in ladder)))
    _labels(g, reg, tables)
    _matches(g, tables)
    return g


def columns_read(reg: Registry) -> dict[str, tuple[str, ...] | None]:
    """What taxonomy_graph reads of each table (None: every column): its files are kept from one
    build to the next under the digest of exactly these columns (write.py)."""
    wanted: dict[str, tuple[str, ...] | None] = {t.name: None for t in reg.taxonomy_tables()}
    for name in (LEVELS, "attested_labels", "translation_artefacts", "crosswalks"):
        if name in reg.tables:
            wanted[name] = None
    for name, (column, _) in concept_columns(reg).items():
        wanted.setdefault(name, (reg.tables[name].primary_key[0], column, "lang", "text", "source_id"))
    return wanted


def _labels(g: Triples, reg: Registry, tables: dict[str, pa.Table]) -> None:
    """Every wording of a concept of the taxonomies as an skosxl:Label, with the rows it rests on."""
    taxonomy_kinds = {t.primary_key[0][:-3] for t in reg.taxonomy_tables()}
    rows_of: dict[tuple, list[str]] = {}
    sources_of: dict[tuple, set[str]] = {}
    for name, (column, kind) in concept_columns(reg).items():
        if kind not in taxonomy_kinds:
            continue
        data = tables[name]
        pk = reg.tables[name].primary_key[0]
        cols = {c: data.column(c).to_pylist() for c in (pk, column, "lang", "text", "source_id")}
        for i, row_id in enumerate(cols[pk]):
            key = (kind, cols[column][i], cols["lang"][i], cols["text"][i])
            rows_of.setdefault(key, []).append(ours("annotations.jsonld" + annotation_id(name, row_id)))
            sources_of.setdefault(key, set()).add(cols["source_id"][i])
    for table, relation in (("attested_labels", SKOSXL + "altLabel"), ("translation_artefacts", SKOSXL + "hiddenLabel")):
        if table not in tables:
            continue
        for row in tables[table].to_pylist():
            kind, concept = row["concept_type"], row["concept_id"]
            if kind not in taxonomy_kinds:
                continue
            key = (kind, concept, row["lang"], row["text"])
            digest = wording_digest(row["text"])  # the label id's own digest, for artefacts too
            subject = concept_iri(kind, concept)
            label = subject + f"#label-{row['lang']}-{digest}"
            if (label, RDF_TYPE, SKOSXL + "Label") in g:
                continue  # an artefact wording used on several rows: one label
            g.add(subject, relation, label)
            g.add(label, RDF_TYPE, SKOSXL + "Label")
            g.add(label, SKOSXL + "literalForm", Literal(row["text"], row["lang"]))
            g.add(label, DCTERMS + "description", Literal(row["text_en"], "en"))
            if "mention_count" in row:
                g.add(label, SKOS + "note", Literal(
                    f"Stated {row['mention_count']} time(s) in {row['source_count']} source(s), restatements excluded; "
                    f"{len(rows_of.get(key, ()))} row(s) in all use it.", "en"))
            else:
                g.add(label, SKOS + "editorialNote", Literal(f"Translation artefact ({row['artefact']}): "
                                                             f"{row['translation_note']}", "en"))
            g.update(label, PROV + "wasDerivedFrom", rows_of.get(key, ()))
            g.update(label, DCTERMS + "source", (ours(f"sources/{s}.txt") for s in sources_of.get(key, ())))


def _matches(g: Triples, tables: dict[str, pa.Table]) -> None:
    if "crosswalks" not in tables:
        return
    for row in tables["crosswalks"].to_pylist():
        subject = concept_iri(row["subject_type"], row["subject_id"])
        scheme = row["target_scheme"]
        if row["target_code"] is None:
            g.add(subject, SKOS + "editorialNote", Literal(
                f"No equivalent in {SCHEMES[scheme].version}: {row['rationale']}", "en"))
            continue
        if row["target_iri"] is not None:  # O*NET-SOC's list gives no IRIs: its links stay in the table
            g.add(subject, MATCH[row["match_type"]], row["target_iri"])


def _quoted(text: str) -> str:
    """A literal's text between Turtle quotes, escaped as rdflib's Literal.n3() escapes it (long
    quotes for a text with a line break), so the files keep the bytes rdflib gave them."""
    if "\n" in text:
        encoded = text.replace("\\", "\\\\")
        if '"""' in text:
            encoded = encoded.replace('"""', '\\"\\"\\"')
        if encoded[-1] == '"' and encoded[-2] != "\\":
            encoded = encoded[:-1] + "\\" + '"'
        return '"""' + encoded.replace("\r", "\\r") + '"""'
    return '"' + text.replace("\n", "\\n").replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r") + '"'


def turtle(g) -> bytes:
    """Turtle with every IRI of ours relative (no @base: a reader resolves them against the file).
    Written here, subject by subject in sorted order, because rdflib's own Turtle serializer takes
    minutes on a release of a few hundred sources; the tests parse it back with rdflib."""
    prefixes = sorted(((p, ns) for p, ns in g.prefixes.items() if p), key=lambda x: -len(x[1]))
    names: dict[str, str] = {}  # an IRI not of ours -> how it is written, worked out once

    def iri(value: str) -> str:
        if value.startswith(BASE):
            return "<" + value[len(BASE):].replace(">", "%3E") + ">"
        name = names.get(value)
        if name is None:
            name = names[value] = f"<{value}>"
            for prefix, ns in prefixes:
                local = value[len(ns):]
                if value.startswith(ns) and local and all(ch.isalnum() or ch in "_-" for ch in local):
                    name = names[value] = f"{prefix}:{local}"
                    break
        return name

    def term(node) -> str:
        if isinstance(node, str):
            return iri(node)
        if isinstance(node, Literal):
            if node.lang:
                return _quoted(node.text) + "@" + node.lang
            if node.datatype is not None:
                return _quoted(node.text) + "^^" + iri(node.datatype)
            return _quoted(node.text)
        return "( " + " ".join(term(item) for item in node.members) + " )"  # a list, written inline

    # Each subject's lines are made UTF-8 as they are written (as in jsonld: no whole text as one str).
    out = ["\n".join([f"@prefix {prefix}: <{ns}> ." for prefix, ns in sorted(prefixes)] + [""]).encode("utf-8")]
    for subject in sorted(g.nodes):
        by_predicate: dict[str, list[str]] = {}
        for predicate, objects in g.nodes[subject].items():
            by_predicate.setdefault("a" if predicate == RDF_TYPE else iri(predicate), []).extend(map(term, objects))
        order = sorted(by_predicate, key=lambda k: (k != "a", k))
        parts = [f"{k} {', '.join(sorted(by_predicate[k]))}" for k in order]
        out.append(("\n" + iri(subject) + " " + " ;\n    ".join(parts) + " .\n").encode("utf-8"))
    return b"".join(out)


def jsonld(g: Triples) -> bytes:
    """Compact JSON-LD, nodes sorted by id, every IRI of ours relative: the text rdflib's serialiser
    gave with CONTEXT and auto_compact, every unordered array then sorted by its JSON (arrays are
    sets in JSON-LD unless they are @list), written with indent=1 and sorted keys. Written here
    because rdflib took tens of seconds at 2,000 sources; its compaction is followed exactly: a
    predicate or class as a compact IRI (prefix:local after the last '#', else '/', else ':'), one
    value as itself and several as an array, an IRI as {"@id"}, a tagged text as {"@language",
    "@value"}, a plain text as a string, a list as {"@list"}. (A typed literal, which the taxonomy
    has none of, is written as {"@type", "@value"}.)"""
    namespaces = {ns: prefix for prefix, ns in CONTEXT.items()}

    def shrink(iri: str) -> str:  # rdflib's Context.shrink_iri for this context
        if iri.startswith(BASE):
            return iri  # no prefix of CONTEXT names a page of ours
        for delimiter in "#/:":
            at = iri.rfind(delimiter)
            if at > -1:
                prefix = namespaces.get(iri[:at + 1])
                return f"{prefix}:{iri[at + 1:]}" if prefix else iri
        return iri

    def symbol(iri: str) -> str:  # and its to_symbol, for a predicate, a class or a datatype
        return namespaces.get(iri) or shrink(iri)

    def value(node):
        if isinstance(node, str):
            return {"@id": shrink(node)}
        if isinstance(node, Literal):
            if node.lang:
                return {"@language": node.lang, "@value": node.text}
            if node.datatype is None or node.datatype == XSD + "string":
                return node.text
            return {"@type": symbol(node.datatype), "@value": node.text}
        return {"@list": [value(item) for item in node.members]}

    def values_json(predicate: str, objects: set) -> str:
        """A predicate's objects as the value of its key, at a node's keys' depth (3)."""
        if predicate != RDF_TYPE and all(isinstance(o, str) for o in objects):
            # IRIs, the bulk of the taxonomy, written in one go: the order of their {"@id": ...}
            # is that of their ids' JSON strings, since no such string begins another.
            ids = sorted([encode_basestring(shrink(o)) for o in objects])
            if len(ids) == 1:
                return "{" + PAD[4] + '"@id": ' + ids[0] + PAD[3] + "}"
            return "[" + PAD[4] + ("," + PAD[4]).join(["{" + PAD[5] + '"@id": ' + i + PAD[4] + "}" for i in ids]) + PAD[3] + "]"
        values = [symbol(o) if predicate == RDF_TYPE and isinstance(o, str) else value(o) for o in objects]
        return _indented(values[0] if len(values) == 1 else sorted(values, key=_compact), 3)

    # Each node is made UTF-8 as soon as it is written, and the file is joined from those bytes: the
    # whole text as one str (four bytes a character once it holds a CJK or Arabic letter), copied by
    # each join and replace, took half a GiB at 2,000 sources. The placeholder base is dropped
    # inside each node, where every IRI of ours is.
    head = "{" + PAD[1] + '"@context": ' + _indented(CONTEXT, 1) + "," + PAD[1] + '"@graph": '
    parts = [head.encode("utf-8")]
    for subject in sorted(g.nodes, key=lambda s: encode_basestring(shrink(s))):
        # Every key of a node sorts after "@id", so the nodes' order by their JSON is their ids'.
        keys = {"@id": encode_basestring(shrink(subject))}
        for predicate, objects in g.nodes[subject].items():
            keys["@type" if predicate == RDF_TYPE else symbol(predicate)] = values_json(predicate, objects)
        node = "{" + PAD[3] + ("," + PAD[3]).join(
            [encode_basestring(k) + ": " + v for k, v in sorted(keys.items())]) + PAD[2] + "}"
        parts.append(((("," + PAD[2]) if len(parts) > 1 else "[" + PAD[2]) + node.replace(f'"{BASE}', '"')).encode("utf-8"))
    parts.append((PAD[1] + "]" if len(parts) > 1 else "[]").encode("utf-8") + b"\n}\n")
    return b"".join(parts)


def _compact(value) -> str:
    """The key the arrays are sorted by: a value's JSON, as the release has always sorted them."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _indented(value, depth: int) -> str:
    """The text json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) gives for `value`
    nested `depth` levels deep: with an indent, json falls back to its pure-Python encoder, which
    took seconds on half a million values."""
    if isinstance(value, str):
        return encode_basestring(value)
    inner = "\n" + " " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return ("{" + inner + ("," + inner).join(
            encode_basestring(k) + ": " + (encode_basestring(v) if isinstance(v, str) else _indented(v, depth + 1))
            for k, v in sorted(value.items())) + "\n" + " " * depth + "}")
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join([_indented(v, depth + 1) for v in value]) + "\n" + " " * depth + "]"
    return json.dumps(value)
