"""The source explorer (site/ in the release), read as files: every source, concept and role has its
page; the pages ask no other host for anything and every link leads somewhere; each source page
shows its text verbatim, line by line, with every fact drawn over exactly its quote; nothing a source
or a curator writes can break out of the markup; the same tables give the same bytes.

What only a browser can show (the panel, the direction of Arabic, Chinese glyphs) is in
test_browser.py."""
from __future__ import annotations

import html
import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.curation.sources import Source
from pipeline.registry.model import registry
from pipeline.release.site import render_site
from pipeline.release.site.markup import fragment, json_script
from pipeline.release.site.segments import cut

ROOT = Path(__file__).resolve().parent.parent
REG = registry()
LINE = re.compile(r'<div class="l( x)?" id="L(\d+)"><span class="g">.*?</span><div class="t">(.*?)</div></div>')
TOKEN = re.compile(r'<span class="a" id="([^"]*)"></span>|<mark class="([^"]*)" data-f="([^"]*)"[^>]*>([^<]*)</mark>|([^<]+)')
FACTS = re.compile(r'<script type="application/json" id="site-facts">(.*?)</script>', re.DOTALL)


def _tables(release: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(release / "parquet" / f"{name}.parquet") for name in REG.tables}


def _sources(release: Path, rows: list[dict]) -> dict[str, Source]:
    """The release's sources, their texts read from the release itself."""
    return {r["source_id"]: Source(r["source_id"], r["text_path"], "", r, r["sha256"], release) for r in rows}


def _meta() -> dict:
    return yaml.safe_load((ROOT / "schemas" / "dataset.yaml").read_text(encoding="utf-8"))


def _page_facts(page: str) -> dict:
    return json.loads(FACTS.search(page).group(1))


def _drawn(page: str, line_starts: list[int]) -> tuple[dict[int, str], dict[int, set[int]], dict[str, int], dict[int, int]]:
    """What a source page draws: each line's text; for each fact index the offsets its marks cover;
    where each anchor (row id) stands; the number of lines marked excluded (by line number)."""
    lines, covered, anchors, excluded = {}, {}, {}, {}
    for match in LINE.finditer(page):
        number = int(match.group(2))
        excluded[number] = bool(match.group(1))
        at, text = line_starts[number - 1], []
        for token in TOKEN.finditer(match.group(3)):
            anchor, _, facts, marked, plain = token.groups()
            if anchor is not None:
                anchors[html.unescape(anchor)] = at
                continue
            words = html.unescape(marked if facts is not None else plain)
            if facts is not None:
                for index in map(int, facts.split()):
                    covered.setdefault(index, set()).update(range(at, at + len(words)))
            text.append(words)
            at += len(words)
        lines[number] = "".join(text)
    return lines, covered, anchors, excluded


@pytest.fixture(scope="module")
def site(release) -> Path:
    return release / "site"


@pytest.fixture(scope="module")
def tables(release) -> dict[str, pa.Table]:
    return _tables(release)


@pytest.fixture(scope="module")
def sources(release, tables) -> dict[str, Source]:
    return _sources(release, tables["sources"].to_pylist())


def test_every_source_concept_and_role_has_its_page(site, tables):
    expected = {"index.html", "sources/index.html", "concepts/index.html", "roles/index.html",
                "assets/site.css", "assets/site.js"}
    expected |= {f"sources/{s}.html" for s in tables["sources"].column("source_id").to_pylist()}
    expected |= {f"roles/{r}.html" for r in tables["roles"].column("role_id").to_pylist()}
    for taxonomy, kind in (("duties", "duty"), ("skills", "skill"), ("tools", "tool"), ("metrics", "metric")):
        key = REG.tables[taxonomy].primary_key[0]
        expected |= {f"concepts/{kind}/{i}.html" for i in tables[taxonomy].column(key).to_pylist()}
    evidence = tables["concept_evidence"].to_pylist()
    expected |= {f"concepts/{e['concept_type']}/{e['concept_id']}.html" for e in evidence if e["concept_type"] != "role"}
    assert {"requirement_type", "benefit_type", "factor_type", "condition_type"} <= {e["concept_type"] for e in evidence}
    found = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert found == expected


