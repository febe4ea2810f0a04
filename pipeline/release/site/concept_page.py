"""One page per canonical concept (concepts/<kind>/<id>.html), and the parts role pages share.

A concept page says what the concept is (its taxonomy entry, or for a value of a typed column the
field's description; the other concepts its definition names by id are links to their pages), how
much evidence there is for it (concept_evidence: sources out of the sample, languages, mentions,
restatements), for which roles (role_profiles), and every wording the sources use for it in every
language (attested_labels), each with how it is used (first mentions, and restatements apart: a
wording only ever restated is shown as restated, not as unused) and a link to every row using it.
A form filters the rows by language, source and setting (filters.py).
"""
from __future__ import annotations

import re

from .concepts import ROLE_KIND, Catalogue
from .evidence import Evidence
from .filters import data_k, filter_form
from .layout import Site
from .markup import esc, href, humanise, lang_attrs, number, scroll_box

HIDDEN = {"concept_type", "concept_id", "concept_label_en", "role_id"}
# A word that may be a concept id: lower-case letters and digits, words joined by underscores.
IDENTIFIER = re.compile(r"(?<![\w-])[a-z][a-z0-9]*(?:_[a-z0-9]+)*(?![\w-])")


def language_name(tag: str) -> str:
    """The English name of a BCP 47 tag's language (ISO 639, from pycountry), or the tag itself."""
    import pycountry

    found = pycountry.languages.get(alpha_2=tag.split("-")[0]) if tag else None
    return found.name if found else tag


def root_of(rel: str) -> str:
    return "../" * rel.count("/")


def source_link(root: str, source_id: str, row_id: str | None = None, text: str | None = None) -> str:
    return f'<a href="{href(root + "sources/" + source_id + ".html", row_id)}">{esc(text or source_id)}</a>'


def fields_list(row: dict, fields: dict, skip: set[str]) -> str:
    """A row's non-null values, each named by its column and explained by the column's description."""
    items = []
    for column, value in row.items():
        if value is None or column in skip:
            continue
        shown = esc(number(value) if isinstance(value, (int, float)) else value)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            shown = f'<a href="{esc(value)}" rel="noreferrer">{esc(value)}</a>'
        description = fields[column].description if column in fields else ""
        items.append(f'<dt title="{esc(description)}">{esc(humanise(column))}</dt><dd>{shown}</dd>')
    return f'<dl class="meta">{"".join(items)}</dl>' if items else ""


def summary(evidence: Evidence, kind: str, ident: str, fields: dict, heading: str = "Evidence") -> str:
    row = evidence.summary_row(kind, ident)
    if row is None:
        return f'<h2>{esc(heading)}</h2><p class="hint">No source of this release states it.</p>'
    head = (f'<p><strong>{row["origin_count"]:,}</strong> of the {row["origins_in_sample"]:,} independent origins in '
            f'the sample state it (originals in {esc(row["original_languages"] or "")}), through '
            f'<strong>{row["source_count"]:,}</strong> of the {row["sources_in_sample"]:,} sources, published in '
            f'{esc(row["languages"] or "")} (translation: {esc(row["translation_kinds"] or "")}), in '
            f'<strong>{row["mention_count"]:,}</strong> mention(s) (restatements excluded).</p>')
    said = {"sources_in_sample", "source_count", "language_count", "mention_count", "origin_count", "origins_in_sample",
            "original_languages", "languages", "translation_kinds"}
    return f'<h2>{esc(heading)}</h2>{head}{fields_list(row, fields, HIDDEN | said)}'


def linked_definition(catalogue: Catalogue, text: str | None, root: str, own: tuple[str, str]) -> str:
    """A definition, with each concept it names by id (in parentheses, or any id with an underscore)
    turned into a link to that concept's page."""
    if not text:
        return ""
    out, depth, at = [], 0, 0
    for match in IDENTIFIER.finditer(text):
        before = text[at:match.start()]
        depth = max(0, depth + before.count("(") - before.count(")"))
        word, at = match.group(0), match.end()
        found = catalogue.named(word, own[0]) if ("_" in word or depth) and word != own[1] else None
        out.append(esc(before))
        out.append(f'<a href="{href(root + catalogue.page(*found))}" title="{esc(catalogue.label(*found))}">'
                   f"{esc(word)}</a>" if found else esc(word))
    out.append(esc(text[at:]))
    return f'<p class="definition">{"".join(out)}</p>'


def by_role(evidence: Evidence, catalogue: Catalogue, kind: str, ident: str, root: str) -> str:
    rows = evidence.profile_rows(kind, ident)
    if not rows:
        return ""
    rows.sort(key=lambda r: (-r["source_count"], -r["mention_count"], r["role_id"]))
    body = "".join(f'<tr{data_k(evidence.stated_by(kind, ident, r["role_id"]))}>'
                   f'<td><a href="{href(root + catalogue.page(ROLE_KIND, r["role_id"]))}">'
                   f'{esc(catalogue.label(ROLE_KIND, r["role_id"]))}</a></td><td class="num">{r["origin_count"]:,}</td>'
                   f'<td class="num">{r["source_count"]:,}</td><td class="langs">{esc(r["original_languages"] or "")}</td>'
                   f'<td class="langs">{esc(r["languages"] or "")}</td><td class="num">{r["mention_count"]:,}</td>'
                   f'<td class="num">{r["restatement_count"]:,}</td></tr>' for r in rows)
    table = ('<table class="profile"><thead><tr><th>role</th><th class="num">origins</th>'
             '<th class="num">sources</th><th>original languages</th><th>published languages</th>'
             f'<th class="num">mentions</th><th class="num">restatements</th></tr></thead><tbody>{body}</tbody></table>')
    return f'<section data-group><h2>By role</h2>{scroll_box(table, "By role")}</section>'


