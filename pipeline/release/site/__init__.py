"""The source explorer: a static site (site/ in the release) for reading every fact in its source.

Each source is shown verbatim with every quoted passage highlighted and explained; each canonical
concept and role has a page with its evidence and every wording the sources use for it; the front
page shows the roles, the career ladder, the most widely stated duties and skills, the salaries
side by side and each source's coverage. Every page has a search box (search.py), links the
downloads and says how to cite the release (cite.py, from its CITATION.cff). It is generated with
every build, from the validated tables, so it can never disagree with them.

It must open from file:// with no network: every link is relative, the one style sheet and script
are files of the site, each page embeds its own data (a file:// page cannot fetch()), and nothing
refers to another host except plain links a reader may follow. Same tables, same bytes: every list
is sorted, nothing records a time. Pages are produced one at a time from tables grouped once
(grouping.py), so a release of thousands of sources costs time and memory in proportion to its rows.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator

import pyarrow as pa

from ...curation.sources import Source
from ...registry.model import REVIEWS, Registry
from ..reuse import Reuse, shared_digest
from .assets import assets
from .cite import render_cite
from .concept_page import render_concept
from .concepts import ROLE_KIND, Catalogue
from .evidence import Evidence
from .facts import FactTables
from .grouping import Groups
from .indexes import render_concepts, render_roles, render_sources
from .layout import Site
from .overview import render_overview
from .role_page import render_role
from .search import INDEX, index_script, render_search, search_index
from .source_page import render_source


def render_site(reg: Registry, tables: dict[str, pa.Table], sources: dict[str, Source], meta: dict,
                copied: dict[str, bytes], reuse: Reuse | None = None) -> Iterator[tuple[str, bytes]]:
    """Every file of the site, as (path inside site/, bytes or a kept file), one at a time; `copied` are the files the
    build copies into the release as they are (CITATION.cff among them). A source's page is taken
    from `reuse` when its inputs are those of a page made before (release/reuse.py), and so is a
    concept's or a role's page when its evidence and its statements are."""
    reuse = (reuse or Reuse(None)).sharing(shared_digest(reg, tables, meta))
    site = Site(meta["title"], meta["version"], meta["name"])
    catalogue = Catalogue(reg, tables)
    fact_tables = FactTables(reg, tables, catalogue)
    sidecar = reg.sidecar_table()
    source_rows = sorted(tables[sidecar.name].to_pylist(), key=lambda r: r["source_id"])
    reviews = Groups(tables[REVIEWS], "source_id")
    review_counts = {(k["source_id"], k["review_status"]): k["count_all"] for k in
                     tables[REVIEWS].group_by(["source_id", "review_status"]).aggregate([([], "count_all")]).to_pylist()}
    yield from assets(reg)
    yield f"assets/{INDEX}", index_script(search_index(reg, tables, catalogue, source_rows))
    yield "search.html", render_search(site)
    yield "cite.html", render_cite(site, reg, copied)
    yield "index.html", render_overview(site, reg, meta, tables, catalogue, fact_tables, source_rows, review_counts)
    yield "sources/index.html", render_sources(site, source_rows, fact_tables)
    for row in source_rows:
        source = sources[row["source_id"]]
        page = functools.partial(render_source, site, source, row, sidecar.columns, reg.fields, fact_tables,
                                 reviews.rows(source.source_id))
        inputs, group = reuse.of_source(source.source_id, repr(sorted(row.items())))
        yield f"sources/{source.source_id}.html", reuse.placed("site-source", inputs, page, group)
    evidence = Evidence(reg, tables, catalogue, reuse)
    yield "concepts/index.html", render_concepts(site, catalogue, tables)
    for kind in catalogue.kinds:
        if kind == ROLE_KIND:
            continue
        for ident in catalogue.ids(kind):
            page = functools.partial(render_concept, site, catalogue, evidence, reg.fields, kind, ident)
            yield catalogue.page(kind, ident), reuse.placed("site-concept", evidence.inputs(kind, ident), page)
    yield "roles/index.html", render_roles(site, catalogue)
    # A role's page also shows the filters of every concept of its profile (evidence.stated) and the
    # role's salaries and requirements (its schema.org Occupation): kept under those too.
    role_inputs = reuse.of_tables("salaries", "requirements")
    stated = evidence.stated_digest() if role_inputs is not None else None
    for role in catalogue.ids(ROLE_KIND):
        page = functools.partial(render_role, site, catalogue, evidence, reg.fields, role, tables)
        inputs = None if role_inputs is None else repr((evidence.inputs(ROLE_KIND, role), stated, role_inputs))
        yield catalogue.page(ROLE_KIND, role), reuse.placed("site-role", inputs, page)
