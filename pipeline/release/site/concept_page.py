"""One page per canonical concept (concepts/<kind>/<id>.html), and the parts role pages share.

A concept page says what the concept is (its taxonomy entry, or for a value of a typed column the
field's description), how much evidence there is for it (concept_evidence: sources out of the
sample, languages, mentions, restatements), for which roles (role_profiles), and every wording the
sources use for it in every language (attested_labels), each linked to the passage that first uses
it and to every other row that uses it.
"""
from __future__ import annotations

from .concepts import ROLE_KIND, Catalogue
from .evidence import Evidence
from .layout import Site
from .markup import esc, href, humanise, lang_attrs, number

HIDDEN = {"concept_type", "concept_id", "concept_label_en", "role_id"}


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


def by_role(evidence: Evidence, catalogue: Catalogue, kind: str, ident: str, root: str) -> str:
    rows = evidence.profile_rows(kind, ident)
    if not rows:
        return ""
    rows.sort(key=lambda r: (-r["source_count"], -r["mention_count"], r["role_id"]))
    body = "".join(f'<tr><td><a href="{href(root + catalogue.page(ROLE_KIND, r["role_id"]))}">'
                   f'{esc(catalogue.label(ROLE_KIND, r["role_id"]))}</a></td><td class="num">{r["origin_count"]:,}</td>'
                   f'<td class="num">{r["source_count"]:,}</td><td class="langs">{esc(r["original_languages"] or "")}</td>'
                   f'<td class="langs">{esc(r["languages"] or "")}</td><td class="num">{r["mention_count"]:,}</td>'
                   f'<td class="num">{r["restatement_count"]:,}</td></tr>' for r in rows)
    return ('<h2>By role</h2><table class="profile"><thead><tr><th>role</th><th class="num">origins</th>'
            '<th class="num">sources</th><th>original languages</th><th>published languages</th>'
            f'<th class="num">mentions</th><th class="num">restatements</th></tr></thead><tbody>{body}</tbody></table>')


def _every(rows: list[dict], items: str) -> str:
    if len(rows) <= 1:
        return '<span class="hint">only the first</span>'
    return f"<details><summary>{len(rows):,} rows</summary><ul>{items}</ul></details>"


def wordings(evidence: Evidence, kind: str, ident: str, root: str) -> str:
    """Every attested wording, by language, with its first passage and every row that uses it."""
    labels = evidence.wording_rows(kind, ident)
    statements = evidence.statements_of(kind, ident)
    if not labels:
        return ""
    labels.sort(key=lambda r: (r["lang"], -r["mention_count"], -r["source_count"], r["text"]))
    out, lang = [f"<h2>Wordings in the sources ({len(labels):,})</h2>"], None
    for label in labels:
        if label["lang"] != lang:
            if lang is not None:
                out.append("</tbody></table></div>")
            lang = label["lang"]
            out.append(f'<h3>{esc(language_name(lang))} <code>{esc(lang)}</code></h3><div class="scroll">'
                       '<table class="wordings"><thead><tr><th>wording</th><th>English</th><th class="num">mentions</th>'
                       '<th class="num">sources</th><th>first passage</th><th>every row</th></tr></thead><tbody>')
        rows = statements.get((label["lang"], label["text"]), [])
        first = next((r for r in rows if r["row_id"] == label["first_row_id"]), None)
        first_link = (source_link(root, first["source_id"], first["row_id"], f'{first["source_id"]} line {first["line"]}')
                      if first else esc(label["first_row_id"]))
        every = "".join(f'<li>{source_link(root, r["source_id"], r["row_id"], r["source_id"] + " line " + str(r["line"]))}'
                        f'{" (restates)" if r["restates"] else ""}</li>' for r in rows)
        out.append(f'<tr><td class="wording"{lang_attrs(lang)}>{esc(label["text"])}</td><td>{esc(label["text_en"])}</td>'
                   f'<td class="num">{label["mention_count"]:,}</td><td class="num">{label["source_count"]:,}</td>'
                   f'<td>{first_link}</td><td>{_every(rows, every)}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


def render_concept(site: Site, catalogue: Catalogue, evidence: Evidence, fields: dict, kind: str, ident: str) -> bytes:
    rel = catalogue.page(kind, ident)
    root = root_of(rel)
    what = catalogue.kinds[kind]
    entry = catalogue.row(kind, ident)
    label = catalogue.label(kind, ident)
    if entry is not None:
        key = what.taxonomy.primary_key[0]
        definition = f'<p class="definition">{esc(entry.get("definition_en"))}</p>' if entry.get("definition_en") else ""
        about = definition + fields_list(entry, fields, {key, "label_en", "definition_en"})
    else:
        about = (f'<p class="definition">A value of <code>{esc(what.field.name)}</code>: '
                 f'{esc(what.field.description)}</p>')
    body = (f'<p class="sub"><a href="{href(root + "concepts/index.html")}#{esc(kind)}">{esc(what.title)}</a> · '
            f'<code>{esc(ident)}</code></p><h1>{esc(label)}</h1>{about}'
            f"{summary(evidence, kind, ident, fields)}{by_role(evidence, catalogue, kind, ident, root)}"
            f"{wordings(evidence, kind, ident, root)}")
    return site.page(rel, label, body, section="concepts/index.html")
