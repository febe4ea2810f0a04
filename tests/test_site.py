"""The source explorer (site/ in the release), read as files: every source, concept and role has its
page; the pages ask no other host for anything and every link leads somewhere; each source page
shows its text verbatim, line by line, with every fact drawn over exactly its quote; nothing a source
or a curator writes can break out of the markup; the same tables give the same bytes. Every page
links the downloads and the citation (read from CITATION.cff); the search index holds every wording,
concept and source; concept pages say what their counts mean and link the concepts their
definitions name.

What only a browser can show (the panel, the direction of Arabic, Chinese glyphs) is in
test_browser.py."""
from __future__ import annotations

import hashlib
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


def _copied(release: Path) -> dict[str, bytes]:
    return {"CITATION.cff": (release / "CITATION.cff").read_bytes()}


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
    expected = {"index.html", "sources/index.html", "concepts/index.html", "roles/index.html", "search.html",
                "cite.html", "assets/site.css", "assets/site.js", "assets/search-index.js"}
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
            folder = parts.path.endswith("/") and target.is_dir()  # a download folder: csv/, parquet/, sources/
            assert target.is_file() or folder, f"{page.relative_to(site)}: link {url} leads nowhere"
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
    sha256 = hashlib.sha256(hostile_text.encode("utf-8")).hexdigest()
    sources = {source_id: Source(source_id, source_row["text_path"], "", source_row, sha256, folder)}
    pages = dict(render_site(REG, changed, {**_sources(release, tables["sources"].to_pylist()), **sources}, _meta(),
                             _copied(release)))
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
    first = list(render_site(REG, tables, sources, _meta(), _copied(release)))
    second = list(render_site(REG, tables, sources, _meta(), _copied(release)))
    assert first == second
    sums = dict(reversed(line.split("  ", 1)) for line in (release / "SHA256SUMS").read_text().splitlines())
    assert {f"site/{rel}" for rel, _ in first} <= set(sums)
    for rel, data in first:
        assert (release / "site" / rel).read_bytes() == data, rel


def _page_of(kind: str, ident: str) -> str:
    return f"roles/{ident}.html" if kind == "role" else f"concepts/{kind}/{ident}.html"


def test_every_page_links_the_downloads_and_how_to_cite(site, release):
    (database,), (workbook,) = release.glob("*.sqlite"), release.glob("*.xlsx")
    wanted = {release / "csv", release / "parquet", database, workbook, release / "annotations.jsonld",
              release / "taxonomy.ttl", release / "dcat.ttl", site / "cite.html"}
    wanted = {p.resolve() for p in wanted}
    for page in sorted(site.rglob("*.html")):
        linked = {(page.parent / unquote(urlsplit(url).path)).resolve() for url in _parse(page).follows
                  if not urlsplit(url).scheme and urlsplit(url).path}
        assert wanted <= linked, f"{page.relative_to(site)} does not link {sorted(map(str, wanted - linked))}"


def test_the_citation_is_read_from_citation_cff_in_plain_text_and_bibtex_with_the_version(site, release):
    from pipeline.release.site.cite import render_cite
    from pipeline.release.site.layout import Site

    cff = release / "CITATION.cff"
    fields = yaml.safe_load(cff.read_text(encoding="utf-8"))
    page = (site / "cite.html").read_text(encoding="utf-8")
    text = html.unescape(re.search(r'<p class="citation" id="citation-text">(.*?)</p>', page).group(1))
    year = str(fields["date-released"])[:4]
    assert text.startswith(f'{fields["authors"][0]["name"]} ({year}). {fields["title"]} (Version {fields["version"]})')
    bibtex = html.unescape(re.search(r'<pre class="bibtex"[^>]*><code>(.*?)</code></pre>', page, re.DOTALL).group(1))
    assert bibtex.startswith("@misc{") and bibtex.endswith("}") and bibtex.count("{") == bibtex.count("}")
    assert f"version = {{{fields['version']}}}" in bibtex and f"year = {{{year}}}" in bibtex
    assert f"title = {{{{{fields['title']}}}}}" in bibtex
    # The page follows the file, not the dataset's metadata: another version in CITATION.cff, another citation.
    meta = _meta()
    other = cff.read_text(encoding="utf-8").replace(f"version: {fields['version']}", "version: 9.9.9")
    again = render_cite(Site(meta["title"], meta["version"], meta["name"]), REG, {"CITATION.cff": other.encode()})
    assert b"(Version 9.9.9)" in again and b"version = {9.9.9}" in again


