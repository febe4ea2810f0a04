"""One page per source: its verbatim text with line numbers, every quoted passage highlighted.

The text is drawn in its own language and direction (an Arabic text right to left), line by line,
each line numbered and linkable (#L12). Every piece a quote covers is a focusable <mark> coloured by
the table of its innermost fact and listing all its facts (data-f); the page's script shows them in
the panel (beside the text, or a sheet at the bottom of a phone's screen). A line is one stop for
Tab, its first highlight, and the arrow keys move between the highlights of a line (a roving
tabindex), so a keyboard crosses the text line by line. Every fact's row id is an anchor at the start
of its quote, so `<source>.html#<row id>` is a permalink to the fact. Lines a curator deliberately left out are marked in the gutter and
listed with their reasons. Without the script the text, the highlights and their tooltips remain.
"""
from __future__ import annotations

from ...curation.sources import Source
from .facts import Fact, FactTables
from .layout import Site
from .markup import esc, href, json_script, lang_attrs, scroll_box
from .segments import cut

EXCLUDED = "excluded"
ROOT = "../"


def _meta(source_row: dict, fields: dict, columns: list[str]) -> str:
    """What the source is (its English title and description), then every value of its sidecar,
    each named by its field and explained by its description, folded away."""
    items = []
    for column in columns:
        value = source_row.get(column)
        if value is None or column in ("title", "source_id"):
            continue
        text = esc(value)
        if column == "url" and str(value).startswith(("http://", "https://")):
            text = f'<a href="{esc(value)}" rel="noreferrer">{esc(value)}</a>'
        elif column == "text_path":
            text = f'<a href="{href("../../" + str(value))}">{esc(value)}</a>'
        elif column in ("sha256", "raw_path", "seed_file"):
            text = f"<code>{esc(value)}</code>"
        elif isinstance(value, int):
            text = f"{value:,}"
        items.append(f'<dt title="{esc(fields[column].description)}">{esc(column)}</dt><dd>{text}</dd>')
    about = "".join(f'<p class="{cls}">{esc(source_row[c])}</p>' for c, cls in (("title_en", "title-en"), ("description_en", "hint"))
                    if source_row.get(c))
    return (f'{about}{_origin_line(source_row)}<details class="about"><summary>Origin, licence and checksum</summary>'
            f'<dl class="meta">{"".join(items)}</dl></details>')


def _link(url, text) -> str:
    return f'<a href="{esc(url)}" rel="noreferrer">{esc(text)}</a>' if url else esc(text)


def _origin_line(row: dict) -> str:
    """Where the words come from, in one line: the page they were copied from, the original they
    translate and how; what was not found is said so (origin_note, below, says why)."""
    copied = (f'Copied from {_link(row["url"], row.get("publisher") or row["url"])}' if row.get("url")
              else "The page it was copied from was not found")
    original = row.get("original_lang") or "an unknown language"
    if row.get("original_url"):
        original = (f'{_link(row["original_url"], row.get("original_title") or row["original_url"])} '
                    f'({esc(row.get("original_publisher") or "")}, {esc(original)})')
    else:
        original = f"an original in {esc(original)} that was not found"
    how = row["translation"]  # required by the registry
    basis = f', {esc(row["translation_basis"]).replace("_", " ")}' if row.get("translation_basis") else ""
    return f'<p class="origin">{copied}; it translates {original} (translation: {esc(how)}{basis}).</p>'


def _legend(facts_tables: FactTables, counts: dict[str, int]) -> str:
    items = []
    for table in facts_tables.tables:
        n = counts.get(table.name, 0)
        items.append(f'<li class="{"" if n else "none"}" title="{esc(table.description)}"><span class="sw t-{table.name}">'
                     f'</span>{esc(facts_tables.label(table))} <span class="count">{n:,}</span></li>')
    return ('<section class="legend" aria-labelledby="legend-h"><h2 id="legend-h">Highlights by table</h2>'
            f'<ul>{"".join(items)}</ul><p class="hint">A passage quoted by several facts is underlined once per '
            'extra fact and coloured by its innermost one. Tap or click a passage to see its rows.</p></section>')


