"""The filters of concept and role pages: which rows of the page to show, by language, source and setting.

A page embeds no data for them: every filterable element (a wording's table row, each fact row it
lists, a row of a profile) carries `data-k`, the distinct (language, source, setting) triples of the
fact rows behind it, and the form offers exactly the values the page holds. The page's script
(site.js) shows an element when one of its triples matches every chosen value. Without the script
the form stays hidden and every row is shown.
"""
from __future__ import annotations

from collections.abc import Iterable

from .markup import esc, humanise

Triple = tuple[str, str, str]  # (lang, source_id, setting), as evidence.STATED orders them
FILTERS = (("lang", "Language"), ("source", "Source"), ("setting", "Setting"))


def data_k(triples: Iterable[Triple]) -> str:
    """The attribute naming an element's triples (none of their values holds a space or a ';')."""
    return f' data-k="{esc(";".join(" ".join(t) for t in sorted(set(triples))))}"'


def filter_form(triples: Iterable[Triple], language_name) -> str:
    """The form, offering each language, source and setting that some row of the page is stated in."""
    triples = set(triples)
    if not triples:
        return ""
    names = (language_name, str, humanise)
    selects = []
    for position, (key, title) in enumerate(FILTERS):
        values = sorted({t[position] for t in triples})
        options = "".join(f'<option value="{esc(v)}">{esc(names[position](v))}</option>' for v in values)
        selects.append(f'<label>{esc(title)} <select data-filter="{key}"><option value="">all ({len(values):,})</option>'
                       f"{options}</select></label>")
    return ('<form class="filters" aria-label="Filter the rows of this page">'
            f'<strong>Show rows stated in</strong> {"".join(selects)}<output aria-live="polite"></output></form>')
