"""Counts that mean what they say: restatements are marked, checked and never counted; the
evidence and attested-label tables agree with the facts they are derived from; every ESCO link is
the concept it names in the published list."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, digest, run
from ruamel.yaml import YAML

from pipeline.registry.model import registry
from pipeline.transform.evidence import concept_columns

REG = registry()
OUT = ROOT / "output"
RU = "raw/mappings/ru-csr-duties-and-responsibilities.yaml"


def _csv(name: str, folder: Path = OUT) -> pd.DataFrame:
    return pd.read_csv(folder / "csv" / f"{name}.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def facts(release) -> dict[str, pd.DataFrame]:
    return {t.name: _csv(t.name, release) for t in REG.fact_tables()}


def test_a_restatement_points_at_a_counted_statement_of_its_own_source_and_concept(facts):
    directions = set()
    for name, (column, _) in concept_columns(REG).items():
        df = facts[name]
        by_id = df.set_index(REG.tables[name].primary_key[0])
        restating = df[df["restates"].notna()]
        for row in restating.itertuples():
            target = by_id.loc[row.restates]
            assert target.source_id == row.source_id and target[column] == getattr(row, column), (name, row)
            assert pd.isna(target.restates), f"{name} {row[1]} points at another restatement"
            directions.add("back" if target.char_start < row.char_start else "forward")
    # a summary at the top of a page points forward at the section it repeats (raw/mappings/README.md)
    assert directions == {"back", "forward"}


def test_the_chinese_comparison_table_points_at_the_templates_it_repeats(facts):
    rows = pd.concat([facts[t].assign(table=t) for t in ("duty_mentions", "skill_mentions", "requirements",
                                                          "benefit_mentions", "tool_mentions")])
    zh = rows[rows["source_id"].str.startswith("zh-") & rows["line"].between(192, 201)]
    repeats = zh[zh["restates"].notna()]
    assert len(repeats) >= 60 and len(repeats) / len(zh) > 0.8
    # the service-industry column differs from the hospitality template: it is not all pointed
    service = zh[zh["setting"] == "service_industry"]
    assert service["restates"].isna().sum() >= 5


def test_concept_evidence_counts_first_statements_only(release, facts):
    evidence = _csv("concept_evidence", release).set_index(["concept_type", "concept_id"])
    sample = len(_csv("sources", release))
    for name, (column, kind) in concept_columns(REG).items():
        df = facts[name]
        first = df[df["restates"].isna()]
        for concept, group in first.groupby(column):
            row = evidence.loc[(kind, concept)]
            assert row.mention_count == len(group)
            assert row.source_count == group["source_id"].nunique() and row.sources_in_sample == sample
            assert row.languages == ", ".join(sorted(group["lang"].unique()))
        for concept, group in df[df["restates"].notna()].groupby(column):
            assert evidence.loc[(kind, concept)].restatement_count == len(group)


def test_every_attested_wording_is_found_at_its_first_row(release, facts):
    labels = _csv("attested_labels", release)
    assert len(labels) > 500
    for row in labels.itertuples():
        table = facts[row.first_table].set_index(REG.tables[row.first_table].primary_key[0])
        fact = table.loc[row.first_row_id]
        assert fact.text == row.text and fact.lang == row.lang
    # every wording of every concept appears once per language
    assert not labels.duplicated(["concept_type", "concept_id", "lang", "text"]).any()


def test_the_sources_of_every_wording_are_the_rows_that_use_it(release, facts):
    """attested_label_sources, counted again from the fact rows: per wording and source, its first
    statements and its restatements; attested_labels' counts are the first statements'."""
    labels = _csv("attested_labels", release).set_index("label_id")
    links = _csv("attested_label_sources", release)
    rows = pd.concat([facts[name].rename(columns={column: "concept_id"}).assign(concept_type=kind)
                      [["concept_type", "concept_id", "lang", "text", "source_id", "restates", "artefact"]]
                      for name, (column, kind) in concept_columns(REG).items()])
    # A wording flagged as a translation artefact is never a label: it is listed apart.
    artefacts = _csv("translation_artefacts", release)
    flagged = rows[rows["artefact"].notna()]
    assert len(flagged) == len(artefacts) and set(flagged["text"]) == set(artefacts["text"])
    rows = rows[rows["artefact"].isna()].merge(labels.reset_index()[["label_id", "concept_type", "concept_id", "lang", "text"]],
                      on=["concept_type", "concept_id", "lang", "text"], how="left")
    assert rows["label_id"].notna().all(), "a fact row's wording is missing from attested_labels"
    counted = (rows.assign(first=rows["restates"].isna(), again=rows["restates"].notna())
               .groupby(["label_id", "source_id"])[["first", "again"]].sum().reset_index())
    merged = counted.merge(links, on=["label_id", "source_id"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["first"] == merged["mention_count"]).all() and (merged["again"] == merged["restatement_count"]).all()
    firsts = links[links["mention_count"] > 0].groupby("label_id")
    assert (firsts.size().reindex(labels.index, fill_value=0) == labels["source_count"]).all()
    assert (firsts["mention_count"].sum().reindex(labels.index, fill_value=0) == labels["mention_count"]).all()


def test_the_release_has_no_work_condition_that_is_not_one_or_is_a_catch_all(facts):
    conditions = facts["work_conditions"]
    assert (conditions["condition_type"] == "other").mean() < 0.15


def test_every_canonical_duty_and_skill_has_a_definition():
    for name in ("duties", "skills", "tools", "metrics"):
        entries = YAML(typ="safe").load((ROOT / "raw/taxonomy" / f"{REG.tables[name].taxonomy}.yaml").read_text("utf-8"))
        assert all(e.get("definition_en") for e in entries), name


# What a reviewer read in the published ESCO list for each link: the preferred label the concept
# must carry there. A link changed without a new review fails here.
REVIEWED_ESCO = {
    "problem_solving": "solve problems", "interpersonal_skills": "establish customer rapport",
    "active_listening": "listen actively", "empathy": "relate empathetically",
    "quick_thinking": "think quickly", "customer_service_skills": "ensure client orientation", "persuasive_speaking": "present arguments persuasively",
    "conflict_resolution": "manage difficult clients", "adaptability": "adapt to change",
    "responsibility": "assume responsibility",
    "leadership": "lead others", "attention_to_detail": "attend to detail", "teamwork": "work in teams",
    "independence": "work independently", "willingness_to_learn": "demonstrate willingness to learn",
    "positive_attitude": "approach challenges positively", "motivation": "show determination",
    "product_knowledge": "product comprehension", "computer_literacy": "have computer literacy",
    "crm_software": "use customer relationship management software", "pos_systems": "operate cash register",
    "ecommerce_platforms": "e-commerce systems", "sales_skills": "sell products", "multilingual": "speak different languages",
    "self_care": "maintain psychological well-being", "local_knowledge": "local area tourism industry",
}


def test_every_esco_link_is_the_concept_a_reviewer_read_in_the_published_list():
    with (ROOT / "raw/reference/esco_skills.csv").open(encoding="utf-8", newline="") as fh:
        published = {r["id"]: r["description"] for r in csv.DictReader(fh)}
    skills = YAML(typ="safe").load((ROOT / "raw/taxonomy/skills.yaml").read_text("utf-8"))
    linked = {s["skill_id"]: s["esco_uri"] for s in skills if s.get("esco_uri")}
    assert set(linked) == set(REVIEWED_ESCO)
    for skill, uri in linked.items():
        assert published[uri].startswith(REVIEWED_ESCO[skill] + " "), (skill, published[uri][:80])


def _break(repo: Path, old: str, new: str) -> int:
    path = repo / RU
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def _restating_record(repo: Path) -> tuple[int, int]:
    """(line of the restates key, the line it names) of the first restating record of the file."""
    lines = (repo / RU).read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("restates:"))
    return at, int(re.search(r"\d+", lines[at - 1]).group())


@pytest.mark.parametrize("change, expected", [
    (lambda n: "restates: 9999", r"restates: no other record of \w+ starts on line 9999"),
    (lambda n: f"restates: {{line: {n}, quote: nothing like it}}", r"restates: no other record of \w+ with the quote 'nothing like it'"),
    (lambda n: "restates: forty", r"restates takes the line the restated record's quote starts on"),
])
def test_a_bad_restatement_is_refused_at_its_line(repo, change, expected):
    at, target = _restating_record(repo)
    lines = (repo / RU).read_text(encoding="utf-8").split("\n")
    indent = lines[at - 1][: len(lines[at - 1]) - len(lines[at - 1].lstrip())]
    lines[at - 1] = indent + change(target)
    (repo / RU).write_text("\n".join(lines), encoding="utf-8")
    before = digest(repo / "output")
    result = run(repo, "check")
    assert result.code == 1 and re.search(rf"{RU}:{at}: {expected}", result.stderr), result.stderr
    assert digest(repo / "output") == before


def test_a_restatement_of_another_concept_is_refused(repo):
    at, target = _restating_record(repo)
    text = (repo / RU).read_text(encoding="utf-8").split("\n")
    # the record the restating one belongs to: change its concept key to another valid concept
    start = max(i for i in range(at) if text[i].lstrip().startswith("- quote:"))
    for i in range(start, at):
        if re.match(r"\s+duty: ", text[i]):
            text[i] = re.sub(r"duty: \w+", "duty: greet_customers", text[i])
            break
    else:
        pytest.skip("the first restating record is not a duty")
    (repo / RU).write_text("\n".join(text), encoding="utf-8")
    result = run(repo, "check")
    assert result.code == 1 and re.search(rf"{RU}:{at}: restates: the record on line {target} states something else",
                                          result.stderr), result.stderr
