"""Quotes are placed in their raw text deterministically, on the real sources."""
from __future__ import annotations

import pytest
from conftest import ROOT

from pipeline.common.cache import Cache
from pipeline.common.paths import Layout
from pipeline.common.problems import Problems
from pipeline.curation.quotes import QuoteError, locate
from pipeline.curation.sources import load_sources
from pipeline.registry.model import registry

SOURCES = load_sources(registry(), Layout(ROOT), Problems(), Cache(Layout(ROOT), enabled=False))
ZH = SOURCES["zh-csr-job-description-smb-templates"]
RU = SOURCES["ru-csr-duties-and-responsibilities"]


def test_a_unique_quote_is_placed_with_code_point_offsets_and_its_line():
    quote = "В среднем представители службы поддержки клиентов в США зарабатывают до 16.69 долларов в час."
    place = locate(RU, quote)
    assert RU.text[place.start:place.end] == quote
    assert place.line == 99


def test_a_repeated_quote_without_a_line_is_rejected_listing_the_candidate_lines():
    with pytest.raises(QuoteError, match=r"occurs \d+ times \(lines \[85, 115, 146, 177\]\); add `line: <n>`"):
        locate(ZH, "高中文凭或同等学历。")


def test_the_line_says_which_occurrence_is_meant():
    place = locate(ZH, "高中文凭或同等学历。", line=146)
    assert place.line == 146 and ZH.text[place.start:place.end] == "高中文凭或同等学历。"
    with pytest.raises(QuoteError, match=r"does not start on line 147; it starts on line\(s\) \[85, 115, 146, 177\]"):
        locate(ZH, "高中文凭或同等学历。", line=147)


def test_a_quote_with_a_typo_gets_the_nearest_passage_as_a_hint():
    with pytest.raises(QuoteError, match=r"nearest passage, line 100 \(\d+% similar\): '11.05 до 27.11 долларов в час'"):
        locate(RU, "11.05 до 27.11 долларов в день")


def test_a_quote_spanning_lines_starts_on_its_first_line():
    quote = RU.line_text(98)[-10:] + "\n" + RU.line_text(99)[:10]
    place = locate(RU, quote)
    assert place.line == 98 and RU.text[place.start:place.end] == quote


def test_a_cell_repeated_on_one_table_row_is_placed_by_its_occurrence():
    """Line 200 of the Chinese source is a table row: four columns offering the same benefit."""
    row = ZH.line_text(200)
    with pytest.raises(QuoteError, match=r"occurs 4 times on line 200; add `occurrence: <n>` \(1 to 4"):
        locate(ZH, "有竞争力的小时工资", line=200)
    places = [locate(ZH, "有竞争力的小时工资", line=200, occurrence=n) for n in (1, 2, 3, 4)]
    line_start = ZH.line_starts[199]
    assert [p.start - line_start for p in places] == [i for i in range(len(row)) if row.startswith("有竞争力的小时工资", i)]
    assert all(ZH.text[p.start:p.end] == "有竞争力的小时工资" and p.line == 200 for p in places)
    with pytest.raises(QuoteError, match=r"occurrence 5 does not exist: the quote occurs 4 time\(s\) on line 200"):
        locate(ZH, "有竞争力的小时工资", line=200, occurrence=5)
    with pytest.raises(QuoteError, match=r"give `line: <n>` with it"):
        locate(ZH, "有竞争力的小时工资", occurrence=1)
