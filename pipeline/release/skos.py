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
concept is its page in the source explorer, a label a fragment of that page. rdflib builds the
graph against a placeholder base that the files never contain; both serialisations are sorted, so
the same tables give the same bytes.
"""
from __future__ import annotations

import json

import pyarrow as pa
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV, SKOS

from ..curation.reference import SCHEMES
from ..registry.model import Registry
from ..transform.evidence import concept_columns, wording_digest
from .annotations import annotation_id

SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
# A base no file contains (RFC 2606 reserves .invalid): every IRI of ours is written relative to it.
BASE = "http://release.invalid/"
CONTEXT = {"rdf": str(RDF), "skos": str(SKOS), "skosxl": str(SKOSXL), "dct": str(DCTERMS), "prov": str(PROV), "rdfs": str(RDFS),
           "xsd": str(XSD)}
MATCH = {"exact": SKOS.exactMatch, "close": SKOS.closeMatch, "broad": SKOS.broadMatch, "narrow": SKOS.narrowMatch,
         "related": SKOS.relatedMatch}
# Career levels are a taxonomy of their own, shown on the overview page rather than on pages of their own.
LEVELS = "career_levels"


def ours(rel: str) -> URIRef:
    return URIRef(BASE + rel)


def concept_iri(kind: str, ident: str) -> URIRef:
    if kind == "role":
        return ours(f"site/roles/{ident}.html")
    if kind == "level":
        return ours(f"site/index.html#level-{ident}")
    return ours(f"site/concepts/{kind}/{ident}.html")


def scheme_iri(kind: str) -> URIRef:
    return ours("site/index.html#ladder" if kind == "level" else
                "site/roles/index.html" if kind == "role" else f"site/concepts/index.html#{kind}")


def taxonomy_graph(reg: Registry, tables: dict[str, pa.Table]) -> Graph:
    g = Graph(bind_namespaces="none")
    for prefix, ns in CONTEXT.items():
        g.bind(prefix, ns)
    kinds: dict[str, str] = {}
    for table in reg.taxonomy_tables():
        key = table.primary_key[0]
        if table.field(key).origin == "computed":  # crosswalk rows, not concepts
            continue
        kind = key[:-3]
        kinds[table.name] = kind
        scheme = scheme_iri(kind)
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, SKOS.prefLabel, Literal(table.name.replace("_", " ").capitalize(), lang="en")))
        g.add((scheme, DCTERMS.description, Literal(table.description, lang="en")))
        for row in tables[table.name].to_pylist():
            iri = concept_iri(kind, row[key])
            g.add((iri, RDF.type, SKOS.Concept))
            g.add((iri, SKOS.inScheme, scheme))
            g.add((iri, SKOS.topConceptOf, scheme))
            g.add((scheme, SKOS.hasTopConcept, iri))
            g.add((iri, SKOS.notation, Literal(row[key])))
            g.add((iri, SKOS.prefLabel, Literal(row["label_en"], lang="en")))
            definition = row.get("definition_en") or row.get("description_en")
            if definition:
                g.add((iri, SKOS.definition, Literal(definition, lang="en")))
    if LEVELS in tables:
        ladder = sorted(tables[LEVELS].to_pylist(), key=lambda r: r["rank"])
        collection = ours("site/index.html#ladder-order")
        g.add((collection, RDF.type, SKOS.OrderedCollection))
        g.add((collection, SKOS.prefLabel, Literal("Career ladder, entry level first", lang="en")))
        members = BNode("ladder")  # written inline as ( ... ): a list is its items, in order
        Collection(g, members, [concept_iri("level", r["level_id"]) for r in ladder])
        g.add((collection, SKOS.memberList, members))
    _labels(g, reg, tables)
    _matches(g, tables)
    return g


def _labels(g: Graph, reg: Registry, tables: dict[str, pa.Table]) -> None:
    """Every wording of a concept of the taxonomies as an skosxl:Label, with the rows it rests on."""
    taxonomy_kinds = {t.primary_key[0][:-3] for t in reg.taxonomy_tables()}
    rows_of: dict[tuple, list[URIRef]] = {}
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
    for table, relation in (("attested_labels", SKOSXL.altLabel), ("translation_artefacts", SKOSXL.hiddenLabel)):
        if table not in tables:
            continue
        for row in tables[table].to_pylist():
            kind, concept = row["concept_type"], row["concept_id"]
            if kind not in taxonomy_kinds:
                continue
            key = (kind, concept, row["lang"], row["text"])
            digest = wording_digest(row["text"])  # the label id's own digest, for artefacts too
            label = URIRef(str(concept_iri(kind, concept)) + f"#label-{row['lang']}-{digest}")
            subject = concept_iri(kind, concept)
            if (label, RDF.type, SKOSXL.Label) in g:
                continue  # an artefact wording used on several rows: one label
            g.add((subject, relation, label))
            g.add((label, RDF.type, SKOSXL.Label))
            g.add((label, SKOSXL.literalForm, Literal(row["text"], lang=row["lang"])))
            g.add((label, DCTERMS.description, Literal(row["text_en"], lang="en")))
            if "mention_count" in row:
                g.add((label, SKOS.note, Literal(
                    f"Stated {row['mention_count']} time(s) in {row['source_count']} source(s), restatements excluded; "
                    f"{len(rows_of.get(key, ()))} row(s) in all use it.", lang="en")))
            else:
                g.add((label, SKOS.editorialNote, Literal(f"Translation artefact ({row['artefact']}): "
                                                          f"{row['translation_note']}", lang="en")))
            for annotation in rows_of.get(key, ()):
                g.add((label, PROV.wasDerivedFrom, annotation))
            for source_id in sources_of.get(key, ()):
                g.add((label, DCTERMS.source, ours(f"sources/{source_id}.txt")))


def _matches(g: Graph, tables: dict[str, pa.Table]) -> None:
    if "crosswalks" not in tables:
        return
    for row in tables["crosswalks"].to_pylist():
        subject = concept_iri(row["subject_type"], row["subject_id"])
        scheme = row["target_scheme"]
        if row["target_code"] is None:
            g.add((subject, SKOS.editorialNote, Literal(
                f"No equivalent in {SCHEMES[scheme].version}: {row['rationale']}", lang="en")))
            continue
        if row["target_iri"] is not None:  # O*NET-SOC's list gives no IRIs: its links stay in the table
            g.add((subject, MATCH[row["match_type"]], URIRef(row["target_iri"])))


def turtle(g: Graph) -> bytes:
    """Turtle with every IRI of ours relative (no @base: a reader resolves them against the file).
    Written here, subject by subject in sorted order, because rdflib's own Turtle serializer takes
    minutes on a release of a few hundred sources; the tests parse it back with rdflib."""
    prefixes = sorted(((p, str(ns)) for p, ns in g.namespaces() if p), key=lambda x: -len(x[1]))

    def term(node) -> str:
        if isinstance(node, URIRef):
            iri = str(node)
            if iri.startswith(BASE):
                return "<" + iri[len(BASE):].replace(">", "%3E") + ">"
            for prefix, ns in prefixes:
                local = iri[len(ns):]
                if iri.startswith(ns) and local and all(ch.isalnum() or ch in "_-" for ch in local):
                    return f"{prefix}:{local}"
            return f"<{iri}>"
        if isinstance(node, Literal):
            text = node.n3()
            if node.datatype is not None:
                text = text[:text.rindex("^^") + 2] + term(node.datatype)
            return text
        items = []  # a blank node of ours is a list head (the ladder's order): written inline
        while node is not None and node != RDF.nil:
            items.append(term(g.value(node, RDF.first)))
            node = g.value(node, RDF.rest)
        return "( " + " ".join(items) + " )"

    out = [f"@prefix {prefix}: <{ns}> ." for prefix, ns in sorted(prefixes)] + [""]
    for subject in sorted({s for s in g.subjects() if isinstance(s, URIRef)}, key=str):
        by_predicate: dict[str, list[str]] = {}
        for predicate, obj in g.predicate_objects(subject):
            by_predicate.setdefault("a" if predicate == RDF.type else term(predicate), []).append(term(obj))
        order = sorted(by_predicate, key=lambda k: (k != "a", k))
        parts = [f"{k} {', '.join(sorted(by_predicate[k]))}" for k in order]
        out.append(term(subject) + " " + " ;\n    ".join(parts) + " .\n")
    return "\n".join(out).encode("utf-8")


def _sorted(value):
    """Every unordered array sorted (JSON-LD arrays are sets unless they are @list), so the same
    graph always gives the same text whatever order rdflib walked it in."""
    if isinstance(value, dict):
        return {k: [_sorted(x) for x in v] if k == "@list" else _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sorted(v) for v in value), key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def jsonld(g: Graph) -> bytes:
    """Compact JSON-LD, nodes sorted by id, every IRI of ours relative."""
    doc = json.loads(g.serialize(format="json-ld", context=CONTEXT, auto_compact=True))
    nodes = doc.get("@graph", [doc])
    nodes = [n for n in nodes if n.keys() - {"@context"}]
    for n in nodes:
        n.pop("@context", None)
    nodes = _sorted(nodes)
    text = json.dumps({"@context": CONTEXT, "@graph": nodes}, ensure_ascii=False, indent=1, sort_keys=True)
    return (text.replace(f'"{BASE}', '"') + "\n").encode("utf-8")
