"""Datasette is a first-class client: served from the release's SQLite file and its datasette/
folder (metadata, templates, plugin) as `make serve` serves them, over loopback, every table and
view shows its description and its columns' meanings, a table page shows its rows in the first
screen, every reference shows the English label of what it points at (a source its English title)
on table and row pages alike, search finds Arabic and Chinese words, and every Datasette URL of the
README finds what it says. Checked on a release the current code builds, copied so that the server
cannot touch the build other tests compare byte for byte."""
from __future__ import annotations

import html
import json
import os
import re
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
import pytest
from conftest import ROOT

from pipeline.curation.dataset import dataset_meta
from pipeline.registry.model import registry
from pipeline.release.datasette import (
    FOLDER,
    PLUGINS,
    TEMPLATES,
    fts_name,
    label_field,
    labelled_references,
    searched_fields,
    searched_tables,
    view_name,
    viewed_tables,
)
from pipeline.release.write import DATASETTE_METADATA

REG = registry()
DB = dataset_meta()["name"]
DATASETTE = Path(sys.executable).parent / "datasette"
# Words of the sources, searched for as a reader would type them: "customers" with the Arabic
# article attached, and "customer service" in Chinese, which writes words without spaces.
WORDS = {"ar": "العملاء", "zh-Hans": "客户服务"}


@pytest.fixture(scope="module")
def served_folder(release, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("served")
    shutil.copy2(release / f"{DB}.sqlite", folder / f"{DB}.sqlite")
    shutil.copytree(release / FOLDER, folder / FOLDER)
    return folder


@pytest.fixture(scope="module")
def served(served_folder) -> str:
    """`make serve` on a copy of the release, at a free port of 127.0.0.1."""
    folder = served_folder
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(DATASETTE), "serve", "-i", str(folder / f"{DB}.sqlite"), "-m",
                               str(folder / DATASETTE_METADATA), "--template-dir", str(folder / TEMPLATES),
                               "--plugins-dir", str(folder / PLUGINS), "-h", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
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


def test_make_serve_runs_datasette_on_loopback_with_the_metadata_templates_and_plugin():
    command = subprocess.run(["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert f"output/{DB}.sqlite" in command and f"output/{DATASETTE_METADATA}" in command
    assert f"--template-dir output/{TEMPLATES}" in command and f"--plugins-dir output/{PLUGINS}" in command
    assert "PYTHONDONTWRITEBYTECODE=1" in command  # the plugin leaves no __pycache__ in output/
    assert "-h 127.0.0.1" in command


def test_serving_the_release_writes_nothing_into_it(served, served_folder):
    written = [p.relative_to(served_folder).as_posix() for p in (served_folder / FOLDER).rglob("*")
               if "__pycache__" in p.parts or p.suffix == ".pyc"]
    assert written == []


# --- data first: what a reader sees in Chromium, the labels of a row page, the schema page ----------

SCREEN = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def screen(served, browser):
    """A Chromium tab at 1400x1000 that may load only from the server on loopback; any other request
    is refused and recorded, as is every console error."""
    problems: list[str] = []

    def route(r):
        if r.request.url.startswith(served + "/"):
            r.continue_()
        else:
            problems.append(f"refused: {r.request.url}")
            r.abort()

    context = browser.new_context(viewport=SCREEN)
    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    yield page, problems
    context.close()


@pytest.mark.parametrize("name", list(REG.tables) + [view_name(t) for t in viewed_tables(REG)])
def test_a_table_page_shows_a_data_row_in_the_first_screen(screen, served, name):
    page, problems = screen
    page.goto(f"{served}/{DB}/{urllib.parse.quote(name)}")
    first = page.locator("table.rows-and-columns tbody tr").first
    assert first.is_visible()
    box = first.bounding_box()
    assert box["y"] + min(box["height"], 40) <= SCREEN["height"], f"{name}: the first row starts {box['y']:.0f} px down"
    meanings = page.locator("details.column-meanings")
    assert meanings.count() == 1 and not meanings.get_attribute("open") and not meanings.locator("dl").is_visible()
    assert page.locator("pre.wrapped-sql").count() == 0, "the CREATE TABLE is on the schema page, not here"
    assert problems == []


def test_the_facets_are_folded_until_a_reader_asks_for_them(served):
    folded = _page(served, "salaries")
    assert '<details class="facets-folded">' in folded and 'class="facet-results"' in folded
    assert re.search(r'<details class="facets-folded"\s+open>', _page(served, "salaries", {"_facet": "currency"}))
    assert re.search(r'<details class="facets-folded"\s+open>', _page(served, "salaries", {"lang": "ar"}))


def _row_url(base: str, table: str, *key) -> str:
    """A row page: the primary key's values, tilde-encoded and joined by commas, as Datasette links them."""
    from datasette.utils import tilde_encode

    return f"{base}/{DB}/{table}/" + ",".join(tilde_encode(str(v)) for v in key)


def _richest_row(con, table) -> dict:
    """The row that gives the most of its table's references (restates included)."""
    given = " + ".join(f'("{fk.field}" IS NOT NULL)' for fk in table.foreign_keys)
    cursor = con.execute(f'SELECT * FROM "{table.name}" ORDER BY {given} DESC, '
                         + ", ".join(f'"{k}"' for k in table.primary_key) + " LIMIT 1")
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone()))


@pytest.mark.parametrize("table", [t for t in REG.tables.values() if t.foreign_keys], ids=lambda t: t.name)
def test_a_row_page_shows_the_label_of_every_foreign_key(served, con, table):
    from datasette.utils import tilde_encode

    row = _richest_row(con, table)
    page = _fetch(_row_url(served, table.name, *(row[k] for k in table.primary_key)))
    shown = 0
    for fk in table.foreign_keys:
        if row[fk.field] is None:
            continue
        label = con.execute(f'SELECT "{label_field(REG.tables[fk.table])}" FROM "{fk.table}" WHERE "{fk.target}" = ?',
                            [row[fk.field]]).fetchone()[0]
        link = f'<a href="/{DB}/{fk.table}/{tilde_encode(str(row[fk.field]))}">{markupsafe.escape(label)}</a>'
        assert f"{link}&nbsp;<em>{markupsafe.escape(row[fk.field])}</em>" in page, (table.name, fk.field)
        shown += 1
    assert shown, f"{table.name}: no row gives a reference"


def test_a_row_page_in_chromium_names_its_duty_source_and_role(screen, served, con):
    page, problems = screen
    key, duty, source, role = con.execute(
        "SELECT m.mention_id, d.label_en, s.title_en, r.label_en FROM duty_mentions m JOIN duties d USING (duty_id) "
        "JOIN sources s USING (source_id) JOIN roles r USING (role_id) ORDER BY m.mention_id LIMIT 1").fetchone()
    page.goto(_row_url(served, "duty_mentions", key))
    for column, label in (("duty_id", duty), ("source_id", source), ("role_id", role)):
        cell = page.locator(f"table.row-columns tbody td.col-{column}")  # the row read down the page, a line a column
        assert cell.locator("a").inner_text() == label
        box = cell.bounding_box()
        assert cell.is_visible() and box["y"] + box["height"] <= SCREEN["height"] and box["x"] + box["width"] <= SCREEN["width"]
    assert problems == []


def test_the_schema_page_keeps_every_definition_the_table_pages_leave_out(served, con):
    page = _fetch(f"{served}/schema")
    stored = con.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'view') "
                         "AND name NOT LIKE '%\\_fts\\_%' ESCAPE '\\'").fetchall()
    assert {name for name, _ in stored} == set(REG.tables) | {view_name(t) for t in viewed_tables(REG)} | {
        fts_name(t) for t in searched_tables(REG)}
    for name, sql in stored:
        section = re.search(rf'<section id="{re.escape(name)}">(.*?)</section>', page, re.DOTALL)
        assert section, name
        assert html.escape(sql) in section.group(1).replace("&#123;", "{").replace("&#125;", "}"), name
    table_page = _page(served, "salaries")
    assert "CREATE TABLE" not in table_page and 'href="/schema#salaries"' in table_page