def _piece(text: str, piece, facts: list[Fact], fact_tables: FactTables, titles: dict[int, str], ids: set[str],
           stop: bool) -> str:
    """A piece of a line; `stop` makes it the line's one stop for Tab (its first highlight)."""
    anchors = ""
    for i in piece.opens:
        if facts[i].row_id not in ids:  # an id is unique in a page, even if two tables shared a row id
            ids.add(facts[i].row_id)
            anchors += f'<span class="a" id="{esc(facts[i].row_id)}"></span>'
    words = esc(text[piece.start:piece.end])
    if not piece.facts:
        return anchors + words
    inner = min(piece.facts, key=lambda i: (facts[i].end - facts[i].start, facts[i].table, facts[i].row_id))
    table = fact_tables.tables[facts[inner].table].name
    depth = min(len(piece.facts), 4)
    tip = "; ".join(dict.fromkeys(titles[i] for i in piece.facts))
    return (f'{anchors}<mark class="t-{table} d{depth}" data-f="{" ".join(map(str, piece.facts))}" '
            f'tabindex="{0 if stop else -1}" '
            f'title="{esc(tip)}">{words}</mark>')


def _excluded_list(source: Source, reviews: list[dict]) -> str:
    rows = [r for r in reviews if r["review_status"] == EXCLUDED]
    if not rows:
        return ""
    lang = lang_attrs(source.meta.get("lang"))
    body = "".join(f'<tr><td class="num"><a href="#L{r["line"]}">{r["line"]}</a></td>'
                   f'<td class="src"{lang}>{esc(source.line_text(r["line"]))}</td>'
                   f'<td>{esc(r["exclusion_reason"])}</td></tr>' for r in rows)
    return (f'<section class="excluded" id="excluded"><h2>Excluded lines ({len(rows):,})</h2>'
            '<p>Lines a curator read and deliberately left out, with the reason; they are marked '
            '<span class="xmark">excluded</span> in the gutter of the text.</p>'
            + scroll_box('<table><thead><tr><th>line</th><th>text</th><th>reason</th></tr></thead>'
                         f"<tbody>{body}</tbody></table>", "Excluded lines") + "</section>")


def render_source(site: Site, source: Source, source_row: dict, columns: list[str], reg_fields: dict,
                  fact_tables: FactTables, reviews: list[dict]) -> bytes:
    """The page of one source (sources/<source_id>.html)."""
    facts = fact_tables.of_source(source.source_id)
    text = source.text
    lines = cut(text, source.line_starts, [(f.start, f.end) for f in facts])
    titles = {i: fact_tables.title(f) for i, f in enumerate(facts)}
    by_line = {r["line"]: r for r in reviews}
    out, ids = [], set()
    for number, pieces in enumerate(lines, 1):
        review = by_line.get(number)
        excluded = review is not None and review["review_status"] == EXCLUDED
        tip = (f' title="excluded: {esc(review["exclusion_reason"])}"' if excluded
               else f' title="{review["fact_count"]} fact(s)"' if review else "")
        mark = '<span class="xmark">excluded</span>' if excluded else ""
        first = next((p for p in pieces if p.facts), None)
        body = "".join(_piece(text, p, facts, fact_tables, titles, ids, p is first) for p in pieces)
        out.append(f'<div class="l{" x" if excluded else ""}" id="L{number}"><span class="g"><a class="n" '
                   f'href="#L{number}" tabindex="-1"{tip}>{number}</a>{mark}</span><div class="t">{body}</div></div>')
    lang = source.meta.get("lang")
    counts = fact_tables.counts(source.source_id)
    body = (f'<article class="source"><h1{lang_attrs(lang)}>{esc(source_row.get("title"))}</h1>'
            f'<p class="sub"><code>{esc(source.source_id)}</code> · {len(facts):,} fact rows · '
            f'<a href="#excluded">{sum(r["review_status"] == EXCLUDED for r in reviews):,} excluded lines</a></p>'
            f"{_meta(source_row, reg_fields, columns)}{_legend(fact_tables, counts)}"
            '<div class="reader">'
            f'<section class="text" aria-label="Verbatim text"{lang_attrs(lang)}>{"".join(out)}</section>'
            '<aside class="panel" id="panel" tabindex="-1" aria-labelledby="panel-h">'
            '<div class="panel-head"><h2 id="panel-h">Facts</h2><button type="button" id="panel-close" hidden>'
            'Close <kbd>Esc</kbd></button></div><div id="panel-body" aria-live="polite"><p class="hint">Select a '
            'highlighted passage (tap or click it, or move to it with Tab, the arrow keys within a line, and press '
            'Enter) to see the rows that quote it.</p>'
            '<noscript><p>The fact panel needs JavaScript; each highlighted passage names its facts in its '
            'tooltip.</p></noscript></div></aside></div>'
            f"{_excluded_list(source, reviews)}</article>")
    data = json_script("site-facts", fact_tables.payload(facts, ROOT))
    return site.page(f"sources/{source.source_id}.html", source_row.get("title_en") or source.source_id, body, data,
                     section="sources/index.html")
