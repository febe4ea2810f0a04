"""The site's search: an index the build writes (assets/search-index.js) and the page that reads it
(search.html), where the search box of every page leads.

A page opened from file:// can neither fetch() a JSON file nor load a module, but it can load a
classic script: the index is one, defining `window.SITE_SEARCH`. It holds what a reader looks
for: every concept (its label and id), every attested wording (as the source writes it, and in
English), and every source (its titles); each wording links to the passage that first uses it, as a
permalink. It grows with the distinct wordings, not with the fact rows, is sorted, and records no
time. Matching is done by the page's script on parts of words, so Chinese, written without spaces
between words, is found by any run of its characters.
"""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from ...registry.model import Registry
from .concept_page import language_name
from .concepts import Catalogue
from .evidence import WORDINGS
from .layout import SEARCH_PAGE, Site
from .markup import direction, fragment

INDEX = "search-index.js"
GLOBAL = "SITE_SEARCH"
WORDING_SOURCES = "attested_label_sources"


def _passages(reg: Registry, tables: dict[str, pa.Table], labels: pa.Table) -> dict[str, str]:
    """The source of each wording's first row, looked up in the table attested_labels names for it."""
    out: dict[str, str] = {}
    for name in sorted(set(labels.column("first_table").to_pylist())):
        key = reg.tables[name].primary_key[0]
        mine = labels.filter(pc.equal(labels.column("first_table"), name)).select(["label_id", "first_row_id"])
        found = mine.join(tables[name].select([key, "source_id"]), keys="first_row_id", right_keys=key)
        out.update(zip(found.column("label_id").to_pylist(), found.column("source_id").to_pylist()))
    return out


def search_index(reg: Registry, tables: dict[str, pa.Table], catalogue: Catalogue, source_rows: list[dict]) -> dict:
    kinds = list(catalogue.kinds)
    concepts, position = [], {}
    for kind in kinds:
        for ident in catalogue.ids(kind):
            position[(kind, ident)] = len(concepts)
            concepts.append([catalogue.page(kind, ident), kinds.index(kind), ident, catalogue.label(kind, ident)])
    labels = tables[WORDINGS]
    restated = {r["label_id"]: r["restatement_count_sum"] for r in
                tables[WORDING_SOURCES].group_by("label_id").aggregate([("restatement_count", "sum")]).to_pylist()}
    sources = _passages(reg, tables, labels)
    wordings = []
    for r in labels.to_pylist():
        concept = position.get((r["concept_type"], r["concept_id"]))
        if concept is None or r["label_id"] not in sources:
            continue
        passage = f"sources/{sources[r['label_id']]}.html#{fragment(r['first_row_id'])}"
        wordings.append([concept, r["lang"], r["text"], r["text_en"], r["mention_count"],
                         restated.get(r["label_id"]) or 0, passage])
    wordings.sort(key=lambda w: (w[0], w[1], w[2], w[6]))
    langs = sorted({w[1] for w in wordings} | {s["lang"] for s in source_rows})
    return {"kinds": [catalogue.kinds[k].title for k in kinds],
            "languages": {tag: [language_name(tag), direction(tag)] for tag in langs},
            "concepts": concepts, "wordings": wordings,
            "sources": [[s["source_id"], s["lang"], s.get("title") or "", s.get("title_en") or ""] for s in source_rows]}


def index_script(index: dict) -> bytes:
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'"use strict";\nwindow.{GLOBAL} = {text};\n'.encode()


def render_search(site: Site) -> bytes:
    body = ('<h1>Search</h1><p class="hint">Type in the box above: any part of a wording as the sources write it '
            '(Arabic, Russian, Chinese: no spaces needed), of its English translation, of a concept\'s name or id, or '
            'of a source\'s title. Each wording links to the passage that first uses it.</p>'
            '<p id="search-status" role="status"></p><div id="search-results"></div>'
            '<noscript><p>Search needs JavaScript. Every concept is listed on <a href="concepts/index.html">Concepts'
            '</a>, every source on <a href="sources/index.html">Sources</a>.</p></noscript>')
    return site.page(SEARCH_PAGE, "Search", body, scripts=(INDEX,))