def _readme_urls() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Browsing with Datasette", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"http://127\.0\.0\.1:8001(/[^\s`)>]*)", section)


def _expected_rows(con, table, query: dict[str, str]) -> list:
    """The keys of the rows a Datasette table URL's filters select, by SQL on the database itself."""
    where, args = [], []
    for name, value in query.items():
        if name == "_search":
            where.append("(" + " OR ".join(f'instr("{c}", ?) > 0' for c in searched_fields(table)) + ")")
            args += [value] * len(searched_fields(table))
        elif name.endswith("__contains"):
            where.append(f'instr("{name[:-len("__contains")]}", ?) > 0')
            args.append(value)
        else:
            assert name in table.columns, f"the README's URL filters on {name}, which the test cannot read"
            where.append(f'"{name}" = ?')
            args.append(value)
    (key,) = table.primary_key
    return sorted(r[0] for r in con.execute(f'SELECT "{key}" FROM "{table.name}" WHERE {" AND ".join(where)}', args))


def test_every_datasette_url_of_the_readme_finds_what_it_says(served, con):
    urls = _readme_urls()
    assert len(urls) >= 5, "the README shows Datasette URLs with what each finds"
    kinds = set()
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        segments = [urllib.parse.unquote(s) for s in parts.path.strip("/").split("/")]
        query = dict(urllib.parse.parse_qsl(parts.query))
        page = _fetch(served + urllib.parse.quote(parts.path) + (f"?{urllib.parse.urlencode(query)}" if query else ""))
        if segments == ["schema"]:
            assert f'<section id="{parts.fragment}">' in page, url
            kinds.add("schema")
            continue
        assert segments[0] == DB, url
        table = REG.tables[segments[1]]
        if len(segments) == 3:  # a row page: every reference it gives is shown by its label
            row = con.execute(f'SELECT * FROM "{table.name}" WHERE "{table.primary_key[0]}" = ?', [segments[2]]).fetchone()
            assert row, f"{url}: no such row"
            columns = [d[0] for d in con.execute(f'SELECT * FROM "{table.name}" LIMIT 0').description]
            for fk in table.foreign_keys:
                value = dict(zip(columns, row))[fk.field]
                if value is not None:
                    label = con.execute(f'SELECT "{label_field(REG.tables[fk.table])}" FROM "{fk.table}" WHERE '
                                        f'"{fk.target}" = ?', [value]).fetchone()[0]
                    assert f">{markupsafe.escape(label)}</a>&nbsp;<em>{markupsafe.escape(value)}</em>" in page, (url, fk.field)
            kinds.add("row")
            continue
        expected = _expected_rows(con, table, query)
        assert expected, f"{url} finds nothing: choose words the sources use"
        found = _page(served, table.name, {**query, "_size": "max", "_shape": "objects"}, json_=True)
        assert sorted(r[table.primary_key[0]] for r in found["rows"]) == expected, url
        kinds.add("search" if "_search" in query else "filter")
    assert kinds == {"search", "filter", "row", "schema"}
