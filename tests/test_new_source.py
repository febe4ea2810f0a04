"""A curator adds a source whose text is awkward but valid: Windows line ends, a byte-order mark,
characters outside the Basic Multilingual Plane, bidirectional controls, a zero-width space,
markup and CSV metacharacters. Its facts travel into every file of the release unchanged:
offsets count code points of the exact bytes, every CSV cell reads back as its Parquet cell,
annotations resolve, SQLite holds the same rows and no page lets the markup through."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import copy_repo, csv_cells_differing_from_parquet, run

SID = "ru-awkward-text"
TEXT = ("\ufeffСлужба поддержки 🎧 клиентов\r\n"
        "Оператор «колл-центра» </script><b>x</b> \"кавычки\", запятые\r\n"
        "\u202eперевёрнутый текст\u202c и ноль\u200bширины\r\n"
        "Отвечать на вопросы клиентов 😀 по телефону\r\n")
QUOTES = {
    "titles": ["Оператор «колл-центра» </script><b>x</b> \"кавычки\", запятые",
               "\u202eперевёрнутый текст\u202c и ноль\u200bширины"],
    "duty_mentions": ["Отвечать на вопросы клиентов 😀 по телефону"],
    "tool_mentions": ["по телефону"],
}
MAPPING = """source_id: {sid}
defaults:
  role: customer_service_representative
  setting: general
titles:
- quote: "Оператор «колл-центра» </script><b>x</b> \\"кавычки\\", запятые"
  kind: alternative
  text_en: 'Call-centre operator </script><b>x</b> "quotes", commas'
- quote: "\u202eперевёрнутый текст\u202c и ноль\u200bширины"
  kind: related
  text_en: reversed text and zero width
duties:
- quote: "Отвечать на вопросы клиентов 😀 по телефону"
  duty: answer_customer_inquiries
  text_en: Answer customers' questions 😀 by phone
tools:
- quote: "по телефону"
  tool: phone_system
  text_en: by phone
excluded:
- lines: '1'
  reason: the page heading
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    repo = copy_repo(tmp_path_factory.mktemp("awkward") / "repo", with_output=False)
    raw = TEXT.encode("utf-8")
    (repo / f"raw/sources/{SID}.txt").write_bytes(raw)
    (repo / f"raw/sources/{SID}.yaml").write_text(
        f"source_id: {SID}\nseed_file: shared/seeds/999_0000000000000000.txt\n"
        f"sha256: {hashlib.sha256(raw).hexdigest()}\nlang: ru\ntitle: Служба поддержки 🎧 клиентов\n"
        "title_basis: stated\ntitle_en: Customer support 🎧 service\npublisher: null\npublished: null\nurl: null\n"
        "translation: none\norigin_note: A test text written for this test; it was published nowhere.\n"
        "description_en: A test source with awkward but valid text.\nlicence: Test text.\n", encoding="utf-8")
    (repo / f"raw/mappings/{SID}.yaml").write_text(MAPPING.format(sid=SID), encoding="utf-8")
    counted = run(repo, "counts")
    assert counted.code == 0, counted.stderr
    target = repo / "output"
    built = run(repo, "build", "--out", str(target))
    assert built.code == 0, built.stderr
    return target


def test_the_text_is_released_byte_for_byte_and_every_offset_counts_its_code_points(out):
    released = (out / "sources" / f"{SID}.txt").read_bytes()
    assert released == TEXT.encode("utf-8")
    text = released.decode("utf-8")
    for table, quotes in QUOTES.items():
        rows = pq.read_table(out / "parquet" / f"{table}.parquet").to_pylist()
        mine = [r for r in rows if r["source_id"] == SID]
        assert sorted(r["quote"] for r in mine) == sorted(quotes)
        for r in mine:
            assert text[r["char_start"]:r["char_end"]] == r["quote"] == r["text"]


def test_every_csv_cell_reads_back_as_its_parquet_cell(out):
    assert csv_cells_differing_from_parquet(out) == []


def test_sqlite_holds_the_same_rows(out):
    con = sqlite3.connect(out / "customer-service-roles.sqlite")
    for table in QUOTES:
        got = sorted(con.execute(f'SELECT quote, char_start, char_end FROM "{table}" WHERE source_id = ?', (SID,)))
        rows = [r for r in pq.read_table(out / "parquet" / f"{table}.parquet").to_pylist() if r["source_id"] == SID]
        assert got == sorted((r["quote"], r["char_start"], r["char_end"]) for r in rows)


def test_every_annotation_of_the_source_resolves_to_its_quote(out):
    doc = json.loads((out / "annotations.jsonld").read_text(encoding="utf-8"))
    text = (out / "sources" / f"{SID}.txt").read_bytes().decode("utf-8")
    found = 0
    for item in doc["first"]["items"]:
        if item["target"]["source"]["id"] != f"sources/{SID}.txt":
            continue
        by_type = {s["type"]: s for s in item["target"]["selector"]}
        position, quote = by_type["TextPositionSelector"], by_type["TextQuoteSelector"]
        assert text[position["start"]:position["end"]] == quote["exact"]
        assert text[:position["start"]].endswith(quote["prefix"]) and text[position["end"]:].startswith(quote["suffix"])
        found += 1
    assert found == sum(len(q) for q in QUOTES.values())


def test_no_page_lets_the_markup_of_a_text_through(out):
    page = (out / "site" / "sources" / f"{SID}.html").read_text(encoding="utf-8")
    assert "</script><b>" not in page and "&lt;/script&gt;&lt;b&gt;" in page
    for path in (out / "site").rglob("*.html"):
        assert "<b>x</b>" not in path.read_text(encoding="utf-8"), path
