"""Datasette is a first-class client: served from the release's SQLite file and its
datasette/metadata.json, over loopback, every table and view shows its description and its
columns' meanings, every reference shows the English label of what it points at (a source its
English title), and search finds Arabic and Chinese words. Checked on a release the current code
builds, copied so that the server cannot touch the build other tests compare byte for byte."""
from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import markupsafe
import pyarrow.parquet as pq
import pytest

from conftest import ROOT
from pipeline.curation.dataset import dataset_meta
from pipeline.registry.model import registry
from pipeline.release.datasette import (fts_name, label_field, labelled_references, searched_fields, searched_tables,
                                        view_name, viewed_tables)
from pipeline.release.write import DATASETTE_METADATA, Written, write_sqlite

REG = registry()
DB = dataset_meta()["name"]
DATASETTE = Path(sys.executable).parent / "datasette"
# Words of the sources, searched for as a reader would type them: "customers" with the Arabic
# article attached, and "customer service" in Chinese, which writes words without spaces.
WORDS = {"ar": "العملاء", "zh-Hans": "客户服务"}


@pytest.fixture(scope="module")
def served(release, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("datasette")
    shutil.copy2(release / f"{DB}.sqlite", folder / f"{DB}.sqlite")
    shutil.copy2(release / DATASETTE_METADATA, folder / "metadata.json")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(DATASETTE), "serve", "-i", str(folder / f"{DB}.sqlite"), "-m",
                               str(folder / "metadata.json"), "-h", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # wait until it answers (or has died), not a measure of its speed
            if server.poll() is not None:
                pytest.fail(f"datasette exited: {server.stdout.read()}")
            try:
                _fetch(base + "/-/versions.json")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("datasette did not answer on loopback")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _fetch(url: str) -> str:
    with _NO_PROXY.open(url, timeout=60) as response:
        return response.read().decode("utf-8")


def _page(base: str, table: str, query: dict | None = None, json_: bool = False) -> str | dict:
    url = f"{base}/{DB}/{urllib.parse.quote(table)}" + (".json" if json_ else "")
    if query:
        url += "?" + urllib.parse.urlencode(query)
    text = _fetch(url)
    return json.loads(text) if json_ else text


@pytest.fixture(scope="module")
def con(release):
    con = sqlite3.connect(f"file:{release / f'{DB}.sqlite'}?mode=ro", uri=True)
    yield con
    con.close()


def test_the_database_holds_a_labelled_view_and_a_search_index_where_the_registry_says(release, tmp_path):
    shutil.copy2(release / f"{DB}.sqlite", tmp_path / "copy.sqlite")  # integrity-check needs a writable file
    con = sqlite3.connect(tmp_path / "copy.sqlite")
    kinds = dict(con.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')"))
    assert {view_name(t) for t in viewed_tables(REG)} == {n for n, k in kinds.items() if k == "view"}
    assert {"duty_mentions", "skill_mentions", "titles", "salaries"} <= {t.name for t in viewed_tables(REG)}
    for table in searched_tables(REG):
        assert kinds[fts_name(table)] == "table"
        # External content: the index must agree with the rows it points at (rank 1: compared
        # with the table's rows themselves), after VACUUM too.
        con.execute(f'INSERT INTO "{fts_name(table)}"("{fts_name(table)}", rank) VALUES (\'integrity-check\', 1)')
    con.close()
    assert {t.name for t in searched_tables(REG)} >= {t.name for t in REG.fact_tables()}


@pytest.mark.parametrize("table", viewed_tables(REG), ids=lambda t: t.name)
def test_a_labelled_view_has_every_row_with_the_label_of_each_reference(con, table):
    view = view_name(table)
    assert con.execute(f'SELECT count(*) FROM "{view}"').fetchone() == con.execute(
        f'SELECT count(*) FROM "{table.name}"').fetchone()
    for fk, label, alias in labelled_references(REG, table):
        wrong = con.execute(
            f'SELECT count(*) FROM "{view}" v LEFT JOIN "{fk.table}" r ON r."{fk.target}" = v."{fk.field}" '
            f'WHERE v."{alias}" IS NOT r."{label}"').fetchone()[0]
        assert wrong == 0, (view, alias)
        assert con.execute(f'SELECT count(*) FROM "{view}" WHERE "{alias}" IS NULL AND "{fk.field}" IS NOT NULL'
                           ).fetchone()[0] == 0


def test_the_database_written_again_from_the_parquet_files_has_the_same_bytes(release, tmp_path):
    tables = {name: pq.read_table(release / "parquet" / f"{name}.parquet") for name in REG.tables}
    written = Written(tmp_path)
    write_sqlite(written, "again.sqlite", REG, tables)
    assert (tmp_path / "again.sqlite").read_bytes() == (release / f"{DB}.sqlite").read_bytes()


def test_the_metadata_describes_every_table_view_and_column(release):
    doc = json.loads((release / DATASETTE_METADATA).read_text(encoding="utf-8"))
    assert doc["title"] and doc["license"] and doc["license_url"] and doc["source"]
    described = doc["databases"][DB]["tables"]
    for table in REG.tables.values():
        entry = described[table.name]
        assert entry["description"] == table.description
        assert entry["columns"] == {f.name: f.description for f in table.fields}
        assert entry.get("label_column") == label_field(table)
        assert set(entry.get("facets", [])) <= set(table.columns)
    assert described["sources"]["label_column"] == "title_en"
    for table in viewed_tables(REG):
        entry = described[view_name(table)]
        assert entry["description"] and all(entry["columns"].values())
        assert {alias for _, _, alias in labelled_references(REG, table)} <= set(entry["columns"])


@pytest.mark.parametrize("name", list(REG.tables) + [view_name(t) for t in viewed_tables(REG)])
def test_every_table_and_view_page_shows_its_description_and_its_columns_meanings(served, release, name):
    entry = json.loads((release / DATASETTE_METADATA).read_text(encoding="utf-8"))["databases"][DB]["tables"][name]
    page = _page(served, name, {"_size": "1"})
    assert str(markupsafe.escape(entry["description"])) in page
    for column, meaning in entry["columns"].items():
        assert f"<dt>{markupsafe.escape(column)}</dt><dd>{markupsafe.escape(meaning)}</dd>" in page, column


@pytest.mark.parametrize("table", [t for t in REG.tables.values() if labelled_references(REG, t)], ids=lambda t: t.name)
def test_every_reference_shows_the_english_label_of_what_it_points_at(served, con, table):
    rows = _page(served, table.name, {"_labels": "on", "_size": "20", "_shape": "objects"}, json_=True)["rows"]
    assert rows
    for fk, label, _ in labelled_references(REG, table):
        expected = dict(con.execute(f'SELECT "{fk.target}", "{label}" FROM "{fk.table}"'))
        shown = [row[fk.field] for row in rows if row[fk.field] is not None]
        assert all(isinstance(cell, dict) and cell["label"] == expected[cell["value"]] for cell in shown), fk.field


def test_a_duty_mention_shows_the_duty_and_the_source_by_their_english_names(served, con):
    page = _page(served, "duty_mentions", {"_size": "5"})
    duty_id, duty, source_id, title_en, title = con.execute(
        "SELECT m.duty_id, d.label_en, m.source_id, s.title_en, s.title FROM duty_mentions m "
        "JOIN duties d USING (duty_id) JOIN sources s USING (source_id) ORDER BY m.rowid LIMIT 1").fetchone()
    assert f'/{DB}/duties/{duty_id}">{markupsafe.escape(duty)}</a>' in page
    assert f'/{DB}/sources/{source_id}">{markupsafe.escape(title_en)}</a>' in page
    assert f">{markupsafe.escape(title)}</a>" not in page


@pytest.mark.parametrize("table", searched_tables(REG), ids=lambda t: t.name)
def test_every_table_with_text_has_a_search_box(served, table):
    assert '<input id="_search" type="search" name="_search"' in _page(served, table.name, {"_size": "1"})


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_search_finds_every_row_that_holds_an_arabic_or_a_chinese_word(served, con, lang):
    word = WORDS[lang]
    found = 0
    for table in searched_tables(REG):
        (key,) = table.primary_key
        holds = " OR ".join(f'instr("{c}", ?) > 0' for c in searched_fields(table))
        expected = sorted(r[0] for r in con.execute(
            f'SELECT "{key}" FROM "{table.name}" WHERE {holds}', [word] * len(searched_fields(table))))
        result = _page(served, table.name, {"_search": word, "_size": "max", "_shape": "objects"}, json_=True)
        assert sorted(row[key] for row in result["rows"]) == expected, table.name
        found += len(expected)
    assert found > 0, f"no row holds {word!r}; choose a word the sources use"


def test_the_views_are_listed_by_datasette(served):
    listed = json.loads(_fetch(f"{served}/{DB}.json"))
    views = {v["name"] for v in listed["views"]}
    assert {view_name(t) for t in viewed_tables(REG)} == views
    hidden = {t["name"] for t in listed["tables"] if t["hidden"]}
    assert {fts_name(t) for t in searched_tables(REG)} <= hidden
    assert not hidden & set(REG.tables)


def test_make_serve_runs_datasette_on_loopback_with_the_metadata():
    command = subprocess.run(["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert f"output/{DB}.sqlite" in command and f"output/{DATASETTE_METADATA}" in command
    assert "-h 127.0.0.1" in command
