"""Where the words come from: every source says which page it was copied from, which original it
translates and how, each confirmed or null with the reason; texts derived from one original are one
origin in the evidence tables; and bad origin or artefact input is refused at its file and line."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_repo, run
from ruamel.yaml import YAML
from test_bad_inputs import fails, line_of, replace_line

AR_CSR = "ar-csr-job-description-2022"
RU_SIDECAR = "raw/sources/ru-csr-duties-and-responsibilities.yaml"
RU = "raw/mappings/ru-csr-duties-and-responsibilities.yaml"
ZH = "raw/mappings/zh-csr-job-description-smb-templates.yaml"
ZH_SIDECAR = "raw/sources/zh-csr-job-description-smb-templates.yaml"


def test_every_source_says_where_its_words_come_from(release):
    sources = pd.read_parquet(release / "parquet/sources.parquet")
    assert sources["translation"].notna().all() and sources["origin_note"].str.len().gt(100).all()
    for s in sources.itertuples():
        if pd.notna(s.url):  # confirmed by passages of the text, named by their lines
            assert pd.notna(s.publisher) and len(re.findall(r"\blines? \d+", s.origin_note)) >= 2, s.source_id
        if pd.notna(s.original_url):
            assert s.original_lang_basis == "found" and s.original_publisher and s.original_title, s.source_id
        if s.translation in ("machine", "human"):
            assert pd.notna(s.translation_basis), s.source_id
        if s.title_basis == "stated":
            text = (release / s.text_path).read_text(encoding="utf-8")
            assert s.title in text, s.source_id
    # A source with no title of its own says so instead of taking a closing heading as its title.
    ru = sources.set_index("source_id").loc["ru-csr-duties-and-responsibilities"]
    assert ru.title_basis == "given_by_curator" and not ru.title.startswith("Заключение")


def test_a_translation_inferred_from_artefacts_names_flagged_rows_of_its_source(release):
    sources = pd.read_parquet(release / "parquet/sources.parquet")
    artefacts = pd.read_parquet(release / "parquet/translation_artefacts.parquet")
    inferred = sources[sources.translation_basis == "inferred_from_artefacts"].source_id
    assert len(inferred) >= 3
    assert set(inferred) <= set(artefacts.source_id)
    assert artefacts.translation_note.notna().all()


@pytest.fixture(scope="module")
def derived_copies(tmp_path_factory) -> tuple[Path, Path]:
    """The release with two more texts of the Arabic job description: one derived from the same
    English original (the same origin), one recorded as coming from another page (a new origin)."""
    repo = copy_repo(tmp_path_factory.mktemp("origins") / "repo", with_output=False)
    sidecar = (repo / f"raw/sources/{AR_CSR}.yaml").read_text(encoding="utf-8")
    mapping = (repo / f"raw/mappings/{AR_CSR}.yaml").read_text(encoding="utf-8")
    for copy, other_origin in (("ar-csr-same-original", False), ("ar-csr-other-page", True)):
        shutil.copy(repo / f"raw/sources/{AR_CSR}.txt", repo / f"raw/sources/{copy}.txt")
        text = sidecar.replace(f"source_id: {AR_CSR}", f"source_id: {copy}")
        if other_origin:
            text = re.sub(r"(?m)^original_url: .*$", "original_url: null", text)
            text = re.sub(r"(?m)^url: .*$", "url: https://example.org/another-copy", text)
        (repo / f"raw/sources/{copy}.yaml").write_text(text, encoding="utf-8")
        (repo / f"raw/mappings/{copy}.yaml").write_text(
            mapping.replace(f"source_id: {AR_CSR}", f"source_id: {copy}"), encoding="utf-8")
    assert run(repo, "counts").code == 0
    built = run(repo, "build", "--out", str(repo / "output"))
    assert built.code == 0, built.stderr
    return repo / "output"


def test_two_texts_derived_from_one_original_are_counted_as_one_origin(release, derived_copies):
    before = pd.read_parquet(release / "parquet/concept_evidence.parquet").set_index(["concept_type", "concept_id"])
    after = pd.read_parquet(derived_copies / "parquet/concept_evidence.parquet").set_index(["concept_type", "concept_id"])
    assert after.sources_in_sample.iloc[0] == before.sources_in_sample.iloc[0] + 2
    assert after.origins_in_sample.iloc[0] == before.origins_in_sample.iloc[0] + 1
    facts = pd.concat([pd.read_parquet(release / f"parquet/{t}.parquet").assign(t=t)
                       for t in ("duty_mentions", "skill_mentions")])
    stated = facts[(facts.source_id == AR_CSR) & facts.restates.isna()]
    concepts = set(zip(stated.t.map({"duty_mentions": "duty", "skill_mentions": "skill"}),
                       stated.duty_id.fillna(stated.skill_id)))
    assert len(concepts) > 20
    for concept in concepts:
        # Three more sources would be three: the copy of the same original adds none, the other page one.
        assert after.loc[concept, "source_count"] == before.loc[concept, "source_count"] + 2, concept
        assert after.loc[concept, "origin_count"] == before.loc[concept, "origin_count"] + 1, concept
    others = after[after.index.get_level_values(0).isin(["duty", "skill"])]
    unstated = others.index.difference(list(concepts))
    assert len(unstated)
    assert (after.loc[unstated, "origin_count"] == before.reindex(unstated)["origin_count"]).all()


def test_original_and_published_languages_are_told_apart(release):
    evidence = pd.read_parquet(release / "parquet/concept_evidence.parquet")
    widest = evidence.sort_values("origin_count").iloc[-1]
    assert widest.languages == "ar, ru, zh-Hans" and widest.original_languages == "en"
    assert set(widest.translation_kinds.split(", ")) <= {"machine", "unknown"}


# --- bad input ---------------------------------------------------------------------------------

def test_an_unknown_translation_kind_is_refused_at_its_sidecar_line(repo):
    n = replace_line(repo, RU_SIDECAR, "translation: machine", "translation: automatic")
    fails(repo, "check", rf"{RU_SIDECAR}:{n}: translation 'automatic' is not one of: machine, human, none, unknown")


def test_an_original_url_that_is_not_a_url_is_refused_at_its_line(repo):
    n = replace_line(repo, RU_SIDECAR, "original_url:", "original_url: www.example.org/page")
    fails(repo, "check", rf"{RU_SIDECAR}:{n}: original_url 'www\.example\.org/page'")


def test_a_found_original_without_its_language_and_publisher_is_refused(repo):
    replace_line(repo, RU_SIDECAR, "original_url:", "original_url: https://example.org/original")
    fails(repo, "check", rf"{RU_SIDECAR}:1: an original that was found has a language and a publisher")


def test_a_stated_title_that_the_text_does_not_state_is_refused(repo):
    n = line_of(repo, RU_SIDECAR, "title: ")
    replace_line(repo, RU_SIDECAR, "title_basis: given_by_curator", "title_basis: stated")
    fails(repo, "check", rf"{RU_SIDECAR}:{n}: title does not occur in the raw text; .* given_by_curator")


def _first_record_without_note(repo: Path, rel: str, section: str) -> tuple[int, str]:
    records = YAML(typ="safe").load((repo / rel).read_text(encoding="utf-8"))[section]
    record = next(r for r in records if "note" not in r and "artefact" not in r)
    n = line_of(repo, rel, f"quote: {record['quote']}" if "\n" not in record["quote"] else "quote:")
    return n, record["quote"]


def test_an_artefact_flag_without_a_note_is_refused_at_its_record(repo):
    n, _ = _first_record_without_note(repo, RU, "duties")
    lines = (repo / RU).read_text(encoding="utf-8").split("\n")
    indent = re.match(r"\s*(- )?", lines[n - 1]).group().replace("-", " ")
    lines.insert(n, f"{indent}artefact: calque")
    (repo / RU).write_text("\n".join(lines), encoding="utf-8")
    fails(repo, "check", rf"{RU}:{n}: a row flagged as a translation artefact needs a note")


def test_an_unknown_artefact_kind_is_refused(repo):
    text = (repo / ZH).read_text(encoding="utf-8")
    n = text.count("\n", 0, text.index("artefact: mistranslation")) + 1
    (repo / ZH).write_text(text.replace("artefact: mistranslation", "artefact: typo", 1), encoding="utf-8")
    fails(repo, "check", rf"{ZH}:{n}: artefact 'typo' is not one of: mistranslation, calque, untranslated, garbled")


def test_a_wording_flagged_on_one_row_and_not_on_another_is_refused(repo):
    text = (repo / ZH).read_text(encoding="utf-8")
    at = text.index("artefact: mistranslation")
    line_start = text.rindex("\n", 0, at) + 1
    (repo / ZH).write_text(text[:line_start] + text[text.index("\n", at) + 1:], encoding="utf-8")
    fails(repo, "build", rf"{ZH}:1: the titles record quoting '企业社会责任' .* flagged as a translation artefact "
                         r"\(mistranslation\); flag this one too")


def test_a_translation_inferred_from_artefacts_without_any_is_refused_at_its_basis(repo):
    text = (repo / ZH).read_text(encoding="utf-8")
    (repo / ZH).write_text(re.sub(r"(?m)^\s*artefact: \w+\n", "", text), encoding="utf-8")
    n = line_of(repo, ZH_SIDECAR, "translation_basis:")
    fails(repo, "build", rf"{ZH_SIDECAR}:{n}: translation_basis is inferred_from_artefacts, but no row")
