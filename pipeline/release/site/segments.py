"""A source text cut into the pieces a page draws, for quotes that overlap and nest.

Several facts often quote the same or overlapping characters (a title inside a duty, a salary
sentence holding a pay factor). HTML elements cannot overlap, so the text is cut at every boundary
of every quote and of every line: each piece lies inside one line and is covered by the same set of
facts from its first character to its last. A piece then belongs to all the facts covering it, and
a fact is the run of pieces that carry its index. One sweep over the sorted boundaries: linear in
the number of quotes and lines (times the nesting depth, which is small).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    facts: tuple[int, ...]   # indices of the facts covering every character of the piece, ascending
    opens: tuple[int, ...]   # facts whose quote begins here (or on the line break just before it)


def cut(text: str, line_starts: list[int], spans: list[tuple[int, int]]) -> list[list[Piece]]:
    """The pieces of each line (list index = line number - 1); line breaks themselves are not drawn."""
    size = len(text)
    cuts = {0, size}
    for start, end in spans:
        cuts.add(start)
        cuts.add(end)
    for start in line_starts[1:]:
        cuts.add(start - 1)
        cuts.add(start)
    points = sorted(c for c in cuts if 0 <= c <= size)
    by_start = sorted(range(len(spans)), key=lambda i: spans[i][0])
    by_end = sorted(range(len(spans)), key=lambda i: spans[i][1])
    lines: list[list[Piece]] = [[] for _ in line_starts]
    active: set[int] = set()
    pending: list[int] = []
    next_start = next_end = 0
    line = 0
    for a, b in zip(points, points[1:]):
        while next_end < len(by_end) and spans[by_end[next_end]][1] <= a:
            active.discard(by_end[next_end])
            next_end += 1
        while next_start < len(by_start) and spans[by_start[next_start]][0] <= a:
            index = by_start[next_start]
            if spans[index][1] > a:
                active.add(index)
                pending.append(index)
            next_start += 1
        while line + 1 < len(line_starts) and line_starts[line + 1] <= a:
            line += 1
        if text[a:b] == "\n" and line + 1 < len(line_starts) and line_starts[line + 1] == b:
            continue  # the line break: drawn as the end of the line, its quotes open on the next piece
        lines[line].append(Piece(a, b, tuple(sorted(active)), tuple(sorted(pending))))
        pending = []
    return lines
