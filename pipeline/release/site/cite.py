"""The page every footer links to (cite.html): how to cite the release, and every file it holds.

The citation is read from the release's own CITATION.cff (the file the build copies beside the
data), so the site, the file and GitHub's "Cite this repository" can never say different things:
plain text to paste into a reference list and a BibTeX entry, each with the version. The files are
listed with what each holds, the tables one by one with their CSV and Parquet files.
"""
from __future__ import annotations

import re

import yaml

from ...registry.model import Registry
from .layout import CITE_PAGE, Site, downloads
from .markup import esc, href, scroll_box

CITATION = "CITATION.cff"
# Files of the release beside the downloads every footer names, as (path, name, what it holds).
DESCRIPTIONS = (
    ("DATA_DICTIONARY.md", "Data dictionary", "every table and column, its type, constraints and meaning"),
    ("datapackage.json", "Frictionless data package", "the CSV files described for Frictionless tools, with checksums"),
    ("croissant.json", "Croissant", "the Parquet files described for machine-learning tools (MLCommons Croissant)"),
    ("taxonomy.jsonld", "SKOS taxonomy (JSON-LD)", "the concept scheme of taxonomy.ttl as JSON-LD"),
    ("datasette/metadata.json", "Datasette metadata", "titles and column descriptions for `datasette serve`"),
    ("validation/index.html", "Validation report", "every check the release passed"),
    ("sources/", "Source texts", "the verbatim texts every quote points into"),
    (CITATION, "CITATION.cff", "the citation, for reference managers and GitHub"),
    ("LICENSE.md", "Licence", "the terms of use"),
    ("SHA256SUMS", "Checksums", "the sha256 of every file (sha256sum -c SHA256SUMS)"),
)
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def citation(cff: bytes) -> dict:
    """The fields of CITATION.cff a reference needs."""
    doc = yaml.safe_load(cff.decode("utf-8")) or {}
    authors = []
    for person in doc.get("authors") or []:
        if person.get("name"):
            authors.append((person["name"], None))
        else:
            authors.append((person.get("family-names") or "", person.get("given-names") or ""))
    released = str(doc.get("date-released") or "")
    return {"title": str(doc.get("title") or ""), "version": str(doc.get("version") or ""), "authors": authors,
            "released": released, "year": released[:4], "doi": doc.get("doi"),
            "url": doc.get("url") or doc.get("repository-code"), "license": doc.get("license"),
            "message": doc.get("message")}


def plain(c: dict) -> str:
    """One reference-list entry: Authors (year). Title (Version x) [Data set]. DOI or URL."""
    names = "; ".join(family if given is None else f"{family}, {given}" for family, given in c["authors"])
    where = f" https://doi.org/{c['doi']}" if c["doi"] else (f" {c['url']}" if c["url"] else "")
    return f"{names} ({c['year'] or 'n.d.'}). {c['title']} (Version {c['version']}) [Data set].{where}"


def _bib(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", value.replace("\\", "\\textbackslash{}"))


def bibtex(c: dict, key: str) -> str:
    """A BibTeX entry (@misc, which every style knows; biblatex reads version as its own field)."""
    authors = " and ".join("{" + _bib(family) + "}" if given is None else f"{_bib(family)}, {_bib(given)}"
                           for family, given in c["authors"])
    fields = [("author", authors), ("title", "{" + _bib(c["title"]) + "}"), ("year", c["year"]),
              ("version", _bib(c["version"])), ("howpublished", "Data set"),
              ("note", _bib(f"Version {c['version']}" + (f", released {c['released']}" if c["released"] else "")
                            + (f"; licence {c['license']}" if c["license"] else "")))]
    if c["doi"]:
        fields.append(("doi", _bib(str(c["doi"]))))
    if c["url"]:
        fields.append(("url", str(c["url"])))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{re.sub(r'[^A-Za-z0-9_.:-]', '-', key)},\n{body}\n}}"


def _files(site: Site, reg: Registry) -> str:
    up = "../"
    rows = "".join(f'<tr><td><a href="{href(up + path)}">{esc(name)}</a></td><td><code>{esc(path)}</code></td>'
                   f'<td>{esc(what)}</td></tr>' for path, name, what in downloads(site.name) + DESCRIPTIONS)
    files = scroll_box('<table class="files"><thead><tr><th>file</th><th>path in the release</th><th>what it holds</th>'
                       f"</tr></thead><tbody>{rows}</tbody></table>", "Files of the release")
    tables = "".join(f'<tr><td><code>{esc(t.name)}</code></td><td><a href="{href(f"{up}csv/{t.name}.csv")}">CSV</a> · '
                     f'<a href="{href(f"{up}parquet/{t.name}.parquet")}">Parquet</a></td><td>{esc(t.description)}</td></tr>'
                     for t in reg.tables.values())
    per_table = scroll_box('<table class="files"><thead><tr><th>table</th><th>files</th><th>what it holds</th></tr>'
                           f"</thead><tbody>{tables}</tbody></table>", "Tables of the release")
    return (f'<h2 id="files">Files</h2><p>Everything is in the release folder, one level up from this site; the '
            f'paths below are relative to it.</p>{files}<h3 id="tables">Each table</h3>{per_table}')


def render_cite(site: Site, reg: Registry, copied: dict[str, bytes]) -> bytes:
    c = citation(copied[CITATION])
    key = f"{site.name}-{c['version']}"
    message = f'<p>{esc(c["message"])}</p>' if c["message"] else ""
    body = (f'<h1>Download and cite</h1><h2 id="cite">How to cite</h2>{message}'
            f'<p>Version {esc(c["version"])}{", released " + esc(c["released"]) if c["released"] else ""}'
            f'{", licence " + esc(c["license"]) if c["license"] else ""}; from '
            f'<a href="{href("../" + CITATION)}">{CITATION}</a>.</p>'
            f'<h3>Plain text</h3><p class="citation" id="citation-text">{esc(plain(c))}</p>'
            f'<h3>BibTeX</h3><pre class="bibtex" id="citation-bibtex" tabindex="0"><code>'
            f'{esc(bibtex(c, key))}</code></pre>'
            f"{_files(site, reg)}")
    return site.page(CITE_PAGE, "Download and cite", body)
