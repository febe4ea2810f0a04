"""Finding a curator's quote in its raw text, deterministically.

A quote that occurs once is placed there. A quote that occurs more than once must say which
occurrence by the line it starts on and, when it occurs more than once on that line (a table row
repeating a cell), by its `occurrence` on the line; we never guess. A quote that is not there
gets the nearest passage of the text as a hint (rapidfuzz), so a typo is fixed in seconds.

Only what is needed is searched: a quote written without a line is looked for twice (is it there,
is it there again), one with a line only within that line, so placing a quote costs a scan of the
text at C speed, never a list of every occurrence.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from .sources import Source


@dataclass(frozen=True)
class Located:
    start: int
    end: int
    line: int


class QuoteError(Exception):
    pass


def _all(text: str, quote: str, start: int = 0, before: int | None = None) -> list[int]:
    """Every start of `quote` in text[start:] that begins before `before` (overlaps included)."""
    found, at = [], text.find(quote, start)
    while at >= 0 and (before is None or at < before):
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def normalization(text: str, quote: str) -> str | None:
    """Why a quote that reads like the text is still not found in it: the same letters written in
    another Unicode normalization form (an accented or Arabic letter composed in one, decomposed in
    the other), which looks identical on screen."""
    for form in ("NFC", "NFD", "NFKC"):
        if unicodedata.normalize(form, quote) in unicodedata.normalize(form, text):
            quoted = next((f for f in ("NFC", "NFD") if unicodedata.is_normalized(f, quote)), "neither NFC nor NFD")
            written = next((f for f in ("NFC", "NFD") if unicodedata.is_normalized(f, text)), "a mix of forms")
            return (f"the quote is the text's words in another Unicode normalization form (the quote is {quoted}, the "
                    f"source is {written}), which looks the same on screen; copy the words from the source file "
                    "itself (or convert the quote to the source's form)")
    return None


def _not_found(source: Source, quote: str) -> QuoteError:
    why = normalization(source.text, quote) or nearest(source, quote)
    return QuoteError(f"quote not found in {source.raw_path.rsplit('/', 1)[-1]}: {quote!r}; {why}")


def nearest(source: Source, quote: str) -> str:
    """The passage of the source most like `quote`, with its line, for an error message."""
    best = (0.0, 0, "")
    probe = quote[:2000]
    for number in range(1, source.line_count + 1):
        line = source.line_text(number)
        if not line.strip():
            continue
        hit = fuzz.partial_ratio_alignment(probe, line, score_cutoff=best[0])
        if hit and hit.score > best[0]:
            best = (hit.score, number, line[hit.dest_start:hit.dest_end])
    score, number, passage = best
    if not passage:
        return "no similar passage in the text"
    shown = passage.strip()
    shown = shown if len(shown) <= 200 else shown[:197] + "..."
    return f"nearest passage, line {number} ({score:.0f}% similar): {shown!r}"


def locate(source: Source, quote: str, line: int | None = None, occurrence: int | None = None) -> Located:
    text = source.text
    if not quote:
        raise QuoteError("empty quote; copy the exact words of the source")
    if line is not None:
        if not 1 <= line <= source.line_count:
            raise QuoteError(f"line {line} is outside 1-{source.line_count}, the lines of {source.raw_path.rsplit('/', 1)[-1]}")
        line_start = source.line_starts[line - 1]
        line_end = source.line_starts[line] if line < source.line_count else len(text) + 1
        at_line = _all(text, quote, line_start, line_end)
        if not at_line:
            everywhere = _all(text, quote)
            if not everywhere:
                raise _not_found(source, quote)
            lines = sorted({source.line_of(s) for s in everywhere})
            raise QuoteError(f"quote does not start on line {line}; it starts on line(s) {lines}")
        if occurrence is not None:
            if not 1 <= occurrence <= len(at_line):
                raise QuoteError(f"occurrence {occurrence} does not exist: the quote occurs {len(at_line)} time(s) on line {line}")
            at_line = [at_line[occurrence - 1]]
        if len(at_line) > 1:
            raise QuoteError(f"quote occurs {len(at_line)} times on line {line}; add `occurrence: <n>` "
                             f"(1 to {len(at_line)}, counted from the start of the line) to say which one")
        start = at_line[0]
        return Located(start, start + len(quote), line)
    if occurrence is not None:
        raise QuoteError("occurrence counts on a line: give `line: <n>` with it")
    start = text.find(quote)
    if start < 0:
        raise _not_found(source, quote)
    if text.find(quote, start + 1) >= 0:
        lines = [source.line_of(s) for s in _all(text, quote)]
        shown = lines if len(lines) <= 20 else lines[:20] + ["..."]
        raise QuoteError(f"quote occurs {len(lines)} times (lines {shown}); add `line: <n>` to say which occurrence")
    return Located(start, start + len(quote), source.line_of(start))
