"""The fast release writers write what the slow ones wrote: the SKOS taxonomy as the JSON-LD
rdflib's serialiser gave (byte for byte) and as Turtle that reads back as the same graph, and each
workbook text aligned by the same count of right-to-left letters as `mostly_right_to_left`, on
hand-made edge cases and on the committed release's tables (no build)."""
from __future__ import annotations

import json
import unicodedata

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT
from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from pipeline.common.paths import Layout
from pipeline.registry.model import registry
from pipeline.release import skos
from pipeline.release.skos import BASE, CONTEXT, SKOS, Items, Literal, Triples, jsonld, taxonomy_graph, turtle
from pipeline.release.workbook_rows import _right_to_left, mostly_right_to_left

PUBLIC = BASE + "taxonomy"  # where a reader resolves the files' relative IRIs: the release's root

TRICKY_TEXTS = [
    "plain", 'with "quotes"', "back\\slash", "tab\tand\rreturn", "line\nbreak", 'ends with a quote"\nx"',
    'three """ quotes\n', "control \x01\x1f", "emoji 😀", "عربي", "中文", "", "   ", "\u200f", "</script>"]


def _hand_made() -> Triples:
    """A little taxonomy with what the writers must get right: one value and several, a class and
    two classes, tagged and plain texts with every kind of escape, IRIs of ours, others' and one in
    a namespace of the context, ids whose JSON sorts otherwise than their text, the ladder's list."""
    g = Triples(CONTEXT)
    role = BASE + "site/roles/a.html"
    g.add(role, skos.RDF_TYPE, SKOS + "Concept")
    g.add(role, SKOS + "notation", Literal("a"))
    g.add(role, SKOS + "prefLabel", Literal("A role", "en"))
    g.add(role, SKOS + "exactMatch", "http://data.europa.eu/esco/occupation/0b2e2fdc-0d2b-4d9e-a0f5-2f1b4e0d3c7a")
    g.add(role, SKOS + "closeMatch", "http://purl.org/dc/terms/x-y")
    g.add(role, SKOS + "relatedMatch", "http://www.w3.org/2004/02/skos/core#")
    for note in ("No equivalent in ISCO-08: b", "No equivalent in ISCO-08: a"):
        g.add(role, SKOS + "editorialNote", Literal(note, "en"))
    for i, text in enumerate(TRICKY_TEXTS):
        label = f"{role}#label-{i}"
        g.add(role, skos.SKOSXL + "altLabel", label)
        g.add(label, skos.RDF_TYPE, skos.SKOSXL + "Label")
        g.add(label, skos.SKOSXL + "literalForm", Literal(text, "ar" if i % 2 else "zh-Hans"))
        g.add(label, skos.DCTERMS + "description", Literal(text, "en"))
        for row in ("x", "x!y", "x-y", "x%20y", "é"):
            g.add(label, skos.PROV + "wasDerivedFrom", BASE + f"annotations.jsonld#t/{i}:{row}")
    for ident in ("x", "x!y", "x-y"):
        g.add(BASE + f"site/concepts/skill/{ident}.html", skos.RDF_TYPE, SKOS + "Concept")
    g.add(BASE + "site/concepts/skill/x.html", skos.RDF_TYPE, SKOS + "Collection")
    g.add(BASE + "site/concepts/skill/x.html", SKOS + "notation", Literal("x"))
    g.add(BASE + "site/concepts/skill/x.html", SKOS + "notation", Literal("x!y"))
    ladder = BASE + "site/index.html#ladder-order"
    g.add(ladder, skos.RDF_TYPE, SKOS + "OrderedCollection")
    g.add(ladder, SKOS + "memberList", Items(tuple(BASE + f"site/index.html#level-{n}" for n in ("z", "a", "m"))))
    return g


def _as_rdflib(g: Triples) -> Graph:
    out = Graph(bind_namespaces="none")
    for prefix, ns in g.prefixes.items():
        out.bind(prefix, ns)

    def term(node):
        if isinstance(node, str):
            return URIRef(node)
        if isinstance(node, Literal):
            return RdfLiteral(node.text, lang=node.lang, datatype=node.datatype and URIRef(node.datatype))
        head = BNode()
        Collection(out, head, [term(item) for item in node.members])
        return head

    for s, p, o in g:
        out.add((URIRef(s), URIRef(p), term(o)))
    return out


def _rdflib_jsonld(graph: Graph) -> bytes:
    """What the release wrote before: rdflib's compact JSON-LD, every unordered array sorted."""
    def ordered(value):
        if isinstance(value, dict):
            return {k: [ordered(x) for x in v] if k == "@list" else ordered(v) for k, v in value.items()}
        if isinstance(value, list):
            return sorted((ordered(v) for v in value), key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
        return value

    doc = json.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True))
    nodes = [n for n in doc.get("@graph", [doc]) if n.keys() - {"@context"}]
    for n in nodes:
        n.pop("@context", None)
    text = json.dumps({"@context": CONTEXT, "@graph": ordered(nodes)}, ensure_ascii=False, indent=1, sort_keys=True)
    return (text.replace(f'"{BASE}', '"') + "\n").encode("utf-8")


