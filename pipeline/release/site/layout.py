"""The frame every page shares: head, navigation, footer; links relative to the page's depth.

Every link is relative, so the site works wherever the release is unpacked, from file:// or any
web server; the one style sheet and the one script are files of the site (assets/), so no page
asks any other host for anything.
"""
from __future__ import annotations

from dataclasses import dataclass

from .markup import esc

NAV = (("index.html", "Overview"), ("sources/index.html", "Sources"), ("concepts/index.html", "Concepts"),
       ("roles/index.html", "Roles"))


@dataclass(frozen=True)
class Site:
    """What every page says about the release it belongs to."""
    title: str
    version: str

    def page(self, rel: str, title: str, body: str, data: str = "", section: str = "") -> bytes:
        """A whole page at site-relative path `rel`; `data` is its embedded JSON, if it has one."""
        root = "../" * rel.count("/")
        current = ' aria-current="page"'
        nav = "".join(f'<a href="{esc(root + path)}"{current if path == section else ""}>{esc(name)}</a>'
                      for path, name in NAV)
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)} · {esc(self.title)}</title>",
            f'<link rel="stylesheet" href="{esc(root)}assets/site.css">',
            "</head><body>",
            f'<header class="site"><a class="brand" href="{esc(root)}index.html">{esc(self.title)}</a> '
            f'<span class="version">{esc(self.version)}</span><nav aria-label="Site">{nav}</nav></header>',
            f"<main>{body}</main>",
            f'<footer class="site">Drawn from the tables of this release: '
            f'<a href="{esc(root)}../DATA_DICTIONARY.md">data dictionary</a> · '
            f'<a href="{esc(root)}../validation/index.html">validation report</a></footer>',
        ]
        if data:
            parts += [data, f'<script src="{esc(root)}assets/site.js"></script>']
        parts.append("</body></html>")
        return ("\n".join(parts) + "\n").encode("utf-8")
