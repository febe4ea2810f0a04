"""annotations.jsonld: one W3C Web Annotation per fact row, whose selectors find its quote in the
source text shipped in the release, and which a JSON-LD processor reads without losing a term."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyld import jsonld

from pipeline.registry.model import registry
from pipeline.release.annotations import CONTEXT, annotation_id

REG = registry()
LOCAL_CONTEXT = Path(__file__).parent / "data" / "anno.jsonld"
OA, AS = "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/activitystreams#"


@pytest.fixture(scope="module")
def doc(release) -> dict:
    return json.loads((release / "annotations.jsonld").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items(doc) -> list[dict]:
    return doc["first"]["items"]


def _fact_rows(release: Path):
    for table in REG.fact_tables():
        data = pq.read_table(release / "parquet" / f"{table.name}.parquet")
        for row in data.to_pylist():
            yield table, row


def test_every_fact_row_has_exactly_one_annotation(release, doc, items):
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "annotation ids repeat"
    expected = [annotation_id(table.name, row[table.primary_key[0]]) for table, row in _fact_rows(release)]
    assert ids == expected
    assert doc["total"] == len(items) > 0


def test_selectors_resolve_to_the_quote_in_the_released_source_text(release, items):
    rows = {annotation_id(t.name, r[t.primary_key[0]]): r for t, r in _fact_rows(release)}
    texts = {}
    for item in items:
        row, target = rows[item["id"]], item["target"]
        path = target["source"]["id"]
        assert path == f"sources/{row['source_id']}.txt"
        text = texts.setdefault(path, (release / path).read_bytes().decode("utf-8"))
        position = next(s for s in target["selector"] if s["type"] == "TextPositionSelector")
        quote = next(s for s in target["selector"] if s["type"] == "TextQuoteSelector")
        assert (position["start"], position["end"]) == (row["char_start"], row["char_end"])
        assert text[position["start"]:position["end"]] == quote["exact"] == row["quote"]
        # The quote selector alone finds the same place: its context is the text around it.
        prefix, suffix = quote.get("prefix", ""), quote.get("suffix", "")
        assert text[position["start"] - len(prefix):position["start"]] == prefix
        assert text[position["end"]:position["end"] + len(suffix)] == suffix
        assert prefix or position["start"] == 0
        assert suffix or position["end"] == len(text)


def test_bodies_name_the_translation_and_the_concept(release, items):
    rows = {annotation_id(t.name, r[t.primary_key[0]]): (t, r) for t, r in _fact_rows(release)}
    skills = {r["skill_id"]: r for r in pq.read_table(release / "parquet/skills.parquet").to_pylist()}
    for item in items:
        table, row = rows[item["id"]]
        purposes = {b["purpose"]: b for b in item["body"]}
        assert purposes["describing"]["value"] == row["text_en"] and purposes["describing"]["language"] == "en"
        assert purposes["tagging"]["value"] == table.name
        if table.name == "skill_mentions":
            skill = skills[row["skill_id"]]
            assert purposes["classifying"]["value"] == f"skill:{row['skill_id']}"
            assert purposes["classifying"]["label"] == skill["label_en"]
            assert purposes.get("identifying", {}).get("source") == skill["esco_uri"]
            assert skill["esco_uri"] is None or purposes["identifying"]["type"] == "SpecificResource"


def _loader(url, options=None):
    if url.rstrip("/") not in (CONTEXT, CONTEXT.replace("http:", "https:")):
        raise AssertionError(f"the annotations ask for a context other than the W3C one: {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": json.loads(LOCAL_CONTEXT.read_text(encoding="utf-8"))}


def _terms(node, found: set) -> set:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key in ("type", "motivation", "purpose"):
                found.update(value if isinstance(value, list) else [value])
            _terms(value, found)
    elif isinstance(node, list):
        for value in node:
            _terms(value, found)
    return found


def test_every_term_is_defined_by_the_web_annotation_context(doc):
    """A JSON-LD processor silently drops a key its context does not define: none may be dropped."""
    context = json.loads(LOCAL_CONTEXT.read_text(encoding="utf-8"))["@context"]
    undefined = _terms(doc, set()) - set(context) - {"@context"}
    assert not undefined, f"terms the Web Annotation context does not define: {sorted(undefined)}"


def test_the_document_expands_against_the_web_annotation_context(release, doc, items):
    base = (release / "annotations.jsonld").as_uri()
    expanded = jsonld.expand(doc, {"base": base, "documentLoader": _loader})
    collection = expanded[0]
    assert collection["@type"] == [f"{AS}OrderedCollection"]
    page = collection[f"{AS}first"][0]
    annotations = page[f"{AS}items"][0]["@list"]
    assert len(annotations) == len(items)
    for a in annotations:
        assert a["@type"] == [f"{OA}Annotation"]
        assert a["@id"].startswith(base + "#")
        target = a[f"{OA}hasTarget"][0]
        source = target[f"{OA}hasSource"][0]["@id"]
        assert source.startswith((release / "sources").as_uri() + "/") and source.endswith(".txt")
        kinds = {s["@type"][0] for s in target[f"{OA}hasSelector"]}
        assert kinds == {f"{OA}TextPositionSelector", f"{OA}TextQuoteSelector"}
        start = next(s for s in target[f"{OA}hasSelector"] if s["@type"][0] == f"{OA}TextPositionSelector")[f"{OA}start"][0]
        assert start["@type"] == "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"
        assert {p["@id"] for b in a[f"{OA}hasBody"] for p in b[f"{OA}hasPurpose"]} >= {f"{OA}describing", f"{OA}tagging"}


def test_annotations_are_listed_in_the_checksums(release):
    sums = (release / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  annotations.jsonld\n" in sums
    for source in pq.read_table(release / "parquet/sources.parquet").column("text_path").to_pylist():
        assert f"  {source}\n" in sums
