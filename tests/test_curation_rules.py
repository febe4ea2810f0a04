"""The third curation pass's rules, held to every row they govern in the release: each family of
neighbouring concepts is split by a written decision rule (raw/mappings/README.md and the
definitions), titles are job titles, tool quotes name their tool, artefacts are never labels."""
from __future__ import annotations

import re

import pandas as pd
import pytest

# concept -> (the words of its English text one of which must be there, words that must not be)
DECISION_RULES = {
    ("duty_mentions", "duty_id", "promote_products"):
        (r"sell|sale|promot|offer|upsell|up-sell|cross-sell|recommend|deal|discount", None),
    ("duty_mentions", "duty_id", "identify_customer_needs"):
        (r"need|prefer|want|expect|requirement|suit|choos|right", r"\bsell|upsell|cross-sell|promot"),
    ("duty_mentions", "duty_id", "ensure_customer_satisfaction"):
        (r"satisf|quality|experience|happy|excellen|exceed|delight", None),
    ("duty_mentions", "duty_id", "communicate_with_customers"): (r".", r"satisf"),
    ("duty_mentions", "duty_id", "stay_informed"):
        (r"know|learn|up to date|up-to-date|current|inform|familiar|train|abreast|aware", None),
    ("duty_mentions", "duty_id", "follow_policies_and_procedures"):
        (r"follow|comply|complian|adher|accordance|in line|observ|abide|respect", None),
    ("skill_mentions", "skill_id", "conflict_resolution"):
        (r"difficult|angry|upset|rude|irate|aggressive|conflict|de-escalat|defus|dissatisfied|hostile|tense|"
         r"frustrat|unhappy|disgruntled|demanding", None),
    ("skill_mentions", "skill_id", "composure"):
        (r"patien|calm|compos|stress|pressure|self-control|control|thick skin|restrain|resilien|toleran|temper|cool|"
         r"emotion|armour|bounce off", None),  # the sources' figures of toughness ("armour", insults that "bounce off")
    ("skill_mentions", "skill_id", "product_knowledge"):
        (r"product|service|offer|compan|brand|feature|polic|goods|menu|catalog", None),
    ("skill_mentions", "skill_id", "technical_proficiency"):
        (r"technical|technolog|software|\bAPI|programming|tool|system|\bIT\b|computer|digital", None),
}
MERGED = {"duty_id": {"resolve_complaints", "provide_product_information", "coordinate_service_teams"},
          "skill_id": {"patience", "self_control", "resilience", "critical_thinking", "decision_making",
                       "analytical_skills", "organisation", "multitasking", "time_management"}}


@pytest.fixture(scope="module")
def tables(release):
    names = ("titles", "duty_mentions", "skill_mentions", "tool_mentions", "attested_labels", "translation_artefacts",
             "duties", "skills")
    return {n: pd.read_parquet(release / f"parquet/{n}.parquet") for n in names}


@pytest.mark.parametrize("rule", DECISION_RULES, ids=lambda r: r[2])
def test_every_row_of_a_family_follows_its_decision_rule(tables, rule):
    table, column, concept = rule
    must, must_not = DECISION_RULES[rule]
    rows = tables[table][tables[table][column] == concept]
    assert len(rows), f"no row states {concept}: the rule governs nothing"
    for row in rows.itertuples():
        assert re.search(must, row.text_en, re.I), (row[1], row.text_en)
        assert must_not is None or not re.search(must_not, row.text_en, re.I), (row[1], row.text_en)


def test_merged_concepts_are_gone_and_every_definition_states_its_rule(tables):
    for column, ids in MERGED.items():
        table = "duties" if column == "duty_id" else "skills"
        assert not ids & set(tables[table][column])
    for _, column, concept in DECISION_RULES:
        taxonomy = tables["duties" if column == "duty_id" else "skills"].set_index(column)
        assert "decision rule" in taxonomy.loc[concept, "definition_en"], concept


def test_manager_level_strategy_is_stated_only_for_managers(tables):
    rows = tables["duty_mentions"][tables["duty_mentions"].duty_id == "build_customer_experience_strategies"]
    assert len(rows) and set(rows.role_id) == {"customer_service_manager"}


def test_no_title_row_is_anything_but_a_job_title(tables):
    for row in tables["titles"].itertuples():
        words = len(row.text_en.split())
        assert words <= 8, (row.title_id, row.text_en)
        assert not re.search(r"job title|title:|^those |[“”\"«»]", row.text_en + row.quote, re.I), row.title_id
        assert ":" not in row.quote and "：" not in row.quote, row.title_id
        assert row.text_en.lower() not in {"customer success", "user experience", "product management"}, row.title_id


def test_every_tool_quote_is_the_words_that_name_its_tool(tables):
    tools = tables["tool_mentions"]
    for row in tools.itertuples():
        cjk = sum(1 for ch in row.quote if "\u3400" <= ch <= "\u9fff")
        assert (cjk <= 12 if cjk else len(row.quote.split()) <= 6), (row.mention_id, row.quote)
    # No two tools share one span of words: each quotes its own name.
    for source_id, rows in tools.groupby("source_id"):
        spans = sorted(zip(rows.char_start, rows.char_end, rows.tool_id))
        for (s1, e1, t1), (s2, _, t2) in zip(spans, spans[1:]):
            assert t1 == t2 or s2 >= e1, (source_id, s1, e1, t1, t2)


def test_no_attested_label_is_a_flagged_translation_artefact(tables):
    labels, artefacts = tables["attested_labels"], tables["translation_artefacts"]
    assert len(artefacts) and artefacts.translation_note.notna().all()
    flagged = set(zip(artefacts.concept_type, artefacts.concept_id, artefacts.lang, artefacts.text))
    assert not flagged & set(zip(labels.concept_type, labels.concept_id, labels.lang, labels.text))
    zh_role = labels[(labels.concept_type == "role") & (labels.lang == "zh-Hans")]
    assert "企业社会责任" not in set(zh_role.text) and "企业社会责任" in set(artefacts.text)
    assert not any("كبار السن" in t for t in labels.text)


def test_a_stated_level_is_read_off_a_ladder_the_source_gives(tables):
    titles = tables["titles"]
    for source_id, rows in titles[titles.level_basis == "stated"].groupby("source_id"):
        lines = sorted(set(rows.line))  # one ordered passage: consecutive lines of one list
        assert lines[-1] - lines[0] <= len(lines) + 1, (source_id, lines)
