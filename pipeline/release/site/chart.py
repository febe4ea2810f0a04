"""The salaries side by side: an SVG chart in US dollars a year, by country and career level, with
the same figures as a table beneath it (for screen readers, for copying, for figures the chart
cannot place).

A stated range is a bar from usd_annual_min to usd_annual_max; a single figure is a dot; an open
bound ("or more", "up to") is a dashed line running off to the open side. A figure with no dollar
value (no reference year, so no exchange rate) keeps its row, with its stated amount in words
instead of a bar: the chart never drops a figure silently. Rows that restate another row are the
same figure again and are left out; identical figures of several sources share one row. Drawn in
plain SVG with text labels, so it needs no script and reads as well from file:// as anywhere.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pyarrow as pa

from ...registry.model import Registry
from .markup import esc, href, humanise, number, scroll_box

SALARIES, OPEN_BOUND = "salaries", "open_bound"
UP, DOWN = "up", "down"
WIDTH, LABEL_W, PLOT_W, ROW_H, GROUP_H, TOP = 1000, 330, 470, 26, 30, 34
SHOWN_STATEMENTS = 10
LABEL_CHARS = 42  # what the label column holds at 13px; the full label is in the row's <title>


@dataclass
class Figure:
    """One distinct figure of one country and level, and the rows that state it."""
    key: tuple
    row: dict
    rows: list = field(default_factory=list)


def open_sides(reg: Registry) -> dict[str, str]:
    """Which way each value of open_bound leaves a figure open, read off the salaries rules: the
    value whose rule requires amount_min (the text states the lower figure) is open upwards ("or
    more"); the one requiring amount_max is open downwards ("up to")."""
    sides = {}
    for rule in reg.tables[SALARIES].rules:
        if (rule.kind == "when" and [(c.field, c.op) for c in rule.when] == [(OPEN_BOUND, "eq")]
                and [c.op for c in rule.then] == ["not_null"]):
            side = {"amount_min": UP, "amount_max": DOWN}.get(rule.then[0].field)
            if side:
                sides[rule.when[0].value] = side
    return sides


def _country_name(code: str | None) -> str:
    if code is None:
        return "Country not stated"
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    return f"{found.name} ({code})" if found else code


def _nice_top(value: float) -> tuple[float, float]:
    """An axis end at or above `value`, and a tick step giving about five ticks."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step), step


def _stated(row: dict) -> str:
    """The figure as the source states it: amount(s), currency, period, open side."""
    low, high = row["amount_min"], row["amount_max"]
    if row["open"] == DOWN and low is None:
        amount = f"up to {number(high)}"
    elif low is not None and high is not None and low != high:
        amount = f"{number(low)}–{number(high)}"
    else:
        amount = number(low if low is not None else high)
    if row["open"] == UP:
        amount += " or more"
    return f"{row['currency']} {amount} a {row['period']}"


def _usd(row: dict) -> str:
    low, high = row["usd_annual_min"], row["usd_annual_max"]
    if low is None and high is None:
        return ""
    if row["open"] == DOWN and low is None:
        return f"up to ${number(high)}"
    if low is not None and high is not None and low != high:
        text = f"${number(low)}–{number(high)}"
    else:
        text = f"${number(low if low is not None else high)}"
    return text + (" or more" if row["open"] == UP else "")


class SalaryChart:
    """The figures of the salaries table, grouped by country then career level."""

    def __init__(self, reg: Registry, tables: dict[str, pa.Table], level_labels: dict[str, tuple[int, str]]):
        data = tables[SALARIES]
        opens = open_sides(reg)
        columns = ["salary_id", "source_id", "line", "country", "level_id", "population_en", "statistic", "currency",
                   "period", "amount_min", "amount_max", "open_bound", "usd_annual_min", "usd_annual_max", "fx_basis",
                   "provider", "restates"]
        cols = {c: data.column(c).to_pylist() for c in columns}
        self.levels = level_labels
        figures: dict[tuple, Figure] = {}
        for values in zip(*cols.values()):
            row = dict(zip(columns, values))
            row["open"] = opens.get(row["open_bound"])
            if row["restates"] is not None:
                continue
            key = (row["country"] is None, row["country"] or "", self._rank(row["level_id"]), row["level_id"] or "",
                   row["population_en"] or "", row["statistic"], row["usd_annual_min"] is None and row["usd_annual_max"] is None,
                   row["usd_annual_min"] or 0, row["usd_annual_max"] or 0, row["open_bound"] or "", row["currency"],
                   row["period"], row["amount_min"] or 0, row["amount_max"] or 0)
            figures.setdefault(key, Figure(key, row)).rows.append(row)
        self.figures = [figures[k] for k in sorted(figures)]
        for f in self.figures:
            f.rows.sort(key=lambda r: r["salary_id"])

    def _rank(self, level: str | None) -> int:
        return self.levels[level][0] if level in self.levels else 1_000_000

    def _level(self, row: dict) -> str:
        level = self.levels[row["level_id"]][1] if row["level_id"] in self.levels else "Level not stated"
        return " · ".join(filter(None, (level, row["population_en"], row["statistic"])))

    def svg(self) -> str:
        if not self.figures:
            return '<p class="hint">The release states no salaries.</p>'
        top = max([v for f in self.figures for v in (f.row["usd_annual_min"], f.row["usd_annual_max"]) if v is not None],
                  default=0)
        end, step = _nice_top(top * 1.05)

        def x(value: float) -> float:
            return round(LABEL_W + PLOT_W * value / end, 1)

        parts, y, country = [], TOP, object()
        for f in self.figures:
            row = f.row
            if row["country"] != country:
                country = row["country"]
                y += 6 if y > TOP else 0
                parts.append(f'<text class="group" x="8" y="{y + 18}">{esc(_country_name(country))}</text>')
                y += GROUP_H
            middle = y + ROW_H / 2
            label = self._level(row)
            sources = len({r["source_id"] for r in f.rows})
            parts.append(f'<g><title>{esc(_country_name(country))}: {esc(label)}: {esc(_stated(row))}'
                         f'{" = " + esc(_usd(row)) + " a year" if _usd(row) else " (not converted to US dollars)"}; '
                         f'{len(f.rows)} statement(s), {sources} source(s)</title>')
            short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"
            parts.append(f'<text class="label" x="20" y="{middle + 4}">{esc(short)}</text>')
            low, high = row["usd_annual_min"], row["usd_annual_max"]
            if low is None and high is None:
                parts.append(f'<text class="value" x="{LABEL_W}" y="{middle + 4}">{esc(_stated(row))}: not in US '
                             f'dollars ({esc(row["fx_basis"].replace("_", " "))})</text>')
            else:
                if low is not None and high is not None and low != high:
                    parts.append(f'<rect class="range" x="{x(low)}" y="{middle - 5}" width="{round(x(high) - x(low), 1)}" '
                                 f'height="10" rx="2"/>')
                if row["open"] == UP:
                    start = x(high if high is not None else low)
                    parts.append(f'<line class="open" x1="{start}" y1="{middle}" x2="{LABEL_W + PLOT_W}" y2="{middle}"/>')
                if row["open"] == DOWN:
                    parts.append(f'<line class="open" x1="{LABEL_W}" y1="{middle}" x2="{x(high)}" y2="{middle}"/>')
                if low is None or high is None or low == high:
                    parts.append(f'<circle class="point" cx="{x(low if low is not None else high)}" cy="{middle}" r="5"/>')
                parts.append(f'<text class="value" x="{LABEL_W + PLOT_W + 10}" y="{middle + 4}">{esc(_usd(row))}</text>')
            parts.append("</g>")
            y += ROW_H
        height = y + 10
        grid = []
        tick = 0.0
        while tick <= end + 1e-9:
            grid.append(f'<line class="grid" x1="{x(tick)}" y1="{TOP - 6}" x2="{x(tick)}" y2="{height - 10}"/>'
                        f'<text class="axis" x="{x(tick)}" y="{TOP - 12}" text-anchor="middle">${number(round(tick))}</text>')
            tick += step
        return (f'<figure class="chart"><div class="scroll" tabindex="0" role="region" aria-label="Salary chart">'
                f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="salary-title" '
                f'xmlns="http://www.w3.org/2000/svg"><title id="salary-title">Salaries stated by the sources, in US dollars '
                f'a year, by country and career level; the same figures are in the table below.</title>'
                f'{"".join(grid)}{"".join(parts)}</svg></div><figcaption>Bars are stated ranges, dots single figures, '
                'dashed lines open bounds ("or more", "up to"). Figures in other currencies without a reference year '
                'have no dollar value and are written out instead. Restated figures are left out.</figcaption></figure>')

    def table(self, root: str) -> str:
        """The same figures as a table, each with links to the passages that state it."""
        body = []
        for f in self.figures:
            row = f.row
            links = ", ".join(f'<a href="{href(root + "sources/" + r["source_id"] + ".html", r["salary_id"])}">'
                              f'{esc(r["source_id"])} line {r["line"]}</a>' for r in f.rows[:SHOWN_STATEMENTS])
            more = len(f.rows) - SHOWN_STATEMENTS
            links += f" and {more:,} more" if more > 0 else ""
            body.append(f"<tr><td>{esc(_country_name(row['country']))}</td><td>{esc(self._level(row))}</td>"
                        f"<td>{esc(_stated(row))}</td><td class=\"num\">{esc(_usd(row)) or '—'}</td>"
                        f"<td>{esc(humanise(row['fx_basis']))}</td><td>{esc(row['provider'] or '')}</td>"
                        f"<td>{links}</td></tr>")
        return scroll_box('<table class="salaries"><caption class="hint">The salary figures, one row per '
                          'distinct figure</caption><thead><tr><th>country</th><th>level, statistic</th><th>as stated</th>'
                          '<th class="num">US dollars a year</th><th>exchange rate</th><th>provider</th><th>stated in</th>'
                          f'</tr></thead><tbody>{"".join(body)}</tbody></table>', "Salary figures")
