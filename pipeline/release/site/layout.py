"""The frame every page shares: skip link, header with navigation and search, footer with the
downloads and how to cite; links relative to the page's depth.

Every link is relative, so the site works wherever the release is unpacked, from file:// or any
web server; the style sheet and the scripts are files of the site (assets/), so no page asks any
other host for anything. The search box is a plain form that opens search.html?q=... (a file://
page may read its own query string), so it works on every page without loading the index there.
The downloads are the release's own files, one folder up from site/.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..dcat import NAME as DCAT_RECORD
from .markup import esc

NAV = (("index.html", "Overview"), ("sources/index.html", "Sources"), ("concepts/index.html", "Concepts"),
       ("roles/index.html", "Roles"))
SEARCH_PAGE, CITE_PAGE = "search.html", "cite.html"
SEARCH_BOX = "site-q"


def downloads(name: str) -> tuple[tuple[str, str, str], ...]:
    """The release's files a reader downloads, as (path in the release, name, what it holds)."""
    return (
        ("csv/", "CSV", "one UTF-8 file per table (RFC 4180)"),
        ("parquet/", "Parquet", "one typed file per table, for pandas, Polars, DuckDB, R, Spark"),
        (f"{name}.sqlite", "SQLite", "every table in one database with its keys and checks, for SQL and Datasette"),
        (f"{name}.xlsx", "Workbook", "every table as a sheet, for a spreadsheet"),
        ("annotations.jsonld", "Annotations", "every fact anchored on its quote (W3C Web Annotation)"),
        ("taxonomy.ttl", "SKOS taxonomy", "the roles, duties, skills, tools and metrics as a SKOS concept scheme (Turtle)"),
        (DCAT_RECORD, "DCAT record", "the catalogue record: every file with its size and checksum (Turtle)"),
    )


@dataclass(frozen=True)
class Site:
    """What every page says about the release it belongs to."""
    title: str
    version: str
    name: str  # the release's file stem: <name>.sqlite, <name>.xlsx

    def page(self, rel: str, title: str, body: str, data: str = "", section: str = "",
             scripts: tuple[str, ...] = ()) -> bytes:
        """A whole page at site-relative path `rel`; `data` is its embedded JSON, if it has one, and
        `scripts` the site's scripts (assets/) it needs before site.js."""
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
            '<a class="skip" href="#main">Skip to the content</a>',
            f'<header class="site"><a class="brand" href="{esc(root)}index.html">{esc(self.title)}</a> '
            f'<span class="version">{esc(self.version)}</span><nav aria-label="Site">{nav}</nav>'
            f'{self._search(root)}</header>',
            f'<main id="main">{body}</main>',
            self._footer(root),
        ]
        if data:
            parts.append(data)
        parts += [f'<script src="{esc(root)}assets/{esc(name)}"></script>' for name in scripts]
        parts += [f'<script src="{esc(root)}assets/site.js"></script>', "</body></html>"]
        return ("\n".join(parts) + "\n").encode("utf-8")

    @staticmethod
    def _search(root: str) -> str:
        return (f'<form class="search" role="search" action="{esc(root)}{SEARCH_PAGE}" method="get">'
                f'<label class="vh" for="{SEARCH_BOX}">Search wordings, concepts and sources</label>'
                f'<input id="{SEARCH_BOX}" name="q" type="search" placeholder="Search wordings, concepts, sources" '
                'autocomplete="off" spellcheck="false" dir="auto"><button type="submit">Search</button></form>')

    def _footer(self, root: str) -> str:
        up = root + "../"
        files = " · ".join(f'<a href="{esc(up + path)}" title="{esc(what)}">{esc(name)}</a>'
                           for path, name, what in downloads(self.name))
        return (f'<footer class="site"><nav aria-label="Downloads"><strong>Download</strong> {files} · '
                f'<a href="{esc(root)}{CITE_PAGE}#files">every file</a></nav>'
                f'<p><a href="{esc(root)}{CITE_PAGE}">How to cite</a> version {esc(self.version)} · drawn from the '
                f'tables of this release: <a href="{esc(up)}DATA_DICTIONARY.md">data dictionary</a> · '
                f'<a href="{esc(up)}validation/index.html">validation report</a></p></footer>')
