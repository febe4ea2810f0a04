"""The source explorer and the validation report in a real browser, offline.

Debian's Chromium, driven by Playwright, opens the release's pages from file:// with every request
to any other scheme or host refused and recorded: a page passes only if it loads with no console
error, no failed request and no request leaving file://. Then what only a browser can tell: the
panel shows a passage's facts when it is clicked or chosen with the keyboard, a permalink opens its
fact, Arabic runs right to left, Chinese is drawn with real glyphs (not the empty boxes of a
missing font), the salary chart is laid out, and the validation report shows its tables.

On a phone (390x844, touch) and on a desktop (1400x1000): no page scrolls sideways and every page
links the downloads and the citation; a tapped passage's rows come up on screen; a keyboard alone
opens a fact, reaches its permalink and comes back; the search box finds wordings in Arabic,
Russian, Chinese (by any run of characters) and English.

The browser is never downloaded here (no `playwright install`): `make browser` installs Debian's
Chromium and the CJK fonts. Without them these tests fail and say so, rather than skip.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyarrow.parquet as pq
import pytest

from pipeline.release.site.markup import fragment

FACTS = re.compile(r'<script type="application/json" id="site-facts">(.*?)</script>', re.DOTALL)
SCREENS = {"phone": (390, 844), "desktop": (1400, 1000)}


class Visit:
    """A browser tab whose every request is checked: only file:// may load; anything else is refused
    and recorded, as is every console error, uncaught exception and failed request."""

    def __init__(self, browser, size: tuple[int, int] = (1280, 900)):
        self.problems: list[str] = []
        self.phone = size[0] < 600
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]}, service_workers="block",
                                           has_touch=self.phone, is_mobile=self.phone)
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


@pytest.fixture(params=sorted(SCREENS))
def screen(browser, request):
    """A tab on a phone's screen (390x844, touch) and, in a second run, on a desktop's (1400x1000)."""
    tab = Visit(browser, SCREENS[request.param])
    yield tab
    tab.context.close()


def _facts(page_path: Path) -> dict:
    return json.loads(FACTS.search(page_path.read_text(encoding="utf-8")).group(1))


def _source(release: Path, lang: str) -> str:
    rows = pq.read_table(release / "parquet/sources.parquet", columns=["source_id", "lang"]).to_pylist()
    return next(r["source_id"] for r in rows if r["lang"] == lang)


def _downloads(release: Path) -> set[Path]:
    """What every page must link: the CSV and Parquet folders, the SQLite database, the workbook, the
    annotations, the SKOS taxonomy, the DCAT record, and the page that says how to cite."""
    (database,), (workbook,) = release.glob("*.sqlite"), release.glob("*.xlsx")
    return {release / "csv", release / "parquet", database, workbook, release / "annotations.jsonld",
            release / "taxonomy.ttl", release / "dcat.ttl", release / "site" / "cite.html"}


def test_every_page_loads_offline_fits_the_screen_and_links_the_downloads_and_the_citation(release, screen):
    """On a phone and on a desktop: no error, nothing asked of another host, no sideways scroll (a wide
    table scrolls in its own box), and a footer linking every download and the citation."""
    wanted = _downloads(release)
    pages = sorted((release / "site").rglob("*.html"))
    assert len(pages) > 20
    for path in pages + [release / "validation" / "index.html"]:
        page = screen.open(path)
        name = path.relative_to(release).as_posix()
        assert page.locator("h1").first.is_visible(), name
        assert screen.problems == [], f"{name}: {screen.problems}"
        if path not in pages:
            continue  # the validation report has a frame of its own
        # Against the screen's width: a phone's browser widens its layout (and innerWidth) to a page too wide.
        scroll, inner, width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]") + \
            [page.viewport_size["width"]]
        assert scroll <= inner == width, f"{name} is {scroll} px wide on a {width} px screen"
        footer = page.locator("footer.site a")
        linked = {Path(unquote(urlsplit(href).path)) for href in footer.evaluate_all("as => as.map(a => a.href)")}
        assert wanted <= linked, f"{name} does not link {sorted(map(str, wanted - linked))}"
        assert all(p.exists() for p in linked), f"{name}: {sorted(str(p) for p in linked if not p.exists())}"
        assert page.locator("footer.site a[href$='cite.html']").is_visible()
        assert page.locator("header.site input[type=search]").is_visible(), f"{name} has no search box"


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
    focused = page.evaluate("(document.activeElement.dataset.f || '').split(' ')")
    assert str(index) in focused, "a permalink focuses its fact"
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
    details = page.locator("main > details")  # one per table; each expectation folds its arguments in its own
    assert details.count() == len(shown)
    details.first.locator(":scope > summary").click()
    assert details.first.locator("table tbody tr").first.is_visible()
    assert "expectations" in page.locator("header").inner_text()
    assert visit.problems == []


def test_the_overview_coverage_table_fits_a_desktop_screen(release, browser):
    tab = Visit(browser, SCREENS["desktop"])
    try:
        page = tab.open(release / "site" / "index.html")
        box = page.locator("table.coverage").locator("xpath=..")
        inner, outer = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
        assert inner <= outer, f"the coverage table is {inner} px wide in a {outer} px box"
    finally:
        tab.context.close()


@pytest.mark.parametrize("lang", ["ar", "zh-Hans"])
def test_a_tapped_passage_shows_its_rows_on_screen(release, screen, lang):
    path = release / "site" / "sources" / f"{_source(release, lang)}.html"
    data = _facts(path)
    page = screen.open(path)
    marks = page.locator("section.text mark[data-f]")
    mark = marks.nth(marks.count() * 3 // 4)  # far down the page, where the old panel was 12,000 px away
    mark.scroll_into_view_if_needed()
    (mark.tap if screen.phone else mark.click)()
    view = page.viewport_size
    panel = page.locator("#panel").bounding_box()
    assert panel["y"] >= 0 and panel["y"] + panel["height"] <= view["height"] + 1, panel
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= view["width"] + 1, panel
    card = page.locator("#panel-body article.fact").first
    first = card.bounding_box()
    assert panel["y"] <= first["y"] < view["height"], "the first row is not on screen"
    t, values = data["facts"][int(mark.get_attribute("data-f").split()[0])]
    shown = page.locator("#panel-body").inner_text()
    assert values[data["tables"][t]["key"]] in shown
    passage = mark.bounding_box()
    assert 0 <= passage["y"] and passage["y"] + passage["height"] <= (panel["y"] if screen.phone else view["height"]), \
        "the tapped passage is hidden behind its rows"
    close = page.locator("#panel-close")
    (close.tap if screen.phone else close.click)()
    assert page.locator("#panel-body article.fact").count() == 0
    if screen.phone:
        assert not page.locator("#panel").is_visible(), "the sheet closes"
    assert screen.problems == []


def _active(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName, cls: e.className, f: e.dataset ? (e.dataset.f || '') : '',
                inPanel: !!e.closest('#panel'), href: e.getAttribute('href') || ''}; }""")


