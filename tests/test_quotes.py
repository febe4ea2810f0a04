"""Quotes are placed in their raw text deterministically, on the real sources."""
from __future__ import annotations

import pytest

from pipeline.load_sources import load_sources
from pipeline.problems import Problems
from pipeline.quotes import QuoteError, locate

SOURCES = load_sources(Problems())
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
