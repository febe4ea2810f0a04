"""annotations.jsonld: every fact row as a W3C Web Annotation on the source text it quotes.

The release already proves each fact by offsets into its verbatim source; written in the W3C Web
Annotation model (https://www.w3.org/TR/annotation-model/) the same proof can be shown by any
annotation tool, on the text shipped in the release (sources/<source_id>.txt), with no code of ours.

One AnnotationCollection; its first (and only) page holds one annotation per fact row, in table
order then primary-key order. Each annotation

- targets the release's copy of the source with two selectors that select the same characters: a
  TextPositionSelector (start and end in Unicode code points, the `char_start`/`char_end` of the row)
  and a TextQuoteSelector (the exact quote with up to PREFIX_CHARS characters of context either
  side, widened until the three match at one place only, which re-anchors the quote even where a
  tool counts positions differently, as DOM tools counting UTF-16 units do);
- has bodies naming what the row says: the English translation (purpose describing), the table
  the row belongs to (tagging), the canonical concept with its English label (classifying) and,
  where the concept is linked to ESCO, a SpecificResource on the ESCO concept (identifying: the
  model allows a purpose only on a SpecificResource or a TextualBody, never on the concept itself);
- is identified by a fragment of this document made of the table and the row's primary key.

IRIs are relative (the release has no fixed address): a JSON-LD processor resolves them against
wherever annotations.jsonld is read from, where sources/ sits beside it. Written one annotation per
line as it is produced, so memory stays flat however many rows there are; no times, no random ids:
the same tables give the same bytes.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote as percent

import pyarrow as pa
import pyarrow.compute as pc

from ..registry.model import Registry
from ..transform.evidence import concept_columns, concept_labels
from .reuse import Hashing, Reuse, shared_digest

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
PREFIX_CHARS = 32
MEDIA_TYPE = "text/plain"
_FRAGMENT_SAFE = "-._~!$&'()*+,;=:@/"  # RFC 3986 fragment characters, left as they are


def annotation_id(table: str, row_id: str) -> str:
    """The annotation's IRI, relative to annotations.jsonld: `#<table>/<row id>`."""
    return "#" + percent(f"{table}/{row_id}", safe=_FRAGMENT_SAFE)


def _esco(reg: Registry, tables: dict[str, pa.Table]) -> dict[tuple[str, str], str]:
    """(concept type, id) -> ESCO URI, for the taxonomy entries linked to ESCO."""
    out = {}
    for t in reg.taxonomy_tables():
        data = tables[t.name]
        if "esco_uri" not in data.column_names:
            continue
        key = t.primary_key[0]
        kind = key[:-3] if key.endswith("_id") else key
        for ident, uri in zip(data.column(key).to_pylist(), data.column("esco_uri").to_pylist()):
            if uri:
                out[(kind, ident)] = uri
    return out


def _humanised(ident: str) -> str:
    return ident.replace("_", " ")


_dump = functools.partial(json.dumps, ensure_ascii=False, separators=(", ", ": "))
_text = json.encoder.encode_basestring  # one string as JSON, non-ASCII kept: what _dump writes for it


def _target_source(source) -> str:
    return _dump({"id": source.text_path, "type": "Text", "format": MEDIA_TYPE, "language": source.meta["lang"]})


def _concept_bodies(kind: str, concept: str, labels: dict, esco: dict) -> str:
    bodies = [{"type": "TextualBody", "purpose": "classifying", "format": MEDIA_TYPE, "value": f"{kind}:{concept}",
               "label": labels.get((kind, concept)) or _humanised(concept)}]
    if (kind, concept) in esco:
        bodies.append({"type": "SpecificResource", "source": esco[(kind, concept)], "purpose": "identifying"})
    return "".join(", " + _dump(b) for b in bodies)


def quote_context(text: str, start: int, end: int) -> tuple[str, str]:
    """The prefix and suffix of text[start:end]: PREFIX_CHARS either side, doubled until prefix,
    quote and suffix together occur once in the text (or the context reaches both ends of it)."""
    size = PREFIX_CHARS
    while True:
        prefix, suffix = text[max(0, start - size):start], text[end:end + size]
        whole = prefix + text[start:end] + suffix
        first = text.find(whole)
        if text.find(whole, first + 1) < 0 or (start - size <= 0 and end + size >= len(text)):
            return prefix, suffix
        size *= 2


class _TableLines:
    """The annotation lines of one fact table's rows: what the rows share is written to JSON once."""

    def __init__(self, reg: Registry, table, data: pa.Table, labels: dict, esco: dict, source_json: dict[str, str]):
        self.name, self.pk, self.data = table.name, table.primary_key[0], data
        self.concept_column, self.kind = concept_columns(reg).get(table.name, (None, None))
        self.wanted = [self.pk, "char_start", "char_end", "quote", "text_en"] + (
            [self.concept_column] if self.concept_column else [])
        self.tagging = ", " + _dump({"type": "TextualBody", "purpose": "tagging", "value": table.name, "format": MEDIA_TYPE})
        self.labels, self.esco, self.source_json = labels, esco, source_json
        self.concept_json: dict[str, str] = {}

    @functools.cached_property
    def cols(self) -> dict[str, list]:
        """The columns an annotation shows, as Python values: read only when a chunk is made."""
        return {c: self.data.column(c).to_pylist() for c in dict.fromkeys(self.wanted)}

    def _classifying(self, i: int) -> str:
        concept = self.cols[self.concept_column][i] if self.concept_column else None
        if concept is None:
            return ""
        if concept not in self.concept_json:
            self.concept_json[concept] = _concept_bodies(self.kind, concept, self.labels, self.esco)
        return self.concept_json[concept]

    def lines(self, rows: range, source_id: str, text: str) -> list[str]:
        cols, out = self.cols, []
        for i in rows:
            start, end = cols["char_start"][i], cols["char_end"][i]
            prefix, suffix = quote_context(text, start, end)
            out.append("".join((
                '{"id": ', _text(annotation_id(self.name, cols[self.pk][i])),
                ', "type": "Annotation", "motivation": "classifying", "body": [{"type": "TextualBody", '
                '"purpose": "describing", "value": ', _text(cols["text_en"][i]),
                ', "language": "en", "format": "', MEDIA_TYPE, '"}', self.tagging, self._classifying(i),
                '], "target": {"source": ', self.source_json[source_id],
                ', "selector": [{"type": "TextPositionSelector", "start": ', str(start), ', "end": ', str(end),
                '}, {"type": "TextQuoteSelector", "exact": ', _text(cols["quote"][i]),
                ', "prefix": ' + _text(prefix) if prefix else "",
                ', "suffix": ' + _text(suffix) if suffix else "",
                "}]}}")))
        return out


