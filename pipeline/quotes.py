"""Finding a curator's quote in its raw text, deterministically.

A quote that occurs once is placed there. A quote that occurs more than once must say which
occurrence by the line it starts on and, when it occurs more than once on that line (a table row
repeating a cell), by its `occurrence` on the line; we never guess. A quote that is not there
gets the nearest passage of the text as a hint (rapidfuzz), so a typo is fixed in seconds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from .load_sources import Source


@dataclass(frozen=True)
class Located:
    start: int
    end: int
    line: int


class QuoteError(Exception):
    pass


def occurrences(text: str, quote: str) -> list[int]:
    return [m.start() for m in re.finditer(f"(?={re.escape(quote)})", text)]


def nearest(source: Source, quote: str) -> str:
    """The passage of the source most like `quote`, with its line, for an error message."""
    best = (0.0, 0, "")
    for number, line in enumerate(source.lines, start=1):
        if not line.strip():
            continue
        hit = fuzz.partial_ratio_alignment(quote, line, score_cutoff=best[0])
        if hit and hit.score > best[0]:
            best = (hit.score, number, line[hit.dest_start:hit.dest_end])
    score, number, passage = best
    if not passage:
        return "no similar passage in the text"
    return f"nearest passage, line {number} ({score:.0f}% similar): {passage.strip()!r}"


def locate(source: Source, quote: str, line: int | None = None, occurrence: int | None = None) -> Located:
    if not quote:
        raise QuoteError("empty quote; copy the exact words of the source")
    found = occurrences(source.text, quote)
    if not found:
        raise QuoteError(f"quote not found in {source.raw_path.name}: {quote!r}; {nearest(source, quote)}")
    if line is not None:
        at_line = [s for s in found if source.line_of(s) == line]
        if not at_line:
            lines = sorted({source.line_of(s) for s in found})
            raise QuoteError(f"quote does not start on line {line}; it starts on line(s) {lines}")
        if occurrence is not None:
            if not 1 <= occurrence <= len(at_line):
                raise QuoteError(f"occurrence {occurrence} does not exist: the quote occurs {len(at_line)} time(s) on line {line}")
            at_line = [at_line[occurrence - 1]]
        if len(at_line) > 1:
            raise QuoteError(f"quote occurs {len(at_line)} times on line {line}; add `occurrence: <n>` "
                             f"(1 to {len(at_line)}, counted from the start of the line) to say which one")
        found = at_line
    elif occurrence is not None:
        raise QuoteError("occurrence counts on a line: give `line: <n>` with it")
    elif len(found) > 1:
        lines = [source.line_of(s) for s in found]
        raise QuoteError(f"quote occurs {len(found)} times (lines {lines}); add `line: <n>` to say which occurrence")
    start = found[0]
    return Located(start, start + len(quote), source.line_of(start))
