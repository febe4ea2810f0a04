"""The few rules every page of the site writes text by, kept in one place so that none can be
forgotten: text from a source may hold any character (`<`, `&`, quotes, `</script>`), and a row id
any character its table allows, so every value goes through one of these on its way into a page.
"""
from __future__ import annotations

import html
import json
from urllib.parse import quote

# Languages written right to left (BCP 47 primary subtags); a text in one of them is laid out with
# dir="rtl" so that its line numbers, punctuation and mixed Latin words fall where a reader expects.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi"})
_FRAGMENT_SAFE = "-._~!$'()*+,;=:@/?"


def esc(value) -> str:
    """Text or attribute value, escaped (quotes included); None is the empty string.

    A carriage return would be turned into a line break by the HTML parser; it is written as a
    character reference so the verbatim text keeps the character it has. A NUL character cannot
    be in an HTML document at all (the parser drops it): it is shown as U+FFFD, the replacement
    character, so the text keeps its length and every later offset its place."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True).replace("\r", "&#13;").replace("\x00", "\ufffd")


def direction(lang: str | None) -> str:
    return "rtl" if (lang or "").split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def lang_attrs(lang: str | None) -> str:
    """lang and dir attributes of an element holding text in `lang`."""
    return f' lang="{esc(lang)}" dir="{direction(lang)}"' if lang else ' dir="auto"'


def fragment(row_id: str) -> str:
    """A row id as a URL fragment: percent-encoded where a fragment may not hold the character as is;
    the browser decodes it back to the element id (which is the row id itself)."""
    return quote(row_id, safe=_FRAGMENT_SAFE)


def href(path: str, row_id: str | None = None) -> str:
    """A relative link (already escaped for an attribute), optionally to a row of the page."""
    target = quote(path, safe="/._-~")
    return esc(target + ("#" + fragment(row_id) if row_id is not None else ""))


def json_script(element_id: str, data) -> str:
    """Data for the page's script, embedded in the page (file:// pages cannot fetch() a file).

    `<`, `>` and `&` are written as JSON escapes, so no text, whatever it holds, can close the
    script element or open a comment inside it; JSON.parse reads the same characters back."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def humanise(name: str) -> str:
    """An identifier as words for people: duty_mentions -> Duty mentions."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def number(value) -> str:
    """A figure as people read it: thousands separated, no trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")


def scroll_box(table: str, label: str) -> str:
    """A wide table in a box of its own that scrolls sideways, so the page never does; the box is a
    named, focusable region, so a keyboard can scroll it too."""
    return f'<div class="scroll" tabindex="0" role="region" aria-label="{esc(label)}">{table}</div>'
