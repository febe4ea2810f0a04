"""One page per role (roles/<role_id>.html): what it is, where it sits in the standard
classifications, what the sources say it does, and every title they give it.

The codes link to the classifications' own pages (ESCO by its URI; ISCO-08 through ESCO's concept
for the unit group; O*NET-SOC on O*NET OnLine): links a reader may follow, not requests the page
makes. The profile (role_profiles) lists, per kind of concept, what the sources state for the role,
most widely stated first; the titles are the role's attested wordings. A form filters both by the
language, source and setting of the rows behind them (filters.py).
"""
from __future__ import annotations

from .concept_page import language_name, linked_definition, root_of, summary, wordings
from .concepts import ROLE_KIND, Catalogue
from .evidence import Evidence
from .filters import data_k, filter_form
from .layout import Site
from .markup import esc, href, scroll_box
from .occupation import occupation, script

CLASSIFICATIONS = (
    ("esco_uri", "ESCO occupation", "{}"),
    ("isco08_code", "ISCO-08 unit group", "http://data.europa.eu/esco/isco/C{}"),
    ("onet_soc_code", "O*NET-SOC occupation", "https://www.onetonline.org/link/summary/{}"),
)


def _codes(row: dict, fields: dict) -> str:
    items = []
    for column, name, template in CLASSIFICATIONS:
        value = row.get(column)
        if value is None:
            continue
        items.append(f'<dt title="{esc(fields[column].description if column in fields else "")}">{esc(name)}</dt>'
                     f'<dd><a href="{esc(template.format(value))}" rel="noreferrer">{esc(value)}</a></dd>')
    return f'<dl class="meta">{"".join(items)}</dl>' if items else ""


def _concept(catalogue: Catalogue, kind: str, ident: str, root: str) -> str:
    name = esc(catalogue.label(kind, ident))
    return f'<a href="{href(root + catalogue.page(kind, ident))}">{name}</a>' if catalogue.has_page(kind, ident) else name


def _profile(evidence: Evidence, catalogue: Catalogue, role: str, root: str) -> str:
    rows = evidence.role_profile(role)
    by_kind: dict[str, list[dict]] = {}
    for r in rows:
        by_kind.setdefault(r["concept_type"], []).append(r)
    out = ["<h2>What the sources state for this role</h2>"]
    if not rows:
        out.append('<p class="hint">No source states anything for this role yet.</p>')
    for kind in sorted(by_kind, key=lambda k: (list(catalogue.kinds).index(k) if k in catalogue.kinds else 99, k)):
        items = sorted(by_kind[kind], key=lambda r: (-r["source_count"], -r["mention_count"], r["concept_id"]))
        title = catalogue.kinds[kind].title if kind in catalogue.kinds else kind
        body = "".join(f'<tr{data_k(evidence.stated_by(kind, r["concept_id"], role))}>'
                       f'<td>{_concept(catalogue, kind, r["concept_id"], root)}</td>'
                       f'<td class="num">{r["source_count"]:,}</td><td class="langs">{esc(r["languages"] or "")}</td>'
                       f'<td class="num">{r["mention_count"]:,}</td><td class="num">{r["restatement_count"]:,}</td></tr>'
                       for r in items)
        table = ('<table class="profile"><thead><tr><th>concept</th><th class="num">sources</th>'
                 '<th>languages</th><th class="num">mentions</th><th class="num">restatements</th></tr></thead>'
                 f"<tbody>{body}</tbody></table>")
        out.append(f'<section data-group><h3>{esc(title)} ({len(items):,})</h3>{scroll_box(table, title)}</section>')
    return "".join(out)


def render_role(site: Site, catalogue: Catalogue, evidence: Evidence, fields: dict, role: str, tables) -> bytes:
    rel = catalogue.page(ROLE_KIND, role)
    root = root_of(rel)
    row = catalogue.row(ROLE_KIND, role) or {}
    label = catalogue.label(ROLE_KIND, role)
    definition = linked_definition(catalogue, row.get("definition_en"), root, (ROLE_KIND, role))
    stated = {t for r in evidence.role_profile(role) for t in evidence.stated_by(r["concept_type"], r["concept_id"], role)}
    stated |= {(r["lang"], r["source_id"], r["setting"]) for rows in evidence.statements_of(ROLE_KIND, role).values()
               for r in rows}
    body = (f'<p class="sub"><a href="{href(root + "roles/index.html")}">Roles</a> · <code>{esc(role)}</code></p>'
            f"<h1>{esc(label)}</h1>{definition}{_codes(row, fields)}"
            f"{summary(evidence, ROLE_KIND, role, fields, 'Evidence: the titles that name it')}"
            f"{filter_form(stated, language_name)}"
            f"{_profile(evidence, catalogue, role, root)}{wordings(evidence, ROLE_KIND, role, root)}"
            f"{script(occupation(role, row, tables, catalogue, evidence, root))}")
    return site.page(rel, label, body, section="roles/index.html")
