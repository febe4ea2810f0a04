"""The three lists a reader starts from: every source, every concept by kind, every role."""
from __future__ import annotations

import pyarrow as pa

from .concepts import ROLE_KIND, Catalogue
from .evidence import SUMMARY
from .facts import FactTables
from .layout import Site
from .markup import esc, href, lang_attrs, scroll_box


def render_sources(site: Site, source_rows: list[dict], fact_tables: FactTables) -> bytes:
    body = "".join(f'<tr><td><a href="{href(s["source_id"] + ".html")}">{esc(s["source_id"])}</a></td>'
                   f'<td class="langs">{esc(s["lang"])}</td><td{lang_attrs(s["lang"])}>{esc(s.get("title"))}</td>'
                   f'<td>{esc(s.get("title_en") or "")}</td>'
                   f'<td class="num">{sum(fact_tables.counts(s["source_id"]).values()):,}</td></tr>' for s in source_rows)
    return site.page("sources/index.html", "Sources",
                     f'<h1>Sources ({len(source_rows):,})</h1><p class="hint">Each page shows the verbatim text with '
                     'every quoted passage highlighted; select one to see the rows that rest on it.</p>'
                     + scroll_box('<table><thead><tr><th>source</th><th>lang</th><th>title</th><th>title in '
                                  f'English</th><th class="num">fact rows</th></tr></thead><tbody>{body}</tbody></table>',
                                  "Sources"),
                     section="sources/index.html")


def _evidence(tables: dict[str, pa.Table]) -> dict[tuple[str, str], dict]:
    data = tables[SUMMARY]
    return {(r["concept_type"], r["concept_id"]): r for r in data.to_pylist()}


def render_concepts(site: Site, catalogue: Catalogue, tables: dict[str, pa.Table]) -> bytes:
    evidence = _evidence(tables)
    out = ['<h1>Concepts</h1><p class="hint">Every canonical concept, by kind, with the number of sources '
           'that state it.</p><nav class="tags">' +
           " · ".join(f'<a href="#{esc(k)}">{esc(kind.title)}</a>' for k, kind in catalogue.kinds.items()) + "</nav>"]
    for name, kind in catalogue.kinds.items():
        rows = []
        for ident in catalogue.ids(name):
            e = evidence.get((name, ident), {})
            rows.append((-e.get("source_count", 0), -e.get("mention_count", 0), ident, e))
        rows.sort(key=lambda r: r[:3])
        body = "".join(f'<tr><td><a href="{href("../" + catalogue.page(name, ident))}">{esc(catalogue.label(name, ident))}</a>'
                       f'</td><td><code>{esc(ident)}</code></td><td class="num">{e.get("source_count", 0):,}</td>'
                       f'<td class="langs">{esc(e.get("languages") or "")}</td><td class="num">{e.get("mention_count", 0):,}</td></tr>'
                       for _, _, ident, e in rows)
        out.append(f'<h2 id="{esc(name)}">{esc(kind.title)} ({len(rows):,})</h2>'
                   f'<p class="hint">{esc(kind.taxonomy.description if kind.taxonomy else kind.field.description)}</p>'
                   + scroll_box('<table><thead><tr><th>concept</th><th>id</th><th class="num">sources</th>'
                                '<th>languages</th><th class="num">mentions</th></tr></thead>'
                                f'<tbody>{body}</tbody></table>', kind.title))
    return site.page("concepts/index.html", "Concepts", "".join(out), section="concepts/index.html")


def render_roles(site: Site, catalogue: Catalogue) -> bytes:
    cards = "".join(f'<div class="card"><h2><a href="{href("../" + catalogue.page(ROLE_KIND, role))}">'
                    f'{esc(catalogue.label(ROLE_KIND, role))}</a></h2>'
                    f'<p>{esc((catalogue.row(ROLE_KIND, role) or {}).get("definition_en") or "")}</p></div>'
                    for role in catalogue.ids(ROLE_KIND))
    return site.page("roles/index.html", "Roles", f'<h1>Roles</h1><div class="cards">{cards}</div>',
                     section="roles/index.html")