def _read(data: bytes, kind: str) -> Graph:
    return Graph().parse(data=data.decode("utf-8"), format=kind, publicID=PUBLIC)


@pytest.fixture(scope="module")
def committed_taxonomy() -> Triples:
    """The taxonomy of the committed release's tables."""
    reg = registry(Layout(ROOT))
    tables = {name: pq.read_table(ROOT / "output" / "parquet" / f"{name}.parquet") for name in reg.tables}
    return taxonomy_graph(reg, tables)


def test_the_json_ld_is_the_bytes_rdflib_wrote_for_the_edge_cases():
    g = _hand_made()
    assert jsonld(g) == _rdflib_jsonld(_as_rdflib(g))


def test_the_json_ld_is_the_bytes_rdflib_wrote_for_the_committed_taxonomy(committed_taxonomy):
    assert len(committed_taxonomy) > 5000
    assert jsonld(committed_taxonomy) == _rdflib_jsonld(_as_rdflib(committed_taxonomy))


@pytest.mark.parametrize("which", ["edge cases", "committed"])
def test_the_turtle_and_the_json_ld_read_back_as_the_graph_they_were_written_from(which, committed_taxonomy):
    g = _hand_made() if which == "edge cases" else committed_taxonomy
    expected = _as_rdflib(g)
    from_turtle, from_jsonld = _read(turtle(g), "turtle"), _read(jsonld(g), "json-ld")
    assert isomorphic(from_turtle, expected)
    assert isomorphic(from_jsonld, expected)


def test_the_ladder_keeps_its_order_and_an_empty_one_is_the_empty_list():
    g = _hand_made()
    members = next(iter(g.objects(BASE + "site/index.html#ladder-order", SKOS + "memberList")))
    read = _read(turtle(g), "turtle")
    (head,) = read.objects(None, URIRef(SKOS + "memberList"))
    assert [str(x) for x in read.items(head)] == list(members.members)
    empty = Triples(CONTEXT)
    empty.add(BASE + "c", SKOS + "memberList", Items(()))
    for data, kind in ((turtle(empty), "turtle"), (jsonld(empty), "json-ld")):
        (head,) = _read(data, kind).objects(None, URIRef(SKOS + "memberList"))
        assert str(head) == "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil", kind


@pytest.mark.parametrize("text", TRICKY_TEXTS + ["a\nb\\", 'x""\n""', '\n"'])
def test_a_literal_is_quoted_in_turtle_as_rdflib_quotes_it(text):
    assert skos._quoted(text) + "@en" == RdfLiteral(text, lang="en").n3()


# Texts whose direction a cell takes from its letters: right-to-left scripts, left-to-right ones,
# letters of neither direction only, mixtures either way, the marks and digits of the bidi algorithm.
DIRECTION_TEXTS = [
    "مرحبا بالعالم", "שלום עולם", "An English note quoting the word مرحبا", "مرحبا with English words around",
    "ab مر", "abc مرحب", "12345", "١٢٣٤٥", "", "   ", None, "中文文本", "Привет мир", "😀🎉", "😀 مرحبا",
    "\u200f", "\u200e", "a\u200fb", "ܐܒܓ syriac", "ߊߋߌ", "ދިވެހި", "(مرحبا)", "x" * 40 + "ع" * 41,
    "ع" * 40 + "x" * 40, "tab\tمرحبا\nlines", "עברית and english and more english",
]


def _expected(values: list) -> list:
    return [None if v is None else mostly_right_to_left(v) for v in values]


def test_a_text_is_set_right_to_left_exactly_when_most_of_its_letters_are():
    texts = pa.array(DIRECTION_TEXTS, pa.string())
    batch = pa.record_batch([texts, pa.array(range(len(texts))), texts.cast(pa.large_string())[::-1]],
                            names=["a", "n", "b"])
    found = _right_to_left(batch)
    assert sorted(found) == [0, 2]
    assert found[0].to_pylist() == _expected(DIRECTION_TEXTS)
    assert found[2].to_pylist() == _expected(DIRECTION_TEXTS[::-1])


def test_every_character_is_counted_in_its_own_direction():
    # One text per code point (a sample of every block), alone and against one letter of each side.
    points = [c for c in range(0x20, 0x110000, 7) if unicodedata.category(chr(c)) not in ("Cs",)]
    texts = [chr(c) for c in points] + [chr(c) + "a" for c in points[::5]] + [chr(c) + "\u05d0" for c in points[::5]]
    batch = pa.record_batch([pa.array(texts, pa.string())], names=["t"])
    assert _right_to_left(batch)[0].to_pylist() == _expected(texts)


def test_a_batch_of_ascii_and_nulls_only_is_all_left_to_right():
    batch = pa.record_batch([pa.array(["a", None, "", "1"], pa.string())], names=["t"])
    assert _right_to_left(batch)[0].to_pylist() == [False, None, False, False]
