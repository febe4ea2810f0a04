"""The front page (index.html): the roles and their career ladder, what the sources most often
agree on, the salaries side by side, and how much each source contributes to each table.

Every number on it is read from the release tables: the evidence counts from concept_evidence
(always out of the sample's size, never of the job market), the coverage from the fact tables'
row counts per source.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ...registry.model import Registry
from .chart import SalaryChart
from .concepts import ROLE_KIND, Catalogue
from .evidence import SUMMARY
from .facts import FactTables
from .layout import Site
from .markup import esc, href, scroll_box

LEVELS = "career_levels"
SHARED_KINDS = ("duty", "skill")
SHARED_SHOWN = 15


def ladder(tables: dict[str, pa.Table]) -> list[dict]:
    """The career levels from entry (rank 1) up."""
    return sorted(tables[LEVELS].to_pylist(), key=lambda r: (r["rank"], r["level_id"]))


def _roles(catalogue: Catalogue) -> str:
    cards = "".join(f'<div class="card"><h3><a href="{href(catalogue.page(ROLE_KIND, role))}">'
                    f'{esc(catalogue.label(ROLE_KIND, role))}</a></h3><p>{esc((catalogue.row(ROLE_KIND, role) or {}).get("definition_en") or "")}</p></div>'
                    for role in catalogue.ids(ROLE_KIND))
    return f'<h2 id="roles">Roles</h2><div class="cards">{cards}</div>'


def _ladder(tables: dict[str, pa.Table]) -> str:
    items = "".join(f'<li id="level-{esc(r["level_id"])}"><strong>{esc(r["label_en"])}</strong> '
                    f'<code>{esc(r["level_id"])}</code>: {esc(r.get("description_en") or "")}</li>' for r in ladder(tables))
    return f'<h2 id="ladder">Career ladder</h2><ol class="ladder">{items}</ol>'


def _most_shared(tables: dict[str, pa.Table], catalogue: Catalogue) -> str:
    data = tables[SUMMARY]
    out = ['<h2 id="shared">Most widely stated duties and skills</h2><p class="hint">Ranked by the number of '
           'independent origins that state them, then by sources and mentions (restatements excluded). The sources '
           'are translations of English pages: two texts derived from one original are one origin, and the published '
           'languages say where a text appeared, not that employers there described the job independently. The '
           'counts are out of this small sample, not of the job market.</p><div class="pair">']
    for kind in SHARED_KINDS:
        if kind not in catalogue.kinds:
            continue
        rows = data.filter(pc.equal(data.column("concept_type"), kind)).to_pylist()
        rows.sort(key=lambda r: (-r["origin_count"], -r["source_count"], -r["mention_count"], r["concept_id"]))
        body = "".join(f'<tr><td><a href="{href(catalogue.page(kind, r["concept_id"]))}">'
                       f'{esc(catalogue.label(kind, r["concept_id"]))}</a></td>'
                       f'<td class="num">{r["origin_count"]:,} of {r["origins_in_sample"]:,}</td>'
                       f'<td class="num">{r["source_count"]:,} of {r["sources_in_sample"]:,}</td>'
                       f'<td class="langs">{esc(r["original_languages"] or "")} → {esc(r["languages"] or "")}</td>'
                       f'<td class="num">{r["mention_count"]:,}</td></tr>'
                       for r in rows[:SHARED_SHOWN])
        title = catalogue.kinds[kind].title
        table = ('<table><thead><tr><th>concept</th><th class="num">origins</th><th class="num">sources</th>'
                 '<th>original → published languages</th><th class="num">mentions</th></tr></thead>'
                 f'<tbody>{body}</tbody></table>')
        out.append(f'<div class="card"><h3>{esc(title)}</h3>{scroll_box(table, title)}'
                   f'<p><a href="concepts/index.html#{esc(kind)}">All {len(rows):,} stated</a></p></div>')
    out.append("</div>")
    return "".join(out)


def _coverage(source_rows: list[dict], fact_tables: FactTables, reviews: dict[tuple[str, str], int]) -> str:
    names = fact_tables.tables
    # The column heads are set upright (read bottom to top), so that a column is as wide as its figures
    # and the whole table fits a desktop screen; a phone scrolls it in its box.
    head = "".join(f'<th class="num" title="{esc(t.description)}"><span>{esc(fact_tables.label(t))}</span></th>'
                   for t in names)
    body = []
    for s in source_rows:
        counts = fact_tables.counts(s["source_id"])
        cells = "".join(f'<td class="num">{counts[t.name]:,}</td>' for t in names)
        body.append(f'<tr><td><a href="{href("sources/" + s["source_id"] + ".html")}">{esc(s["source_id"])}</a>'
                    f'<div class="tags">{esc(s.get("title_en") or "")}</div></td><td class="langs">{esc(s["lang"])}</td>{cells}'
                    f'<td class="num">{sum(counts.values()):,}</td>'
                    f'<td class="num">{reviews.get((s["source_id"], "mapped"), 0):,}</td>'
                    f'<td class="num">{reviews.get((s["source_id"], "excluded"), 0):,}</td></tr>')
    return ('<h2 id="coverage">Coverage per source</h2><p class="hint">Rows each source contributes to each fact '
            'table, and its lines as reviewed: mapped (some fact quotes them) or excluded with a reason.</p>'
            + scroll_box(f'<table class="coverage"><thead><tr><th>source</th><th>lang</th>{head}'
                         '<th class="num"><span>all facts</span></th><th class="num"><span>lines mapped</span></th>'
                         '<th class="num"><span>lines excluded</span>'
                         f'</th></tr></thead><tbody>{"".join(body)}</tbody></table>', "Coverage per source"))


def render_overview(site: Site, reg: Registry, meta: dict, tables: dict[str, pa.Table], catalogue: Catalogue,
                    fact_tables: FactTables, source_rows: list[dict], reviews: dict[tuple[str, str], int]) -> bytes:
    langs = sorted({s["lang"] for s in source_rows})
    facts = sum(tables[t.name].num_rows for t in fact_tables.tables)
    licences = ", ".join(f'<a href="{esc(x.get("path") or "")}" rel="noreferrer">{esc(x.get("title") or x.get("name"))}</a>'
                         if x.get("path") else esc(x.get("title") or x.get("name")) for x in meta.get("licenses") or [])
    levels = {r["level_id"]: (r["rank"], r["label_en"]) for r in ladder(tables)}
    chart = SalaryChart(reg, tables, levels)
    body = (f'<h1>{esc(meta.get("title"))}</h1><p>{esc(meta.get("description") or "")}</p>'
            f'<p class="sub">Version {esc(meta.get("version"))} · {len(source_rows):,} sources in '
            f'{esc(", ".join(langs))} · {facts:,} fact rows'
            f'{" · licence " + licences if licences else ""}</p>'
            f"{_roles(catalogue)}{_ladder(tables)}{_most_shared(tables, catalogue)}"
            f'<h2 id="salaries">Salaries by country and level</h2>{chart.svg()}{chart.table("")}'
            f"{_coverage(source_rows, fact_tables, reviews)}"
            '<h2 id="tables">How the tables join</h2><p><a href="../schema.svg">A diagram of every table and its keys</a>, '
            'each foreign key drawn to the table it names (written by the build from the registry, like DATA_DICTIONARY.md).</p>')
    return site.page("index.html", "Overview", body, section="index.html")