def _search_index(site: Path) -> dict:
    text = (site / "assets" / "search-index.js").read_text(encoding="utf-8")
    prefix = "window.SITE_SEARCH = "
    return json.loads(text[text.index(prefix) + len(prefix):].rstrip().removesuffix(";"))


def test_the_search_index_holds_every_wording_concept_and_source_each_linked_to_its_page(site, tables):
    index = _search_index(site)
    labels = tables["attested_labels"].to_pylist()
    concepts = index["concepts"]
    shown = {(concepts[w[0]][0], w[1], w[2]): w for w in index["wordings"]}
    assert len(shown) == len(index["wordings"]) == len(labels)
    ids: dict[str, set[str]] = {}
    for label in labels:
        w = shown[(_page_of(label["concept_type"], label["concept_id"]), label["lang"], label["text"])]
        assert (w[3], w[4]) == (label["text_en"], label["mention_count"])
        page, anchor = w[6].split("#")
        assert anchor == fragment(label["first_row_id"])
        if page not in ids:
            ids[page] = _parse(site / page).ids
        assert label["first_row_id"] in ids[page], f"{w[6]} names no fact"
    assert index["wordings"] == sorted(index["wordings"], key=lambda w: (w[0], w[1], w[2], w[6]))
    pages = {p.relative_to(site).as_posix() for p in site.glob("*/**/*.html")} - {"sources/index.html",
                                                                                "concepts/index.html", "roles/index.html"}
    assert {c[0] for c in concepts} == {p for p in pages if not p.startswith("sources/")}
    assert [s[0] for s in index["sources"]] == sorted(tables["sources"].column("source_id").to_pylist())


def _wording_rows(page: str) -> dict[str, tuple[str, str]]:
    """Each wording of a concept page: its text -> (its row's data-k, the rest of the row)."""
    rows = re.findall(r'<tr data-k="([^"]*)"><td class="wording"[^>]*>(.*?)</td>(.*?)</tr>', page, re.DOTALL)
    return {html.unescape(text).replace("&#13;", "\r"): (html.unescape(k), rest) for k, text, rest in rows}


def test_a_wording_only_restated_shows_its_restatements_not_zero_mentions_and_sources(site, tables):
    restatements: dict[str, int] = {}
    for r in tables["attested_label_sources"].to_pylist():
        restatements[r["label_id"]] = restatements.get(r["label_id"], 0) + r["restatement_count"]
    labels = tables["attested_labels"].to_pylist()
    only_restated = [label for label in labels if label["mention_count"] == 0]
    assert only_restated, "the release has wordings only ever restated; the test must see some"
    pages: dict[str, dict] = {}
    for label in labels:
        rel = _page_of(label["concept_type"], label["concept_id"])
        if rel not in pages:
            pages[rel] = _wording_rows((site / rel).read_text(encoding="utf-8"))
        _, rest = pages[rel][label["text"]]
        uses = re.search(r'<td class="uses">(.*?)</td>', rest).group(1)
        sources = int(re.search(r'<td class="num">([\d,]+)<', rest).group(1).replace(",", ""))
        mentions, restated = label["mention_count"], restatements[label["label_id"]]
        assert (f"{mentions:,} mention" in uses) == (mentions > 0), (label["label_id"], uses)
        assert (f"{restated:,} restatement" in uses) == (restated > 0), (label["label_id"], uses)
        assert sources >= 1, label["label_id"]
    for page in site.rglob("*.html"):
        assert "only the first" not in page.read_text(encoding="utf-8")