def uses(mentions: int, restatements: int) -> str:
    """How a wording is used, in words: first mentions and restatements apart, never a bare 0."""
    said = [f"{mentions:,} mention{'s' if mentions != 1 else ''}"] if mentions else []
    if restatements:
        said.append(f"{restatements:,} restatement{'s' if restatements != 1 else ''}")
    return ", ".join(said) or "0 mentions"


def _row_item(root: str, row: dict) -> str:
    again = ' <span class="tags">restates</span>' if row["restates"] else ""
    return (f'<li{data_k([(row["lang"], row["source_id"], row["setting"])])}>'
            f'{source_link(root, row["source_id"], row["row_id"], row["source_id"] + " line " + str(row["line"]))}'
            f"{again}</li>")


def _rows_cell(root: str, rows: list[dict], first_row_id: str) -> str:
    """The wording's rows, each a link to its passage: one row as itself; several as the first (the
    passage attested_labels names) and then all of them, folded."""
    items = "".join(_row_item(root, r) for r in rows)
    if len(rows) <= 1:
        return f'<ul class="rows">{items}</ul>' if rows else esc(first_row_id)
    first = next((r for r in rows if r["row_id"] == first_row_id), rows[0])
    where = f'{first["source_id"]} line {first["line"]}'
    return (f'First: {source_link(root, first["source_id"], first["row_id"], where)}'
            f'<details data-rows><summary>all {len(rows):,} rows</summary><ul class="rows">{items}</ul></details>')


WORDINGS_HEAD = ('<thead><tr><th>wording</th><th>in English</th>'
                 '<th title="Rows stating the concept in these words: first mentions, and restatements (a row repeating '
                 'a statement made earlier in the same source) apart">used in</th>'
                 '<th class="num" title="Sources with a row using these words, restatements included">sources</th>'
                 '<th>rows, each linked to its passage</th></tr></thead>')


def wordings(evidence: Evidence, kind: str, ident: str, root: str) -> str:
    """Every attested wording, by language, with how it is used and every row that uses it."""
    labels = evidence.wording_rows(kind, ident)
    statements = evidence.statements_of(kind, ident)
    if not labels:
        return ""
    labels.sort(key=lambda r: (r["lang"], -r["mention_count"], -r["source_count"], r["text"]))
    out, lang = [f'<h2 id="wordings">Wordings in the sources ({len(labels):,})</h2>'], None
    for label in labels:
        if label["lang"] != lang:
            if lang is not None:
                out.append("</tbody></table></div></section>")
            lang = label["lang"]
            name = f"{language_name(lang)} wordings"
            out.append(f'<section data-group><h3>{esc(language_name(lang))} <code>{esc(lang)}</code></h3>'
                       f'<div class="scroll" tabindex="0" role="region" aria-label="{esc(name)}">'
                       f'<table class="wordings">{WORDINGS_HEAD}<tbody>')
        rows = statements.get((label["lang"], label["text"]), [])
        restated = sum(1 for r in rows if r["restates"])
        sources = len({r["source_id"] for r in rows})
        triples = [(r["lang"], r["source_id"], r["setting"]) for r in rows]
        out.append(f'<tr{data_k(triples)}><td class="wording"{lang_attrs(lang)}>{esc(label["text"])}</td>'
                   f'<td>{esc(label["text_en"])}</td><td class="uses">{uses(label["mention_count"], restated)}</td>'
                   f'<td class="num">{sources:,}<span class="unit"> source{"s" if sources != 1 else ""}</span></td>'
                   f'<td>{_rows_cell(root, rows, label["first_row_id"])}</td></tr>')
    out.append("</tbody></table></div></section>")
    return "".join(out)


def page_filters(evidence: Evidence, kind: str, ident: str) -> str:
    triples = {(r["lang"], r["source_id"], r["setting"]) for rows in evidence.statements_of(kind, ident).values()
               for r in rows}
    return filter_form(triples, language_name)


def render_concept(site: Site, catalogue: Catalogue, evidence: Evidence, fields: dict, kind: str, ident: str) -> bytes:
    rel = catalogue.page(kind, ident)
    root = root_of(rel)
    what = catalogue.kinds[kind]
    entry = catalogue.row(kind, ident)
    label = catalogue.label(kind, ident)
    if entry is not None:
        key = what.taxonomy.primary_key[0]
        definition = linked_definition(catalogue, entry.get("definition_en"), root, (kind, ident))
        about = definition + fields_list(entry, fields, {key, "label_en", "definition_en"})
    else:
        about = (f'<p class="definition">A value of <code>{esc(what.field.name)}</code>: '
                 f'{esc(what.field.description)}</p>')
    body = (f'<p class="sub"><a href="{href(root + "concepts/index.html")}#{esc(kind)}">{esc(what.title)}</a> · '
            f'<code>{esc(ident)}</code></p><h1>{esc(label)}</h1>{about}'
            f"{summary(evidence, kind, ident, fields)}{page_filters(evidence, kind, ident)}"
            f"{by_role(evidence, catalogue, kind, ident, root)}{wordings(evidence, kind, ident, root)}")
    return site.page(rel, label, body, section="concepts/index.html")
