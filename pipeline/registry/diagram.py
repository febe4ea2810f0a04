"""How the tables join, drawn from the registry: every table with its keys, and a line for every
foreign key. Two renderings of one picture: Mermaid (an `erDiagram` block, which GitHub and most
Markdown viewers draw) for the data dictionary, and an SVG for the site, laid out here in Python so
that it needs no external tool and the same registry gives the same bytes.

The SVG puts the tables others refer to (sources, roles, the taxonomies) in a middle column and the
tables that refer to them on both sides; each foreign key leaves its row in the box, runs to a lane
of its own colour between the columns (one lane per referenced table, shared by every key that
names it), and enters the referenced table at its key. A table that refers to its own rows
(`restates`) has a loop on its outer side.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from .model import ForeignKey, Registry, Table

# --- Mermaid --------------------------------------------------------------------------------------


def _keys(table: Table) -> list[tuple[str, str]]:
    """(marker, column) for every key column of a table, in column order: PK, FK or both."""
    references = {fk.field for fk in table.foreign_keys}
    out = []
    for name in table.columns:
        marks = [m for m, on in (("PK", name in table.primary_key), ("FK", name in references)) if on]
        if marks:
            out.append((",".join(marks), name))
    return out


def mermaid(reg: Registry, required: dict[str, frozenset[str]]) -> str:
    """An erDiagram of every table (its key columns) and every foreign key; `required` names, per
    table, the columns never empty (a reference that is never empty is drawn as exactly one)."""
    lines = ["erDiagram"]
    for table in reg.tables.values():
        lines.append(f"    {table.name} {{")
        for marks, name in _keys(table):
            marks = ", ".join(marks.split(","))
            lines.append(f"        {table.field(name).type.name} {name} {marks}")
        lines.append("    }")
    for table in reg.tables.values():
        for fk in table.foreign_keys:
            one = "||" if fk.field in required.get(table.name, frozenset()) else "|o"
            lines.append(f'    {fk.table} {one}--o{{ {table.name} : "{fk.field}"')
    return "\n".join(lines)


# --- SVG ------------------------------------------------------------------------------------------

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
CHAR = 7.3           # px: width of one character of the 12 px monospace font
HEAD_CHAR = 8.0      # px: of the 13 px bold table name
HEAD, ROW, PAD = 24, 18, 8
GAP = 14             # between boxes of a column
LANE = 12            # between lanes
MARGIN = 20
TOP = 74             # room for the title and the legend
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")


@dataclass
class Box:
    table: Table
    rows: list[tuple[str, str, str]]  # (marker, column, what it refers to)
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    side: str = "centre"
    lines: dict[str, int] = field(default_factory=dict)  # column -> row number

    @property
    def height(self) -> float:
        return HEAD + ROW * max(1, len(self.rows)) + PAD

    def row_y(self, column: str) -> float:
        return self.y + HEAD + ROW * self.lines[column] + ROW / 2 + 2


def _box(table: Table) -> Box:
    targets = {fk.field: fk.table for fk in table.foreign_keys}
    rows = [(marks, name, targets.get(name, "")) for marks, name in _keys(table)]
    widest = max([len(table.name) * HEAD_CHAR / CHAR] + [6 + len(n) + (len(t) + 3 if t else 0) for _, n, t in rows])
    return Box(table, rows, width=round(widest * CHAR + 2 * PAD), lines={n: i for i, (_, n, _) in enumerate(rows)})


def _stack(boxes: list[Box], top: float) -> float:
    y = top
    for b in boxes:
        b.y = y
        y += b.height + GAP
    return y - GAP


def _split(boxes: list[Box]) -> tuple[list[Box], list[Box]]:
    """Two runs of the tables in registry order, of about the same height."""
    total = sum(b.height + GAP for b in boxes)
    left, height = [], 0.0
    for b in boxes:
        if height + (b.height + GAP) / 2 > total / 2:
            break
        left.append(b)
        height += b.height + GAP
    return left, boxes[len(left):]


def _place_centre(centre: list[Box], referrers: dict[str, list[float]], top: float, bottom: float) -> None:
    """Each referenced table near the rows that refer to it (in the order of their mean height),
    without overlapping, within the height of the side columns."""
    def wanted(b: Box) -> float:
        ys = referrers.get(b.table.name)
        return sum(ys) / len(ys) - (b.row_y(b.table.primary_key[0]) - b.y) if ys else float("inf")

    linked = sorted((b for b in centre if b.table.name in referrers), key=lambda b: (wanted(b), b.table.name))
    alone = [b for b in centre if b.table.name not in referrers]
    y = top
    for b in linked:
        b.y = max(y, wanted(b))
        y = b.y + b.height + GAP
    limit = max(bottom - sum(b.height + GAP for b in alone), top)
    for b in reversed(linked):  # pulled back up where the column would run past the sides
        if b.y + b.height > limit:
            b.y = max(top, limit - b.height)
        limit = b.y - GAP
    _stack(alone, max([top] + [b.y + b.height + GAP for b in linked]))


def _text(x: float, y: float, text: str, **attrs) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(text)}</text>'


def _draw_box(b: Box) -> list[str]:
    out = [f'<g class="table" id="table-{escape(b.table.name)}"><title>{escape(b.table.name)}: {escape(b.table.description)}</title>',
           f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.width:g}" height="{b.height:g}" rx="4" fill="#ffffff" stroke="#5b6578"/>',
           f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.width:g}" height="{HEAD}" rx="4" fill="#1d2330"/>',
           _text(b.x + PAD, b.y + 16.5, b.table.name, fill="#ffffff", font_weight="bold", font_size="13")]
    for i, (marks, name, target) in enumerate(b.rows):
        y = b.y + HEAD + ROW * i + ROW / 2 + 6
        out.append(_text(b.x + PAD, y, marks.replace(",", " "), fill="#8a6d00" if "PK" in marks else "#5b6578", font_size="10"))
        out.append(_text(b.x + PAD + 6 * CHAR, y, name, fill="#1d2330"))
        if target:
            out.append(_text(b.x + PAD + (7 + len(name)) * CHAR, y, f"→ {target}", fill="#7a8394", font_size="11"))
    if not b.rows:
        out.append(_text(b.x + PAD, b.y + HEAD + ROW / 2 + 6, "(no keys)", fill="#7a8394"))
    out.append("</g>")
    return out


def _arrow(x: float, y: float, pointing: int, colour: str) -> str:
    """A small arrowhead whose tip is at (x, y), pointing right (1) or left (-1)."""
    return (f'<path d="M{x:g} {y:g} l{-7 * pointing:g} -4 v8 z" fill="{colour}"/>')


def svg(reg: Registry) -> bytes:
    """The diagram as a standalone SVG file."""
    boxes = {name: _box(t) for name, t in reg.tables.items()}
    referenced = {fk.table for t in reg.tables.values() for fk in t.foreign_keys if fk.table != t.name}
    isolated = {n for n, t in reg.tables.items() if n not in referenced and not any(fk.table != n for fk in t.foreign_keys)}
    centre = [boxes[n] for n in reg.tables if n in referenced] + [boxes[n] for n in reg.tables if n in isolated]
    left, right = _split([boxes[n] for n in reg.tables if n not in referenced and n not in isolated])
    bottom = max(_stack(left, TOP), _stack(right, TOP))
    for side, column in (("left", left), ("right", right)):
        for b in column:
            b.side = side
    # Which side each reference leaves from, and the heights it leaves at.
    edges: list[tuple[Box, ForeignKey]] = [(b, fk) for b in [*left, *centre, *right] for fk in b.table.foreign_keys
                                           if fk.table != b.table.name]
    referrers: dict[str, list[float]] = {}
    for b, fk in edges:
        if b.side != "centre":
            referrers.setdefault(fk.table, []).append(b.row_y(fk.field))
    _place_centre(centre, referrers, TOP, bottom)
    bottom = max([bottom] + [b.y + b.height for b in centre])
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(n for n in reg.tables if n in referenced)}
    lanes: dict[str, dict[str, float]] = {"left": {}, "right": {}}
    widths = {side: max([b.width for b in column], default=0) for side, column in (("left", left), ("right", right))}
    centre_width = max(b.width for b in centre)
    for side in ("left", "right"):
        used = [fk.table for b, fk in edges if (b.side if b.side != "centre" else "right") == side]
        order = sorted(dict.fromkeys(used), key=lambda n: (-used.count(n), n))  # busiest next to the referring tables
        for i, name in enumerate(order):
            lanes[side][name] = i
    channel = {side: 2 * 22 + LANE * max(0, len(lanes[side]) - 1) for side in lanes}
    left_x = MARGIN + 16
    centre_x = left_x + widths["left"] + channel["left"]
    right_x = centre_x + centre_width + channel["right"]
    for column, x, w in ((left, left_x, widths["left"]), (centre, centre_x, centre_width), (right, right_x, widths["right"])):
        for b in column:
            b.x, b.width = x, w
    width = right_x + widths["right"] + 16 + MARGIN
    height = bottom + MARGIN + 16

    def lane_x(side: str, target: str) -> float:
        i = lanes[side][target]
        return (centre_x - 22 - LANE * i) if side == "left" else (centre_x + centre_width + 22 + LANE * i)

    lines, heads, dots = [], {}, []
    for b, fk in edges:
        side = b.side if b.side != "centre" else "right"
        target = boxes[fk.table]
        colour = colours[fk.table]
        start_x = b.x + b.width if side == "left" else b.x
        if b.side == "centre":
            start_x = b.x + b.width
        x = lane_x(side, fk.table)
        end_x = target.x if side == "left" else target.x + target.width
        y0, y1 = b.row_y(fk.field), target.row_y(target.table.primary_key[0])
        lines.append(f'<path d="M{start_x:g} {y0:g} H{x:g} V{y1:g} H{end_x:g}" fill="none" stroke="{colour}" '
                     f'stroke-width="1.6"><title>{escape(b.table.name)}.{escape(fk.field)} → {escape(fk.table)}.'
                     f'{escape(fk.target)}</title></path>')
        dots.append(f'<circle cx="{start_x:g}" cy="{y0:g}" r="2.6" fill="{colour}"/>')
        heads[(side, fk.table)] = _arrow(end_x, y1, 1 if side == "left" else -1, colour)
    loops = []
    for b in [*left, *centre, *right]:
        for fk in b.table.foreign_keys:
            if fk.table != b.table.name:
                continue
            outer = -1 if b.side == "left" else 1
            edge = b.x if outer < 0 else b.x + b.width
            y0, y1 = b.row_y(fk.field), b.row_y(fk.target)
            loops.append(f'<path d="M{edge:g} {y0:g} h{12 * outer:g} V{y1:g} H{edge + 7 * outer:g}" fill="none" '
                         f'stroke="#7a8394" stroke-width="1.3"><title>{escape(b.table.name)}.{escape(fk.field)} → '
                         f'{escape(b.table.name)}.{escape(fk.target)} (a row it states again)</title></path>')
            loops.append(_arrow(edge, y1, -outer, "#7a8394"))
    described = "; ".join(f"{b.table.name}.{fk.field} refers to {fk.table}.{fk.target}"
                          for b in boxes.values() for fk in b.table.foreign_keys)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
           f'font-family="{FONT}" font-size="12" role="img" aria-labelledby="schema-title schema-desc">',
           '<title id="schema-title">How the tables join</title>',
           f'<desc id="schema-desc">{escape(described)}.</desc>',
           f'<rect width="{width:g}" height="{height:g}" fill="#f7f8fa"/>',
           _text(MARGIN, 26, "How the tables join", font_size="17", font_weight="bold", fill="#1d2330"),
           _text(MARGIN, 44, "PK: the table's primary key. FK: a column that names a row of another table; its line runs",
                 fill="#4a5468", font_size="11"),
           _text(MARGIN, 58, "to the key it names, in one colour per table named. A loop: a row that restates another row of its table.",
                 fill="#4a5468", font_size="11")]
    out += lines + sorted(set(dots)) + [heads[k] for k in sorted(heads)] + loops
    for b in [*left, *centre, *right]:
        out += _draw_box(b)
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode("utf-8")