class _Links(HTMLParser):
    """Every URL a page names: the ones it loads (src, stylesheet) and the ones a reader may follow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads, self.follows, self.ids, self.repeated, self.inline = [], [], set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            (self.repeated.append if attrs["id"] in self.ids else self.ids.add)(attrs["id"])
        if "style" in attrs:
            self.inline.append(attrs["style"])
        for name in ("src", "srcset", "data", "poster", "action", "formaction", "background"):
            if name in attrs:
                self.loads.append(attrs[name])
        if "href" in attrs:
            (self.follows if tag == "a" else self.loads).append(attrs["href"])
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            self.loads.append(attrs.get("content", ""))

    def handle_data(self, data):
        pass


def _parse(path: Path) -> _Links:
    links = _Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_pages_load_nothing_from_any_other_host_and_every_link_leads_somewhere(site, release):
    pages = sorted(site.rglob("*.html"))
    parsed = {p: _parse(p) for p in pages}
    for page, links in parsed.items():
        assert links.repeated == [], f"{page.relative_to(site)}: ids used twice: {links.repeated[:5]}"
        for url in links.loads:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, f"{page.relative_to(site)} loads {url}"
            assert (page.parent / unquote(parts.path)).resolve().is_file(), f"{page.relative_to(site)}: {url} is missing"
        for url in links.follows:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https"):
                continue  # a link to a classification (ESCO, O*NET) or a source's page, followed only by a reader
            assert not parts.scheme and not parts.netloc, f"{page.relative_to(site)} links to {url}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            assert target.is_file(), f"{page.relative_to(site)}: link {url} leads nowhere"
            assert release.resolve() in target.parents, f"{page.relative_to(site)}: link {url} leaves the release"
            if parts.fragment and target.suffix == ".html":
                target_ids = parsed[target].ids if target in parsed else _parse(target).ids
                assert unquote(parts.fragment) in target_ids, f"{page.relative_to(site)}: {url} names no element"
        assert not [s for s in links.inline if "url(" in s]
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    script = (site / "assets" / "site.js").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css
    for call in ("fetch(", "XMLHttpRequest", "import(", "WebSocket", "sendBeacon", "EventSource"):
        assert call not in script


def test_each_source_page_shows_its_text_verbatim_line_by_line(site, sources):
    for source in sources.values():
        page = (site / "sources" / f"{source.source_id}.html").read_text(encoding="utf-8")
        lines, _, _, _ = _drawn(page, source.line_starts)
        assert sorted(lines) == list(range(1, source.line_count + 1))
        assert "\n".join(lines[n] for n in sorted(lines)) == source.text


def test_every_fact_is_drawn_over_exactly_its_quote_and_anchored_at_its_start(site, sources, tables):
    nested = 0
    for source in sources.values():
        page = (site / "sources" / f"{source.source_id}.html").read_text(encoding="utf-8")
        _, covered, anchors, _ = _drawn(page, source.line_starts)
        data = _page_facts(page)
        expected = {}
        for table in REG.fact_tables():
            rows = tables[table.name].filter(pa.compute.equal(tables[table.name].column("source_id"), source.source_id))
            for r in rows.select([table.primary_key[0], "char_start", "char_end"]).to_pylist():
                expected[r[table.primary_key[0]]] = (r["char_start"], r["char_end"])
        drawn = {}
        for index, (t, values) in enumerate(data["facts"]):
            table = data["tables"][t]
            row = dict(zip(table["columns"], values))
            row_id = values[table["key"]]
            drawn[row_id] = (row["char_start"], row["char_end"])
            quote = set(range(row["char_start"], row["char_end"])) - {i for i in range(row["char_start"], row["char_end"])
                                                                       if source.text[i] == "\n"}
            assert covered.get(index, set()) == quote, f"{row_id} is not drawn over its quote"
            assert anchors[row_id] >= row["char_start"], row_id
            assert source.text[row["char_start"]:anchors[row_id]].strip("\n") == "", row_id
        nested += sum(1 for c in covered.values() for other in covered.values() if c is not other and c & other)
        assert drawn == expected
    assert nested > 0, "the release has overlapping quotes; the test must see some"


def test_text_is_laid_out_in_its_language_and_direction(site, sources):
    seen = set()
    for source in sources.values():
        page = (site / "sources" / f"{source.source_id}.html").read_text(encoding="utf-8")
        lang = source.meta["lang"]
        want = "rtl" if lang == "ar" else "ltr"
        assert f'<section class="text" aria-label="Verbatim text" lang="{lang}" dir="{want}">' in page
        assert f'<h1 lang="{lang}" dir="{want}">' in page
        seen.add(lang)
    assert {"ar", "ru", "zh-Hans"} <= seen


def test_excluded_lines_are_marked_in_the_gutter_and_listed_with_their_reason(site, sources, tables):
    reviews = tables["line_reviews"].to_pylist()
    for source in sources.values():
        page = (site / "sources" / f"{source.source_id}.html").read_text(encoding="utf-8")
        _, _, _, marked = _drawn(page, source.line_starts)
        excluded = {r["line"]: r["exclusion_reason"] for r in reviews
                    if r["source_id"] == source.source_id and r["review_status"] == "excluded"}
        assert {n for n, x in marked.items() if x} == set(excluded)
        listed = re.findall(r'<tr><td class="num"><a href="#L(\d+)">\d+</a></td><td class="src"[^>]*>.*?</td><td>(.*?)</td></tr>',
                            page.split('id="excluded"', 1)[1] if excluded else "")
        assert {int(n): html.unescape(reason) for n, reason in listed} == excluded


def test_concept_pages_list_every_wording_with_its_first_passage(site, tables):
    pages: dict[str, str] = {}
    wordings: dict[str, int] = {}
    for label in tables["attested_labels"].to_pylist():
        kind, ident = label["concept_type"], label["concept_id"]
        rel = f"roles/{ident}.html" if kind == "role" else f"concepts/{kind}/{ident}.html"
        page = pages.setdefault(rel, (site / rel).read_text(encoding="utf-8"))
        wordings[rel] = wordings.get(rel, 0) + 1
        root = "../" * rel.count("/")
        source = label["first_row_id"].split(":", 1)[0]
        assert f'>{html.escape(label["text"]).replace(chr(13), "&#13;")}</td>' in page, (rel, label["text"])
        assert f'href="{root}sources/{source}.html#{html.escape(fragment(label["first_row_id"]))}"' in page, label
    for rel, count in wordings.items():
        assert pages[rel].count('<td class="wording"') == count, rel


def test_the_salary_chart_draws_every_figure_and_the_table_lists_it(site, tables):
    page = (site / "index.html").read_text(encoding="utf-8")
    svg = page[page.index("<svg"):page.index("</svg>")]
    salaries = [s for s in tables["salaries"].to_pylist() if s["restates"] is None]
    for s in salaries:
        assert f'#{html.escape(fragment(s["salary_id"]))}"' in page, s["salary_id"]
    converted = {(s["country"], s["level_id"], s["population_en"], s["statistic"], s["usd_annual_min"], s["usd_annual_max"])
                 for s in salaries if s["usd_annual_min"] is not None or s["usd_annual_max"] is not None}
    ranges = {c for c in converted if None not in c[4:] and c[4] != c[5]}
    assert svg.count('<rect class="range"') == len(ranges) > 0
    assert svg.count('<circle class="point"') == len(converted) - len(ranges) > 0
    unconverted = [s for s in salaries if s["usd_annual_min"] is None and s["usd_annual_max"] is None]
    assert svg.count("not in US dollars") == len({(s["country"], s["currency"], s["amount_min"], s["amount_max"])
                                                    for s in unconverted}) > 0
    for country in {s["country"] for s in salaries}:
        assert f"({country})</text>" in svg
    assert 'role="img"' in svg and "<title" in svg


def test_the_overview_shows_the_ladder_in_rank_order(site, tables):
    page = (site / "index.html").read_text(encoding="utf-8")
    ladder = re.findall(r'<li id="level-([^"]+)">', page)
    levels = sorted(tables["career_levels"].to_pylist(), key=lambda r: r["rank"])
    assert ladder == [r["level_id"] for r in levels]
    for role in tables["roles"].column("role_id").to_pylist():
        assert f'href="roles/{role}.html"' in page


def test_page_data_and_text_cannot_break_out_of_the_markup(release, tables):
    """A source text and a translation note full of markup are shown as the characters they are."""
    hostile_text = 'Title </script><script>alert(1)</script>\r\n<!-- & "quoted" \'x\' </div></mark>\n\u2028end'
    template = tables["sources"].slice(0, 1).to_pylist()[0]
    source_id = "xx-hostile"
    source_row = {**template, "source_id": source_id, "text_path": f"sources/{source_id}.txt", "title": "Title",
                  "title_en": "<b>Title</b>", "lang": "en", "char_count": len(hostile_text), "line_count": 3}
    duty = REG.tables["duty_mentions"]
    row = {**tables["duty_mentions"].slice(0, 1).to_pylist()[0]}
    start, end = hostile_text.index("</script>"), hostile_text.index("</div>") + len("</div>")
    row.update({"mention_id": f"{source_id}:{start}-{end}:x", "source_id": source_id, "quote": hostile_text[start:end],
                "text": hostile_text[start:end], "char_start": start, "char_end": end, "line": 1, "restates": None,
                "text_en": "</script><!--", "translation_note": '"]}</script><script>alert(2)</script>', "lang": "en"})
    changed = dict(tables)
    changed["sources"] = pa.concat_tables([tables["sources"], pa.Table.from_pylist([source_row], tables["sources"].schema)])
    changed["duty_mentions"] = pa.concat_tables([tables["duty_mentions"],
                                                 pa.Table.from_pylist([row], tables["duty_mentions"].schema)])
    folder = release.parent / "hostile"
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / source_row["text_path"]).write_bytes(hostile_text.encode("utf-8"))
    sources = {source_id: Source(source_id, source_row["text_path"], "", source_row, "", folder)}
    pages = dict(render_site(REG, changed, {**_sources(release, tables["sources"].to_pylist()), **sources}, _meta()))
    page = pages[f"sources/{source_id}.html"].decode("utf-8")
    assert page.count("<script") == 2 and page.count("</script>") == 2  # the data block and the site script
    data = _page_facts(page)
    (t, values), = data["facts"]
    fact = dict(zip(data["tables"][t]["columns"], values))
    assert fact[duty.primary_key[0]] == row["mention_id"]
    assert (fact["text_en"], fact["translation_note"], fact["text"]) == (row["text_en"], row["translation_note"], row["text"])
    lines, covered, anchors, _ = _drawn(page, sources[source_id].line_starts)
    assert "\n".join(lines[n] for n in sorted(lines)) == hostile_text
    assert covered[0] == set(range(start, end)) - {hostile_text.index("\n")}
    assert anchors[row["mention_id"]] == start


def test_json_in_a_page_is_escaped_so_no_text_ends_its_script():
    hostile = {"a": "</script><script>x</script>", "b": "<!--", "c": "&amp;", "d": "\u2028\u2029"}
    block = json_script("data", hostile)
    body = block[len('<script type="application/json" id="data">'):-len("</script>")]
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body) == hostile


def test_row_ids_become_fragments_that_decode_back_to_the_row_id():
    for row_id in ("ru-csr:12-40:duty@call_centre", "a b#c%d/e?f", "عربي:1-2", "x\"y'z<w>"):
        encoded = fragment(row_id)
        assert unquote(encoded) == row_id
        assert not set(encoded) & set(' #"<>')


def test_overlapping_and_nested_quotes_are_cut_into_pieces_that_know_all_their_facts():
    rng = random.Random(10)
    for _ in range(200):
        text = "".join(rng.choice("ab \n") for _ in range(rng.randint(1, 60)))
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        spans = []
        for _ in range(rng.randint(0, 8)):
            a = rng.randrange(len(text))
            spans.append((a, rng.randint(a + 1, len(text))))
        lines = cut(text, starts, spans)
        assert len(lines) == len(starts)
        seen = {}
        for number, pieces in enumerate(lines):
            at = starts[number]
            for piece in pieces:
                assert piece.start == at and "\n" not in text[piece.start:piece.end]
                for i in range(piece.start, piece.end):
                    seen[i] = piece.facts
                at = piece.end
        for i, ch in enumerate(text):
            if ch == "\n":
                assert i not in seen
            else:
                assert seen[i] == tuple(k for k, (a, b) in enumerate(spans) if a <= i < b)


def test_the_site_is_the_same_bytes_each_time_and_listed_in_sha256sums(release, tables):
    sources = _sources(release, tables["sources"].to_pylist())
    first = list(render_site(REG, tables, sources, _meta()))
    second = list(render_site(REG, tables, sources, _meta()))
    assert first == second
    sums = dict(reversed(line.split("  ", 1)) for line in (release / "SHA256SUMS").read_text().splitlines())
    assert {f"site/{rel}" for rel, _ in first} <= set(sums)
    for rel, data in first:
        assert (release / "site" / rel).read_bytes() == data, rel