def test_concept_ids_named_in_a_definition_link_to_their_pages(site, tables):
    taxonomies = {t.name: t.primary_key[0] for t in REG.taxonomy_tables()}
    kinds = {name: key.removesuffix("_id") for name, key in taxonomies.items()}
    known = {}
    for name, key in taxonomies.items():
        for ident in tables[name].column(key).to_pylist():
            known.setdefault(ident, _page_of(kinds[name], ident))
    checked = 0
    for name, key in taxonomies.items():
        if "definition_en" not in tables[name].column_names:
            continue
        for row in tables[name].to_pylist():
            rel = _page_of(kinds[name], row[key])
            page = (site / rel).read_text(encoding="utf-8")
            definition = re.search(r'<p class="definition">(.*?)</p>', page)
            named = {w for group in re.findall(r"\(([^()]*)\)", row.get("definition_en") or "")
                     for w in re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", group) if w in known and w != row[key]}
            root = "../" * rel.count("/")
            for ident in named:
                assert f'href="{root}{known[ident]}"' in definition.group(1), (rel, ident)
                checked += 1
    assert checked > 20


def test_filterable_rows_carry_the_language_source_and_setting_of_the_rows_behind_them(site, tables):
    from pipeline.transform.evidence import concept_columns

    stated: dict[tuple, set] = {}
    for name, (column, kind) in concept_columns(REG).items():
        for r in tables[name].select([column, "lang", "text", "source_id", "setting"]).to_pylist():
            stated.setdefault((kind, r[column], r["lang"], r["text"]), set()).add((r["lang"], r["source_id"], r["setting"]))
    pages: dict[str, dict] = {}
    for label in tables["attested_labels"].to_pylist():
        rel = _page_of(label["concept_type"], label["concept_id"])
        if rel not in pages:
            page = (site / rel).read_text(encoding="utf-8")
            pages[rel] = _wording_rows(page)
            offered = [html.unescape(v) for v in re.findall(r'<option value="([^"]+)">', page)]
            everything = {t for k, _ in pages[rel].values() for t in k.split(";")}
            for position in range(3):
                assert {t.split(" ")[position] for t in everything} <= set(offered), rel
        k, _ = pages[rel][label["text"]]
        want = stated[(label["concept_type"], label["concept_id"], label["lang"], label["text"])]
        assert {tuple(t.split(" ")) for t in k.split(";")} == want, (rel, label["text"])


def test_the_key_of_a_role_page_does_not_depend_on_the_order_rows_are_grouped_in(tables):
    """A role page is kept under the digest of every (language, source, setting) its concepts are
    stated in. Grouping those is multi-threaded, and gives its groups in any order: the digest must
    be of the same rows in one order, or every build makes every role page again."""
    from pipeline.release.site.concepts import Catalogue
    from pipeline.release.site.evidence import Evidence

    catalogue = Catalogue(REG, tables)
    reversed_rows = {name: t.take(pa.array(range(t.num_rows - 1, -1, -1), pa.int64())) if REG.tables[name].fact else t
                     for name, t in tables.items()}
    assert Evidence(REG, reversed_rows, catalogue).stated_digest() == Evidence(REG, tables, catalogue).stated_digest()


def test_a_concept_page_key_changes_with_its_statements_in_one_source_and_no_other_does(tables, tmp_path):
    """A concept page is kept under a digest made of each source's digest of its statements, each kept
    under the source's partition key: a wording changed in one source (whose partition key changes
    with it) changes the key of that concept's page, and of no other, and the keys are those made
    from scratch, without a cache."""
    from pipeline.release.reuse import Reuse
    from pipeline.release.site.concepts import Catalogue
    from pipeline.release.site.evidence import Evidence

    catalogue = Catalogue(REG, tables)
    concepts = [(kind, ident) for kind in catalogue.kinds for ident in catalogue.ids(kind)]
    entries = {s: f"{hashlib.sha256(s.encode()).hexdigest()}" for s in tables["sources"].column("source_id").to_pylist()}

    def keys(data, entries, cache):
        evidence = Evidence(REG, data, catalogue, Reuse(cache, entries))
        return {c: evidence.inputs(*c) for c in concepts}, evidence.stated_digest()

    before = keys(tables, entries, tmp_path / "cache")
    assert keys(tables, entries, None) == before  # the same with nothing kept
    duties = tables["duty_mentions"]
    row = duties.slice(3, 1).to_pylist()[0]
    texts = duties.column("text").to_pylist()
    texts[3] += " (reworded)"
    edited = {**tables, "duty_mentions": duties.set_column(duties.column_names.index("text"), "text",
                                                           pa.array(texts, duties.schema.field("text").type))}
    moved = {**entries, row["source_id"]: "another partition key"}
    after = keys(edited, moved, tmp_path / "cache")
    assert after == keys(edited, moved, None)  # kept digests of the other sources, the same as made now
    changed = {c for c in concepts if after[0][c] != before[0][c]}
    assert changed == {("duty", row["duty_id"])}
    assert after[1] == before[1]  # the same languages, sources and settings stated: role pages' filters as they were
