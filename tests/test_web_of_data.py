"""The release on the web of data, read with the tools people use: rdflib and SPARQL for the SKOS
taxonomy and the DCAT record, pySHACL for the SKOS integrity rules, a JSON-LD processor for the
role pages' schema.org markup, and the W3C selector rules for the annotations."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
from conftest import ROOT
from pyld import jsonld
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS
from test_bad_inputs import fails, replace

SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
CROSSWALKS = "raw/taxonomy/crosswalks.yaml"


@pytest.fixture(scope="module")
def skos(release) -> Graph:
    return Graph().parse(release / "taxonomy.ttl", format="turtle")


def _iri(release: Path, rel: str) -> URIRef:
    return URIRef((release / rel).resolve().as_uri())


def test_the_taxonomy_in_turtle_and_in_json_ld_is_one_graph(release, skos):
    other = Graph().parse(release / "taxonomy.jsonld", format="json-ld")
    assert len(skos) > 5000 and isomorphic(skos, other)


def test_every_taxonomy_entry_is_a_concept_of_its_scheme_with_its_english_label(release, skos):
    for name, key in (("roles", "role_id"), ("duties", "duty_id"), ("skills", "skill_id"), ("tools", "tool_id"),
                      ("metrics", "metric_id"), ("career_levels", "level_id")):
        rows = pd.read_parquet(release / f"parquet/{name}.parquet")
        for row in rows.itertuples():
            concepts = list(skos.subjects(SKOS.notation, Literal(getattr(row, key))))
            concept = next(c for c in concepts if (c, SKOS.prefLabel, Literal(row.label_en, lang="en")) in skos)
            assert (concept, RDF.type, SKOS.Concept) in skos
            assert len(list(skos.objects(concept, SKOS.inScheme))) == 1


def test_sparql_gives_the_chinese_labels_of_a_skill_with_their_sources(release, skos):
    query = """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX skosxl: <http://www.w3.org/2008/05/skos-xl#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?form ?source WHERE {
          ?skill skos:notation "communication" ; skosxl:altLabel ?label .
          ?label skosxl:literalForm ?form ; dct:source ?source .
          FILTER (langMatches(lang(?form), "zh-Hans"))
        }"""
    found = {(str(form), Path(str(source)).name) for form, source in skos.query(query)}
    labels = pd.read_parquet(release / "parquet/attested_labels.parquet")
    uses = pd.read_parquet(release / "parquet/attested_label_sources.parquet")
    want = labels[(labels.concept_id == "communication") & (labels.lang == "zh-Hans")].merge(uses, on="label_id")
    assert found and found == {(t, f"{s}.txt") for t, s in zip(want.text, want.source_id)}


def test_sparql_gives_the_skills_with_no_esco_equivalent(release, skos):
    query = """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?id WHERE {
          ?skill skos:inScheme ?scheme ; skos:notation ?id ; skos:editorialNote ?note .
          FILTER (STRENDS(STR(?scheme), "#skill") && STRSTARTS(?note, "No equivalent in ESCO skills"))
        }"""
    found = {str(row[0]) for row in skos.query(query)}
    crosswalks = pd.read_parquet(release / "parquet/crosswalks.parquet")
    none = crosswalks[(crosswalks.subject_type == "skill") & crosswalks.target_code.isna()]
    assert found == set(none.subject_id)
    matched = set(crosswalks[(crosswalks.subject_type == "skill") & crosswalks.target_code.notna()].subject_id)
    assert not found & matched


def test_translation_artefacts_are_hidden_labels_only(release, skos):
    artefacts = pd.read_parquet(release / "parquet/translation_artefacts.parquet")
    assert len(artefacts)
    for row in artefacts[artefacts.concept_type.isin(["role", "duty", "skill", "tool", "metric"])].itertuples():
        folder = "roles" if row.concept_type == "role" else f"concepts/{row.concept_type}"
        concept = _iri(release, f"site/{folder}/{row.concept_id}.html")
        form = Literal(row.text, lang=row.lang)
        hidden = [x for x in skos.objects(concept, SKOSXL.hiddenLabel) if (x, SKOSXL.literalForm, form) in skos]
        shown = [x for x in skos.objects(concept, SKOSXL.altLabel) if (x, SKOSXL.literalForm, form) in skos]
        assert len(hidden) == 1 and not shown, (row.row_id, hidden, shown)
    role = _iri(release, "site/roles/customer_service_representative.html")
    shown = {str(skos.value(x, SKOSXL.literalForm)) for x in skos.objects(role, SKOSXL.altLabel)}
    assert "企业社会责任" not in shown and "客户服务代表" in shown


def test_the_career_ladder_is_an_ordered_collection_entry_level_first(release, skos):
    levels = pd.read_parquet(release / "parquet/career_levels.parquet").sort_values("rank")
    (members,) = list(skos.objects(None, SKOS.memberList))
    order = [str(skos.value(c, SKOS.notation)) for c in skos.items(members)]
    assert order == list(levels.level_id)


def test_the_taxonomy_passes_the_skos_shapes_and_the_shapes_can_fail(release, skos):
    from pyshacl import validate

    shapes = Graph().parse(ROOT / "schemas/shapes/skos.ttl", format="turtle")
    conforms, _, report = validate(skos, shacl_graph=shapes, advanced=True)
    assert conforms, report
    broken = Graph() + skos
    concept = next(broken.subjects(SKOS.exactMatch, None))
    broken.add((concept, SKOS.closeMatch, broken.value(concept, SKOS.exactMatch)))
    label = next(broken.objects(None, SKOSXL.altLabel))
    owner = next(broken.subjects(SKOSXL.altLabel, label))
    broken.add((owner, SKOSXL.hiddenLabel, label))
    conforms, _, report = validate(broken, shacl_graph=shapes, advanced=True)
    assert not conforms and "S46" in report and "never both" in report


def test_the_dcat_record_lists_every_file_with_its_checksum_and_size(release):
    g = Graph().parse(release / "dcat.ttl", format="turtle")
    dcat, spdx = Namespace("http://www.w3.org/ns/dcat#"), Namespace("http://spdx.org/rdf/terms#")
    (dataset,) = list(g.subjects(RDF.type, dcat.Dataset))
    assert str(g.value(dataset, dcat.version)) == json.loads((release / "croissant.json").read_text())["version"]
    issued = g.value(dataset, URIRef("http://purl.org/dc/terms/issued"))
    assert issued.datatype == URIRef("http://www.w3.org/2001/XMLSchema#date") and issued.toPython().year >= 2025
    listed = {}
    for distribution in g.objects(dataset, dcat.distribution):
        path = Path(urlparse(str(g.value(distribution, dcat.downloadURL))).path).relative_to(release.resolve())
        checksum = g.value(distribution, spdx.checksum)
        listed[path.as_posix()] = (str(g.value(checksum, spdx.checksumValue)), int(g.value(distribution, dcat.byteSize)))
    sums = dict(line.split("  ")[::-1] for line in (release / "SHA256SUMS").read_text().splitlines())
    expected = {rel: (digest, (release / rel).stat().st_size) for rel, digest in sums.items() if rel != "dcat.ttl"}
    assert listed == expected
    assert set(g.objects(dataset, Namespace("http://www.w3.org/ns/prov#").wasDerivedFrom))


def _schema_org_loader(url, options=None):
    # The crawler's view of https://schema.org: every term is a schema.org IRI (offline, as the tests run).
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": "http://schema.org/"}}}


def test_every_role_page_carries_occupation_json_ld_that_expands_with_schema_org(release):
    roles = pd.read_parquet(release / "parquet/roles.parquet")
    for role in roles.itertuples():
        page = release / "site" / "roles" / f"{role.role_id}.html"
        scripts = re.findall(r'<script type="application/ld\+json">\n(.*?)\n</script>', page.read_text(), re.S)
        assert len(scripts) == 1
        doc = json.loads(scripts[0])
        expanded = jsonld.expand(doc, {"documentLoader": _schema_org_loader, "base": page.as_uri()})[0]
        assert expanded["@type"] == ["http://schema.org/Occupation"]
        codes = {c["http://schema.org/codeValue"][0]["@value"] for c in expanded["http://schema.org/occupationalCategory"]}
        assert codes == {role.isco08_code, role.onet_soc_code}
        for skill in expanded.get("http://schema.org/skills", []):
            assert Path(skill["@id"].removeprefix("file://")).is_file(), skill["@id"]  # a concept of the taxonomy
    csr = (release / "site/roles/customer_service_representative.html").read_text()
    assert '"estimatedSalary"' in csr and '"educationRequirements"' in csr


@pytest.fixture(scope="module")
def annotations(release) -> list[dict]:
    return json.loads((release / "annotations.jsonld").read_text(encoding="utf-8"))["first"]["items"]


def test_every_quote_selector_matches_one_place_in_its_source(release, annotations):
    texts = {}
    for item in annotations:
        target = item["target"]
        text = texts.setdefault(target["source"]["id"], (release / target["source"]["id"]).read_text(encoding="utf-8"))
        quote = next(s for s in target["selector"] if s["type"] == "TextQuoteSelector")
        whole = quote.get("prefix", "") + quote["exact"] + quote.get("suffix", "")
        places = [m.start() for m in re.finditer(f"(?={re.escape(whole)})", text)]
        assert len(places) == 1, (item["id"], len(places))


def test_no_annotation_body_has_a_purpose_outside_a_textual_body_or_specific_resource(annotations):
    for item in annotations:
        for body in item["body"]:
            assert "purpose" not in body or body.get("type") in ("TextualBody", "SpecificResource"), item["id"]


def test_every_link_column_is_the_best_match_of_its_crosswalk(release):
    crosswalks = pd.read_parquet(release / "parquet/crosswalks.parquet")
    for table, key, kind, column, scheme, types in (
            ("skills", "skill_id", "skill", "esco_uri", "esco_skill", ("exact", "close")),
            ("roles", "role_id", "role", "esco_uri", "esco_occupation", ("exact", "close")),
            ("roles", "role_id", "role", "isco08_code", "isco08", ("exact", "close", "broad", "narrow")),
            ("roles", "role_id", "role", "onet_soc_code", "onet_soc", ("exact", "close", "broad", "narrow"))):
        for row in pd.read_parquet(release / f"parquet/{table}.parquet").itertuples():
            links = crosswalks[(crosswalks.subject_type == kind) & (crosswalks.subject_id == getattr(row, key))
                               & (crosswalks.target_scheme == scheme)].sort_values("target_code")
            assert len(links), (kind, getattr(row, key), scheme)  # linked, or said to have no equivalent
            best = next((c for t in types for c, m in zip(links.target_code, links.match_type) if m == t), None)
            value = getattr(row, column)
            assert (None if pd.isna(value) else value) == best, (table, getattr(row, key), column)
    for scheme, code_file in (("isco08", "isco08_groups.csv"), ("onet_soc", "onet_soc_2019.csv")):
        with open(ROOT / "raw/reference" / code_file, encoding="utf-8", newline="") as fh:
            listed = {r.get("code") or r.get("Code") for r in csv.DictReader(fh)}
        assert set(crosswalks[crosswalks.target_scheme == scheme].target_code.dropna()) <= listed


# --- bad crosswalk input ------------------------------------------------------------------------

def test_a_match_type_outside_the_five_is_refused(repo):
    n = replace(repo, CROSSWALKS, "match_type: close", "match_type: similar")
    fails(repo, "check", rf"{CROSSWALKS}:{n}: match_type 'similar' is not one of: exact, close, broad, narrow, related")


def test_a_target_code_not_in_the_published_lists_is_refused(repo):
    text = (repo / CROSSWALKS).read_text(encoding="utf-8")
    code = re.search(r"target_code: (http://data\.europa\.eu/esco/skill/[0-9a-f-]{36})", text).group(1)
    entry = text.count("\n", 0, text.rindex("\n- ", 0, text.index(code))) + 2
    (repo / CROSSWALKS).write_text(text.replace(code, "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000", 1),
                                   encoding="utf-8")
    fails(repo, "check", rf"{CROSSWALKS}:{entry}: target_code http://data\.europa\.eu/esco/skill/0+-0000.* is not in "
                         r"raw/reference/esco_skills\.csv")


def test_a_no_equivalent_row_without_a_reason_is_refused(repo):
    lines = (repo / CROSSWALKS).read_text(encoding="utf-8").split("\n")
    n = next(i for i, line in enumerate(lines, 1) if line.startswith("- {") and "target_code" not in line)
    lines[n - 1] = re.sub(r', rationale: "(?:[^"\\]|\\.)*"', "", lines[n - 1])
    assert "rationale" not in lines[n - 1]
    (repo / CROSSWALKS).write_text("\n".join(lines), encoding="utf-8")
    fails(repo, "check", rf"{CROSSWALKS}:{n}: missing 'rationale'")