def _table_chunks(rows_of: _TableLines, data: pa.Table, sources: dict, reuse: Reuse) -> Iterator[bytes]:
    """A table's annotations, a chunk per source, each chunk's lines joined. A table's rows of one
    source are contiguous (the row id starts with the source id): they are one chunk, taken from
    `reuse` when made before from the same inputs (release/reuse.py)."""
    runs = pc.run_end_encode(data.column("source_id").combine_chunks()) if data.num_rows else None
    ends = runs.run_ends.to_pylist() if runs is not None else []
    starts = [0, *ends[:-1]]
    first_ids = data.column(rows_of.pk).take(starts).to_pylist() if starts and ends else []
    for source_id, start, end, first in zip(runs.values.to_pylist() if runs is not None else [], starts, ends, first_ids):
        rows = range(start, end)
        yield reuse.bytes("annotations", source_id, f"{rows_of.name}/{first}/{len(rows)}",
                          functools.partial(_joined, rows_of, rows, source_id, sources[source_id]))


def _joined(rows_of: _TableLines, rows: range, source_id: str, source) -> bytes:
    return ",\n   ".join(rows_of.lines(rows, source_id, source.text)).encode("utf-8")


def write_annotations(path: Path, reg: Registry, tables: dict[str, pa.Table], sources: dict, meta: dict,
                      reuse: Reuse | None = None) -> tuple[str, int]:
    """annotations.jsonld at `path`, one annotation per line inside the collection's first page;
    returns its sha256 and size. Every fact row's annotation is one line of JSON, in table then
    row order:
        {"id": "#<table>/<row id>", "type": "Annotation", "motivation": "classifying",
         "body": [<translation, describing>, <table, tagging>, <concept, classifying>, <ESCO, identifying>],
         "target": {"source": <the release's copy of the text>,
                    "selector": [<TextPositionSelector>, <TextQuoteSelector exact/prefix/suffix>]}}
    What is the same for many rows (a source, a concept, a table) is written to JSON once; each row
    adds only its own strings, escaped by the JSON encoder itself, so a million rows take seconds.
    A table's annotations are a function of its rows, the sources (their texts, by their sha256) and
    what all share: kept whole under the digests of the table and of the sources' table, so a table
    whose rows did not change is copied back at once; in a table that changed, each source's chunk
    is taken back if its partition did not change. (Keyed by the columns shown instead, hashing
    them cost half a second in every build, for the rare change that touches no column shown.)"""
    total = sum(tables[t.name].num_rows for t in reg.fact_tables())
    licence = meta["licenses"][0].get("path")
    head = {"@context": CONTEXT, "id": "", "type": "AnnotationCollection",
            "label": f"{meta['title']} {meta['version']}: every fact row on the words it quotes",
            "total": total, **({"rights": licence} if licence else {})}
    page = {"id": "#page1", "type": "AnnotationPage", "startIndex": 0}
    reuse = (reuse or Reuse(None)).sharing(shared_digest(reg, tables, meta))
    labels, esco = concept_labels(reg, tables), _esco(reg, tables)
    source_json = {source_id: _target_source(source) for source_id, source in sources.items()}
    sidecar = reg.sidecar_table().name
    whole = Hashing()
    with open(path, "wb") as out:
        def put(data: bytes) -> None:
            out.write(data)
            whole.update(data)

        put((_dump(head)[:-1] + ',\n "first": ' + _dump(page)[:-1] + ',\n  "items": [\n   ').encode("utf-8"))
        written = False
        for table in reg.fact_tables():
            data = tables[table.name]
            if not data.num_rows:
                continue
            if written:
                put(b",\n   ")
            rows_of = _TableLines(reg, table, data, labels, esco, source_json)
            inputs = reuse.of_tables(table.name, sidecar)
            reuse.stream("annotations-table", inputs, out, whole,
                         functools.partial(_separated, rows_of, data, sources, reuse))
            written = True
        put(b"\n  ]}\n}\n")
    return whole.hash.hexdigest(), whole.size


def _separated(rows_of: _TableLines, data: pa.Table, sources: dict, reuse: Reuse) -> Iterator[bytes]:
    """A table's chunks with the separator between them."""
    separator = b""
    for chunk in _table_chunks(rows_of, data, sources, reuse):  # each chunk as it comes: UTF-8 bytes, never decoded again
        if separator:
            yield separator
        yield chunk
        separator = b",\n   "
