"""The site's style sheet and script (assets/), with one colour per fact table.

The colours are given to the fact tables in registry order from ColorBrewer's Set3, twelve pale
colours made to sit under dark text and to be told apart; a thirteenth table starts the list again
with a darker edge, so a new table never goes without a colour.
"""
from __future__ import annotations

from pathlib import Path

from ...registry.model import Registry

STATIC = Path(__file__).parent / "static"
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
           "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#e5c494")


def colours(reg: Registry) -> dict[str, str]:
    return {t.name: PALETTE[i % len(PALETTE)] for i, t in enumerate(reg.fact_tables())}


def assets(reg: Registry) -> list[tuple[str, bytes]]:
    rules = []
    for i, (name, colour) in enumerate(colours(reg).items()):
        edge = ";border-bottom:2px solid #555" if i >= len(PALETTE) else ""
        rules.append(f".t-{name}{{background-color:{colour}{edge}}}")
    css = (STATIC / "site.css").read_text(encoding="utf-8") + "/* one colour per fact table */\n" + "\n".join(rules) + "\n"
    return [("assets/site.css", css.encode("utf-8")), ("assets/site.js", (STATIC / "site.js").read_bytes())]