def _tab_until(page, want, limit: int) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = _active(page)
        if want(active):
            return active
    raise AssertionError(f"not reached in {limit} presses of Tab; at {active}")


def test_keyboard_only_open_a_fact_reach_its_permalink_and_come_back(release, screen):
    path = release / "site" / "sources" / f"{_source(release, 'ru')}.html"
    data = _facts(path)
    page = screen.open(path)
    first = _tab_until(page, lambda a: True, 1)
    assert "skip" in first["cls"], f"the first stop is the skip link, not {first}"
    page.keyboard.press("Enter")
    assert _active(page)["tag"] == "MAIN"
    mark = _tab_until(page, lambda a: a["tag"] == "MARK", 30)
    page.keyboard.press("Enter")
    assert _active(page)["inPanel"], "Enter moves focus into the panel"
    assert page.locator("#panel").is_visible()
    link = _tab_until(page, lambda a: "perma" in a["cls"], 6)
    row_id = unquote(link["href"][1:])
    index = next(i for i, (t, values) in enumerate(data["facts"]) if values[data["tables"][t]["key"]] == row_id)
    page.keyboard.press("Enter")
    back = _active(page)
    assert back["tag"] == "MARK" and str(index) in back["f"].split(), "the permalink focuses its fact"
    assert unquote(urlsplit(page.url).fragment) == row_id
    assert page.locator("#panel-body article.fact").count() == 1
    page.keyboard.press("Escape")
    assert page.locator("#panel-body article.fact").count() == 0, "Escape closes the panel"
    after = _active(page)
    assert after["tag"] == "MARK" and str(index) in after["f"].split(), "Escape returns focus to the passage"
    assert mark["tag"] == "MARK"
    assert screen.problems == []


@pytest.mark.parametrize("lang", ["zh-Hans", "ar"])
def test_each_line_is_one_tab_stop_and_the_arrow_keys_move_within_it(release, visit, lang):
    page = visit.open(release / "site" / "sources" / f"{_source(release, lang)}.html")
    stops = page.evaluate("""() => Array.from(document.querySelectorAll('section.text .l')).map(l =>
        [l.id, l.querySelectorAll('mark[tabindex="0"]').length, l.querySelectorAll('mark').length])""")
    assert all(tab == (1 if marks else 0) for _, tab, marks in stops), "one stop for Tab per line with highlights"
    line_id = next(i for i, _, marks in stops if marks >= 3)
    line = page.locator(f"#{line_id}")
    line.locator("mark").first.focus()
    forward = "ArrowLeft" if lang == "ar" else "ArrowRight"  # the next highlight in reading order
    marks = line.locator("mark")
    for n in (1, 2):
        page.keyboard.press(forward)
        assert marks.nth(n).evaluate("m => m === document.activeElement"), f"{forward} moves to highlight {n + 1}"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.l').id") != line_id, "Tab leaves the line"
    page.keyboard.press("Shift+Tab")
    assert marks.nth(2).evaluate("m => m === document.activeElement"), "coming back, the line remembers its highlight"
    page.keyboard.press("Home")
    assert marks.first.evaluate("m => m === document.activeElement")
    assert visit.problems == []


