"""The source explorer and the validation report in a real browser, offline.

Debian's Chromium, driven by Playwright, opens the release's pages from file:// with every request
to any other scheme or host refused and recorded: a page passes only if it loads with no console
error, no failed request and no request leaving file://. Then what only a browser can tell: the
panel shows a passage's facts when it is clicked or chosen with the keyboard, a permalink opens its
fact, Arabic runs right to left, Chinese is drawn with real glyphs (not the empty boxes of a
missing font), the salary chart is laid out, and the validation report shows its tables.

The browser is never downloaded here (no `playwright install`): `make browser` installs Debian's
Chromium and the CJK fonts. Without them these tests fail and say so, rather than skip.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.release.site.markup import fragment

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
FACTS = re.compile(r'<script type="application/json" id="site-facts">(.*?)</script>', re.DOTALL)


@pytest.fixture(scope="session")
def browser():
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).is_file() else None)
    if path is None:
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser` (installs Debian's chromium and the CJK fonts), "
                    "or set CHROMIUM=/path/to/chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, headless=True, args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A browser tab whose every request is checked: only file:// may load; anything else is refused
    and recorded, as is every console error, uncaught exception and failed request."""

    def __init__(self, browser):
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(f"console {m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("request", lambda r: r.url.startswith("file://") or self.problems.append(f"left file://: {r.url}"))

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.problems.append(f"blocked: {route.request.url}")
            route.abort()

    def open(self, path: Path, fragment_: str = ""):
        self.page.goto(path.resolve().as_uri() + fragment_)
        self.page.wait_for_load_state("load")
        return self.page


@pytest.fixture
def visit(browser):
    tab = Visit(browser)
    yield tab
    tab.context.close()


def _facts(page_path: Path) -> dict:
    return json.loads(FACTS.search(page_path.read_text(encoding="utf-8")).group(1))


def _source(release: Path, lang: str) -> str:
    rows = pq.read_table(release / "parquet/sources.parquet", columns=["source_id", "lang"]).to_pylist()
    return next(r["source_id"] for r in rows if r["lang"] == lang)


def test_every_page_of_the_site_and_the_validation_report_loads_offline_without_errors(release, visit):
    pages = sorted((release / "site").rglob("*.html")) + [release / "validation" / "index.html"]
    assert len(pages) > 20
    for path in pages:
        page = visit.open(path)
        assert page.locator("h1").first.is_visible(), path
        assert visit.problems == [], f"{path.relative_to(release)}: {visit.problems}"


def test_clicking_a_passage_quoted_by_several_facts_shows_every_one_of_them(release, visit):
    path = release / "site" / "sources" / f"{_source(release, 'ar')}.html"
    page = visit.open(path)
    data = _facts(path)
    mark = page.locator("mark[data-f*=' ']").first  # a piece several facts cover
    indices = [int(i) for i in mark.get_attribute("data-f").split()]
    mark.click()
    cards = page.locator("#panel-body article.fact")
    assert cards.count() == len(indices) >= 2
    shown = "\n".join(cards.all_inner_texts())
    for i in indices:
        t, values = data["facts"][i]
        table = data["tables"][t]
        row = dict(zip(table["columns"], values))
        assert row["text_en"] in shown and values[table["key"]] in shown
    assert mark.evaluate("m => m.classList.contains('sel')")
    assert visit.problems == []


def test_a_passage_can_be_chosen_with_the_keyboard(release, visit):
    path = release / "site" / "sources" / f"{_source(release, 'ru')}.html"
    page = visit.open(path)
    page.locator("section.text").click(position={"x": 5, "y": 5})  # start inside the text
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.tagName + ' ' + (document.activeElement.dataset.f || '')")
    assert focused.startswith("MARK "), focused
    page.keyboard.press("Enter")
    assert page.locator("#panel-body article.fact").count() == len(focused.split()) - 1
    assert visit.problems == []


def test_a_permalink_scrolls_to_its_fact_selects_it_and_shows_it(release, visit):
    path = release / "site" / "sources" / f"{_source(release, 'zh-Hans')}.html"
    data = _facts(path)
    index = len(data["facts"]) * 3 // 4  # far down the page
    t, values = data["facts"][index]
    row_id = values[data["tables"][t]["key"]]
    page = visit.open(path, "#" + fragment(row_id))
    card = page.locator("#panel-body article.fact")
    assert card.count() == 1 and row_id in card.inner_text()
    selected = page.locator("mark.sel").first
    assert str(index) in selected.get_attribute("data-f").split()
    box, height = selected.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, "the permalinked passage is not in view"
    assert visit.problems == []


def test_a_wording_on_a_concept_page_leads_to_its_passage_with_the_panel_open(release, visit):
    page = visit.open(release / "site" / "concepts" / "duty" / "answer_customer_inquiries.html")
    link = page.locator("table.wordings td:nth-child(5) a").first
    target = link.get_attribute("href")
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(target.split("/")[-1])
    assert page.locator("#panel-body article.fact").count() == 1
    assert visit.problems == []


def test_arabic_runs_right_to_left(release, visit):
    page = visit.open(release / "site" / "sources" / f"{_source(release, 'ar')}.html")
    text = page.locator("section.text")
    assert text.evaluate("e => getComputedStyle(e).direction") == "rtl"
    line = page.locator("section.text .l").first
    gutter, words = line.locator(".g").bounding_box(), line.locator(".t").bounding_box()
    assert gutter["x"] > words["x"], "line numbers should stand at the right of right-to-left text"
    assert page.locator("h1").evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert visit.problems == []


def test_chinese_is_drawn_with_real_glyphs(release, visit):
    """Two different characters drawn in the text's font must differ from each other and from the
    box a missing glyph gets: with no CJK font, every character is the same empty box."""
    page = visit.open(release / "site" / "sources" / f"{_source(release, 'zh-Hans')}.html")
    text = page.locator("section.text")
    assert text.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert text.get_attribute("lang") == "zh-Hans"
    first_line = page.locator("section.text .l .t").first
    assert first_line.bounding_box()["width"] > 0
    pictures = text.evaluate("""e => {
        const font = getComputedStyle(e).fontSize + ' ' + getComputedStyle(e).fontFamily;
        return ['客', '户', '\\uE000'].map(ch => {
            const c = document.createElement('canvas'); c.width = 40; c.height = 40;
            const g = c.getContext('2d'); g.font = font; g.textBaseline = 'top'; g.fillText(ch, 4, 4);
            return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
        });
    }""")
    ke, hu, missing = pictures
    assert ke != hu, "two Chinese characters are drawn alike: no font with CJK glyphs (run `make browser`)"
    assert missing not in (ke, hu)
    assert visit.problems == []


def test_the_salary_chart_is_laid_out_with_its_bars_and_labels(release, visit):
    page = visit.open(release / "site" / "index.html")
    chart = page.locator("figure.chart svg")
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 100
    for shape in ("rect.range", "circle.point"):
        shapes = chart.locator(shape)
        assert shapes.count() > 0
        assert all(shapes.nth(i).bounding_box()["width"] > 0 for i in range(shapes.count()))
    assert page.locator("table.salaries tbody tr").count() >= chart.locator("g").count() > 0
    assert visit.problems == []


def test_the_validation_report_renders_offline_and_shows_its_tables(release, visit):
    page = visit.open(release / "validation" / "index.html")
    assert visit.problems == []
    summary = page.locator("main > table").first
    assert summary.is_visible()
    rows = summary.locator("tbody tr")
    shown = [text.split("\t")[0] for text in rows.all_inner_texts()]
    tables = sorted(p.stem for p in (release / "parquet").glob("*.parquet"))
    assert set(tables) <= set(shown), "the report covers every table of the release"
    assert all(rows.nth(i).is_visible() for i in range(rows.count()))
    details = page.locator("details")
    assert details.count() == len(shown)
    details.first.locator("summary").click()
    assert details.first.locator("table tbody tr").first.is_visible()
    assert "expectations" in page.locator("header").inner_text()
    assert visit.problems == []