def test_an_anchor_that_names_no_fact_clears_the_panel(release, visit):
    path = release / "site" / "sources" / f"{_source(release, 'zh-Hans')}.html"
    data = _facts(path)
    t, values = data["facts"][len(data["facts"]) // 2]
    row_id = values[data["tables"][t]["key"]]
    page = visit.open(path, "#" + fragment(row_id))
    cards = page.locator("#panel-body article.fact")
    assert cards.count() == 1
    for anchor in ("#L5", "#no-such-fact"):
        page.evaluate("a => { location.hash = a; }", anchor)
        page.wait_for_function("() => !document.querySelector('#panel-body article.fact')")
        assert page.locator("mark.sel").count() == 0, anchor
        page.evaluate("a => { location.hash = a; }", "#" + fragment(row_id))
        page.wait_for_function("() => document.querySelectorAll('#panel-body article.fact').length === 1")
    page = visit.open(path, "#L57")
    assert cards.count() == 0
    assert visit.problems == []


def _wording_query(release: Path, lang: str) -> tuple[str, str]:
    """A query that finds one wording of `lang`, and the id of the row its result links to. Chinese is
    searched by a run of characters from inside a wording (no word breaks to start a match at); English
    by a translation; the others by a word from inside the wording."""
    labels = pq.read_table(release / "parquet/attested_labels.parquet").to_pylist()
    if lang == "en":
        counts: dict[str, int] = {}
        for r in labels:
            counts[r["text_en"].lower()] = counts.get(r["text_en"].lower(), 0) + 1
        label = next(r for r in sorted(labels, key=lambda r: -len(r["text_en"])) if counts[r["text_en"].lower()] == 1)
        return label["text_en"][1:], label["first_row_id"]
    mine = sorted((r for r in labels if r["lang"] == lang and r["mention_count"]), key=lambda r: (-len(r["text"]), r["label_id"]))
    if lang == "zh-Hans":
        def hits(q):
            return sum(q in r["text"] for r in labels)
        label = min((r for r in mine if len(r["text"]) >= 6), key=lambda r: (hits(r["text"][2:5]), r["label_id"]))
        return label["text"][2:5], label["first_row_id"]
    label = mine[0]
    words = label["text"].split()
    return " ".join(words[1:4]), label["first_row_id"]


@pytest.mark.parametrize("lang", ["ar", "ru", "zh-Hans", "en"])
def test_the_search_box_finds_a_wording_and_leads_to_its_passage(release, screen, lang):
    query, row_id = _wording_query(release, lang)
    page = screen.open(release / "site" / "concepts" / "index.html")
    page.locator("header.site input[type=search]").fill(query)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path.endswith("/site/search.html")
    result = page.locator(f"#search-results a[href$='#{fragment(row_id)}']").first
    assert result.count() == 1, f"{query!r} does not find the wording of {row_id}"
    assert result.is_visible()
    result.click()
    page.wait_for_load_state("load")
    assert page.locator("#panel-body article.fact").count() == 1
    assert row_id in page.locator("#panel-body").inner_text()
    assert screen.problems == []


def test_concept_and_role_pages_filter_their_rows_by_language_source_and_setting(release, visit):
    for rel in ("site/concepts/duty/answer_customer_inquiries.html", "site/roles/customer_service_representative.html"):
        page = visit.open(release / rel)
        items = page.locator("tr[data-k]")
        total = items.count()
        assert total > 5
        for position, key in enumerate(("lang", "source", "setting")):
            select = page.locator(f"select[data-filter={key}]")
            values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
            assert len(values) >= 2, (rel, key)
            select.select_option(values[-1])
            rows = items.evaluate_all("rs => rs.map(r => [r.dataset.k, r.hidden || !r.offsetParent])")
            for k, hidden in rows:
                stated = {t.split(" ")[position] for t in k.split(";")}
                assert hidden == (values[-1] not in stated), (rel, key, k)
            assert 0 < sum(not hidden for _, hidden in rows) < total
            assert f"of {total} table rows" in page.locator("form.filters output").inner_text()
            select.select_option("")
        assert all(not h for h in items.evaluate_all("rs => rs.map(r => r.hidden)"))
    assert visit.problems == []
