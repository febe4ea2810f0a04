"""The data rows of the workbook, rendered column-wise by Arrow compute kernels and put into the
sheets XlsxWriter wrote with their headers only.

Writing a million rows through XlsxWriter cell by cell takes minutes (a Python call, a namedtuple
and an XML write per cell). Here each column of a batch of rows becomes its cells' XML at once,
exactly as XlsxWriter writes them in its `constant_memory` mode: inline strings; a literal
`_xHHHH_` escaped as `_x005F_xHHHH_` and a control character as `_xHHHH_` (Excel's escapes);
`xml:space="preserve"` where a text starts or ends with whitespace; `&`, `<`, `>` as entities;
numbers as `{:.16G}`; booleans as `t="b"`; dates as serial numbers. A whole number beyond 2**53,
which a spreadsheet's double cannot hold, and a date before 1 March 1900 (shifted by Excel's 1900
leap-year bug) are written as text.

Every cell carries its format: a text wraps, and is aligned right (and read right to left) when
most of its letters are of a right-to-left script (Arabic, Hebrew, ...), left otherwise, so an
English note that opens with an Arabic word still reads from the left; every cell sits at the top of its
row, so a row reads along one line however many lines its texts wrap to. A row whose text wraps is
given the height of its lines, estimated from the column widths. The tests compare the
result with XlsxWriter's own, byte for byte. One deliberate difference: a text that looks like
rich-text XML (`<r>...</r>`), which XlsxWriter would copy into the file unescaped, is escaped here
like any other text.

The zip is written again part by part, in XlsxWriter's order and with its attributes (the fixed
1980 time, the file mode of its scratch files), each data sheet with its rows after its header,
so the bytes depend on the data only.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import os
import pickle
import re
import tempfile
import time
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import xl_col_to_name

from ..common.cache import key
from ..common.digests import ends_a_part
from .reuse import Reuse

SHEET_PART = "workbook-sheet"  # the kind of part a sheet is kept as (reuse.py)
SHEET_ROWS_PART = "workbook-rows"  # and a run of its rows, of a run of sources
BATCH_ROWS = 20_000  # rows rendered at once: each batch's cell XML is held in memory
EXACT_INTEGER = 2**53  # beyond this a spreadsheet's double no longer holds every whole number
FIRST_EXCEL_DATE = dt.date(1900, 3, 1)  # earlier dates are shifted by Excel's 1900 leap-year bug

ZIP_TIME = time.mktime((1980, 1, 31, 0, 0, 0, 0, 0, -1))  # the time XlsxWriter gives every part
EXCEL_DAYS_AFTER_UNIX_EPOCH = 25569  # the serial number of 1970-01-01
FIRST_EXCEL_DAY = (FIRST_EXCEL_DATE - dt.date(1970, 1, 1)).days
ESCAPED_ESCAPE = "(_x[0-9a-fA-F]{4}_)"  # a literal `_xHHHH_`, which Excel would read as an escape
CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))]
# What Python's `\s` (XlsxWriter's test for xml:space="preserve") matches, after the control
# characters are escaped.
SPACE = r"[\t\n \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
CELL_TEXT_MAX = 32_767  # UTF-16 units
LINE_PIXELS = 20  # the height of a line of text in the default font (15 points)
MAX_LINES = 27  # Excel's tallest row is 409 points


@dataclass(frozen=True)
class Styles:
    """The indices of the cell formats in styles.xml: text wrapped and aligned left or right, a
    number, a date, a boolean."""
    left: int
    right: int
    value: int
    date: int
    boolean: int


# The blocks of characters a spreadsheet draws two columns wide (Hangul Jamo, CJK radicals to Yi,
# Hangul syllables, CJK compatibility ideographs, vertical and fullwidth forms, emoji, the CJK
# extension planes): enough to estimate a width, and a pattern that compiles in microseconds.
WIDE = (r"[\x{1100}-\x{115f}\x{2e80}-\x{303e}\x{3041}-\x{a4cf}\x{ac00}-\x{d7a3}\x{f900}-\x{faff}\x{fe10}-\x{fe19}"
        r"\x{fe30}-\x{fe6f}\x{ff00}-\x{ff60}\x{ffe0}-\x{ffe6}\x{1f300}-\x{1f64f}\x{1f900}-\x{1f9ff}\x{20000}-\x{3fffd}]")


@functools.cache
def direction_classes() -> tuple[str, str]:
    """Regular-expression classes of the left-to-right (L) and the right-to-left (R, AL: Arabic,
    Hebrew, ...) letters, in the bidirectional algorithm's sense, from the Unicode database Python
    carries. Every code point's class is looked up by C loops and marked with one letter, and the
    runs of a letter are found by a regular expression: four times faster than walking the code
    points in Python, which cost a workbook half a second in every build."""
    classes = list(map(unicodedata.bidirectional, map(chr, range(0x110000))))
    mark = {kind: "l" if kind == "L" else "r" if kind in ("R", "AL") else "." for kind in set(classes)}
    marks = "".join(map(mark.__getitem__, classes))

    def char_class(letter: str) -> str:
        return "[" + "".join(f"\\x{{{run.start():x}}}-\\x{{{run.end() - 1:x}}}"
                             for run in re.finditer(letter + "+", marks)) + "]"

    return char_class("l"), char_class("r")


def mostly_right_to_left(text: str) -> bool:
    """A text is set right to left when most of its letters are of a right-to-left script: an
    Arabic quote is, an English note that quotes an Arabic word is not (for the cell-by-cell writer)."""
    rtl = sum(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)
    ltr = sum(unicodedata.bidirectional(ch) == "L" for ch in text)
    return rtl > ltr


def _right_to_left(batch: pa.RecordBatch) -> dict[int, pa.Array]:
    """Whether each value of each text column of a batch is mostly right to left (null for a null),
    by column index, as `mostly_right_to_left` says. One pass over all the text columns at once:
    compiling the patterns (some thousand character ranges) costs more than matching a batch."""
    text = [i for i in range(batch.num_columns) if _is_text(batch.column(i).type)]
    if not text:
        return {}
    values = pa.concat_arrays([batch.column(i).cast(pa.large_string()) for i in text])
    ltr, rtl = direction_classes()
    # Only a text with a right-to-left letter can have more of them than left-to-right ones, and an
    # ASCII text has none: one match finds the few that do among the rest (an Arabic or Hebrew
    # quote, its source's title), and only their letters are counted, which took most of the
    # workbook's time when every text was counted.
    beyond_ascii = pc.invert(pc.string_is_ascii(values))  # null for a null
    candidates = values.filter(beyond_ascii)
    seen = pc.match_substring_regex(candidates, rtl)
    some = candidates.filter(seen)
    mostly = pc.replace_with_mask(seen, seen, pc.greater(_letters(some, rtl), _letters(some, ltr)))
    nowhere = pc.if_else(pc.is_null(values), pa.scalar(None, pa.bool_()), False)
    mostly = pc.replace_with_mask(nowhere, pc.fill_null(beyond_ascii, False), mostly)
    return {col: mostly.slice(k * batch.num_rows, batch.num_rows) for k, col in enumerate(text)}


def _letters(values: pa.Array, char_class: str) -> pa.Array:
    """How many characters of each text are in `char_class`: its length less the length left when
    every run of them is cut out (a match per run rather than per character, several times faster
    than counting matches of the class)."""
    return pc.subtract(pc.utf8_length(values), pc.utf8_length(pc.replace_substring_regex(values, char_class + "+", "")))


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def display_width(values: pa.ChunkedArray) -> int:
    """The widest value of a column in character widths, as a spreadsheet shows it: the longest line
    of a text (a Chinese character counts two), a number as General shows it (11 characters at most),
    a date as YYYY-MM-DD, a boolean as FALSE."""
    kind = values.type
    if values.null_count == len(values):
        return 0
    if _is_text(kind):
        lines = pc.list_flatten(pc.split_pattern(values, "\n"))
        return pc.max(pc.add(pc.utf8_length(lines), pc.count_substring_regex(lines, WIDE))).as_py()
    if pa.types.is_boolean(kind):
        return 5
    if pa.types.is_date(kind):
        return 10
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return min(11, pc.max(pc.utf8_length(pc.cast(values, pa.string()))).as_py())
    return pc.max(pc.utf8_length(pc.cast(values, pa.string()))).as_py()


def wrapped_lines(values: pa.Array, width: float) -> pa.Array:
    """How many lines each text wraps to in a column `width` characters wide, for the row's height
    (LibreOffice does not fit a row to its wrapped text when it opens a file): an estimate meant to
    err on the high side, since a row too low hides or overprints the end of its text. Null for a
    null."""
    # A width is counted in widths of the digit 0, a tenth wider than the average letter with its
    # spaces; the rest of the difference pays for the word a line break moves down whole.
    per_line = max(1, int(width * 1.1))
    size = pc.add(pc.utf8_length(values), pc.count_substring_regex(values, WIDE))
    lines = pc.divide(pc.add(size, per_line - 1), per_line)
    return pc.add(pc.max_element_wise(lines, 1), pc.count_substring(values, "\n"))


def row_lines(batch: pa.RecordBatch, widths: list[float]) -> pa.Array:
    """The lines of each row's tallest cell, from 1 to MAX_LINES; only a text wraps."""
    counts = [wrapped_lines(batch.column(i), width) for i, width in enumerate(widths)
              if _is_text(batch.column(i).type)]
    tallest = pc.max_element_wise(*counts, pa.scalar(1, pa.int64()), skip_nulls=True)
    return pc.min_element_wise(pc.cast(tallest, pa.int64()), MAX_LINES)


def _text_cells(values: pa.Array, ref: pa.Array, styles: Styles, right_to_left: pa.Array | None = None) -> pa.Array:
    """Inline-string cells, escaped as XlsxWriter escapes them, aligned right where `right_to_left`
    is true and left elsewhere; null for a null value."""
    style = (pa.scalar(f' s="{styles.left}"') if right_to_left is None
             else pc.if_else(right_to_left, f' s="{styles.right}"', f' s="{styles.left}"'))
    if pc.any(pc.greater(pc.utf8_length(values), CELL_TEXT_MAX // 2)).as_py():
        for value in values.to_pylist():
            if value is not None and len(value.encode("utf-16-le")) // 2 > CELL_TEXT_MAX:
                raise ValueError(f"a text of {len(value):,} characters does not fit in a spreadsheet cell "
                                 f"({CELL_TEXT_MAX:,} at most)")
    if pc.any(pc.match_substring_regex(values, ESCAPED_ESCAPE)).as_py():
        values = pc.replace_substring_regex(values, ESCAPED_ESCAPE, r"_x005F\1")
    if pc.any(pc.match_substring_regex(values, r"[\x00-\x08\x0b-\x1f]")).as_py():
        for ch in CONTROL:
            values = pc.replace_substring(values, ch, f"_x{ord(ch):04X}_")
    preserve = pc.match_substring_regex(values, f"^{SPACE}|{SPACE}$")
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        values = pc.replace_substring(values, raw, entity)
    opening = pc.if_else(preserve, ' t="inlineStr"><is><t xml:space="preserve">', ' t="inlineStr"><is><t>')
    return pc.binary_join_element_wise('<c r="', ref, '"', style, opening, values, "</t></is></c>", "")


def _value_cells(values: pa.Array, ref: pa.Array, style: int, kind: str = "") -> pa.Array:
    return pc.binary_join_element_wise('<c r="', ref, f'" s="{style}"{kind}><v>', values, "</v></c>", "")


def _column_cells(values: pa.Array, ref: pa.Array, styles: Styles, right_to_left: pa.Array | None) -> pa.Array:
    """One column of a batch as cell XML, the empty string for a null. A value of another type
    written as text (a whole number beyond 2**53, an early date) is all digits: aligned left."""
    kind = values.type
    if _is_text(kind):
        cells = _text_cells(values, ref, styles, right_to_left)
    elif pa.types.is_boolean(kind):
        cells = _value_cells(pc.if_else(values, "1", "0"), ref, styles.boolean, ' t="b"')
    elif pa.types.is_integer(kind):
        exact = pc.and_(pc.greater(values, -EXACT_INTEGER), pc.less(values, EXACT_INTEGER))
        as_text = pc.cast(values, pa.string())
        cells = pc.if_else(exact, _value_cells(as_text, ref, styles.value), _text_cells(as_text, ref, styles))
    elif pa.types.is_floating(kind):
        if not pc.all(pc.is_finite(values)).as_py():
            raise ValueError("a number that is not finite cannot be written to a spreadsheet")
        text = pa.array([None if v is None else f"{v:.16G}" for v in values.to_pylist()], pa.string())
        cells = _value_cells(text, ref, styles.value)
    elif pa.types.is_date(kind):
        days = pc.cast(values.cast(pa.date32()), pa.int32())
        serial = pc.cast(pc.add(days, EXCEL_DAYS_AFTER_UNIX_EPOCH), pa.string())
        cells = pc.if_else(pc.greater_equal(days, FIRST_EXCEL_DAY), _value_cells(serial, ref, styles.date),
                           _text_cells(pc.cast(values, pa.string()), ref, styles))
    else:
        cells = _text_cells(pc.cast(values, pa.string()), ref, styles)
    return pc.fill_null(cells, "")


def _row_cells(batch: pa.RecordBatch, first_row: int, styles: Styles, widths: list[float]) -> pa.Array:
    """Each `<row>` element of a batch whose first row is spreadsheet row `first_row` (1-based), as
    UTF-8 bytes; a row whose text wraps is as high as its lines."""
    numbers = pc.cast(pa.array(range(first_row, first_row + batch.num_rows), pa.int64()), pa.string())
    starts = _right_to_left(batch)
    cells = [_column_cells(batch.column(i), pc.binary_join_element_wise(xl_col_to_name(i), numbers, ""), styles,
                           starts.get(i)) for i in range(batch.num_columns)]
    lines = row_lines(batch, widths)
    points = pc.cast(pc.multiply(lines, LINE_PIXELS * 3 // 4), pa.string())
    opening = pc.if_else(pc.greater(lines, 1),
                         pc.binary_join_element_wise('<row r="', numbers, '" ht="', points, '" customHeight="1">', ""),
                         pc.binary_join_element_wise('<row r="', numbers, '">', ""))
    rows = pc.binary_join_element_wise(opening, *cells, "</row>", "")
    return rows.cast(pa.large_string()).cast(pa.large_binary())


def _joined(rows: pa.Array) -> bytes:
    """Row elements, one after the other."""
    whole = pc.binary_join(pa.LargeListArray.from_arrays(pa.array([0, len(rows)], pa.int64()), rows),
                           pa.scalar(b"", pa.large_binary()))
    return whole[0].as_py()


def _rows_xml(batch: pa.RecordBatch, first_row: int, styles: Styles, widths: list[float]) -> bytes:
    """`<row>` elements for a batch whose first row is spreadsheet row `first_row` (1-based)."""
    return _joined(_row_cells(batch, first_row, styles, widths))


def row_parts(data: pa.Table, entries: dict[str, str], inputs: str) -> list[tuple[int, int, str | None]]:
    """A fact table's rows in parts, for a sheet: (first row, end, key), each part the rows of a run
    of sources (common/digests.ends_a_part) in the table's order. Its key is made of where it
    starts on the sheet, the sheet's `inputs` (header, formats, widths) and, for each of its
    sources, the key of the source's partition (a fact row is a function of it) and its number of
    rows; None when a source of it has no partition key."""
    if not data.num_rows:
        return []
    runs = pc.run_end_encode(data.column("source_id").combine_chunks())
    ends, sources = runs.run_ends.to_pylist(), runs.values.to_pylist()
    parts, start, run_start, members = [], 0, 0, []
    for source_id, end in zip(sources, ends):
        members.append(None if entries.get(source_id) is None else f"{source_id}={entries[source_id]}|{end - run_start}")
        run_start = end
        if source_id is None or ends_a_part(source_id) or end == ends[-1]:
            kept = None if None in members else key(SHEET_ROWS_PART, inputs, str(start), *members)
            parts.append((start, end, kept))
            start, members = end, []
    return parts


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the zip, as the workbook and its relationships say."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    targets = {r.get("Id"): r.get("Target")
               for r in ET.fromstring(book.read("xl/_rels/workbook.xml.rels")).findall("p:Relationship", ns)}
    return {s.get("name"): "xl/" + targets[s.get(rid)]
            for s in ET.fromstring(book.read("xl/workbook.xml")).find("m:sheets", ns)}


def put_rows(path: Path, sheets: list[tuple[str, pa.Table | Callable[[], pa.Table], list[float], str | None, bool]],
             styles: Styles, reuse: Reuse | None = None) -> None:
    """Each (sheet name, rows or what reads them, column widths, digest of the rows or None, whether
    they are a fact table's, whole) into the workbook at `path`, under the sheet's header row, with
    the cell formats XlsxWriter gave the indices in `styles`.

    The zip is written by a thread of its own, part after part in the same order: zlib (which
    lets go of the interpreter while it compresses) packs one sheet while the next one's rows are
    rendered, and compressing took a third of the time when the two took turns. At most two sheets
    wait on disk, and a sheet handed to the packer is always packed and removed, even after an error.

    A sheet's part, compressed, is a function of its header, its rows and the formats: `reuse` keeps
    it under those, and a later build whose rows are the same puts those compressed bytes into the
    zip as they are, with the same entry, instead of rendering and compressing the rows again. The
    sheet of a fact table whose rows changed is made of runs of rows (row_parts) kept the same way,
    so after one source is edited only its run is rendered again (the sheet is still compressed
    whole)."""
    staged = path.with_name(path.name + ".rows")
    reuse = reuse if reuse is not None else Reuse(None)
    try:
        with (zipfile.ZipFile(path) as written, zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as out,
              ThreadPoolExecutor(max_workers=1, thread_name_prefix="zip") as packer):
            names = _sheet_parts(written)
            parts = {names[name]: (data, widths, inputs, by_source) for name, data, widths, inputs, by_source in sheets}
            packing = None
            for info in written.infolist():
                if info.filename not in parts:
                    part = functools.partial(out.writestr, info, written.read(info))
                else:
                    data, widths, rows_digest, by_source = parts.pop(info.filename)
                    header = written.read(info)
                    inputs = None if rows_digest is None else key(rows_digest, header, repr(styles), repr(widths))
                    kept = reuse.read_back(SHEET_PART, inputs)
                    if kept is not None:
                        part = functools.partial(_put_compressed, out, kept)
                    else:
                        data = data() if callable(data) else data  # a sheet's rows may be read only now
                        runs = (row_parts(data, reuse.entries, key(header, repr(styles), repr(widths)))
                                if by_source and reuse.folder is not None else None)
                        scratch = _sheet_file(header.decode("utf-8"), data, styles, widths, runs, reuse)
                        part = functools.partial(_pack, out, scratch, info.filename, reuse, inputs)
                # One packer takes the parts in turn, so the zip's order is the workbook's; a part
                # is rendered only once the one before the last is in.
                previous, packing = packing, packer.submit(part)
                if previous is not None:
                    previous.result()
            if packing is not None:
                packing.result()
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def _sheet_file(header_only: str, data: pa.Table, styles: Styles, widths: list[float],
                runs: list[tuple[int, int, str | None]] | None = None, reuse: Reuse | None = None) -> str:
    """The sheet's XML with the rows after its header, in a scratch file stamped as XlsxWriter
    stamps its own, so that the zip entry gets the same attributes; returns its path. Given the
    rows' `runs` (row_parts), a run kept in `reuse` is copied, and the others are rendered together
    and kept."""
    head, tail = header_only.split("</sheetData>", 1)
    last = f"{xl_col_to_name(data.num_columns - 1)}{data.num_rows + 1}"
    head = re.sub('<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head, count=1)
    handle, scratch = tempfile.mkstemp(suffix=".xml")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(head.encode("utf-8"))
            if runs is None:
                for batch, first_row in _batches(data, 0, data.num_rows):
                    fh.write(_rows_xml(batch, first_row, styles, widths))
            else:
                _put_runs(fh, data, styles, widths, runs, reuse or Reuse(None))
            fh.write(("</sheetData>" + tail).encode("utf-8"))
        os.utime(scratch, (ZIP_TIME, ZIP_TIME))
    except BaseException:
        os.remove(scratch)
        raise
    return scratch


def _batches(data: pa.Table, start: int, end: int) -> Iterator[tuple[pa.RecordBatch, int]]:
    """Rows `start` to `end` of the table in batches of BATCH_ROWS at most, not copied, each with
    the spreadsheet row of its first row (the header is row 1)."""
    first_row = start + 2
    for batch in data.slice(start, end - start).to_batches(max_chunksize=BATCH_ROWS):
        yield batch, first_row
        first_row += batch.num_rows


def _put_runs(fh, data: pa.Table, styles: Styles, widths: list[float], runs: list[tuple[int, int, str | None]],
              reuse: Reuse) -> None:
    """The rows, run by run: a run kept is copied; runs not kept are rendered together, BATCH_ROWS
    rows at a time at most (a longer run on its own), then each is kept and written. A run is kept
    compressed by zlib at its fastest level: at 2,000 sources the runs of every fact sheet took
    411 MB of cache as XML, 60 MB so, for 1.5 s of a first build."""
    waiting: list[tuple[int, int, str | None]] = []

    def render() -> None:
        if not waiting:
            return
        first = waiting[0][0]
        rendered = pa.chunked_array([_row_cells(batch, first_row, styles, widths)
                                     for batch, first_row in _batches(data, first, waiting[-1][1])], pa.large_binary())
        for start, end, inputs in waiting:
            rows = _joined(rendered.slice(start - first, end - start).combine_chunks())
            if inputs is not None:
                reuse.keep(SHEET_ROWS_PART, inputs, zlib.compress(rows, 1))  # XML: a seventh of its size
            fh.write(rows)
        waiting.clear()

    for start, end, inputs in runs:
        kept = reuse.read_back(SHEET_ROWS_PART, inputs)
        if kept is not None:
            render()
            fh.write(zlib.decompress(kept))
            continue
        if waiting and end - waiting[0][0] > BATCH_ROWS:
            render()
        waiting.append((start, end, inputs))
    render()


def _pack(out: zipfile.ZipFile, scratch: str, part: str, reuse: Reuse, inputs: str | None) -> None:
    """A sheet's scratch file into the zip as `part`, then gone; its entry and compressed bytes
    kept under `inputs`."""
    try:
        out.write(scratch, part)
    finally:
        os.remove(scratch)
    if inputs is not None and reuse.folder is not None:
        info = out.NameToInfo[part]
        out.fp.flush()
        with open(out.filename, "rb") as fh:
            fh.seek(info.header_offset + len(info.FileHeader(_zip64(info))))
            compressed = fh.read(info.compress_size)
        entry = pickle.dumps(info, protocol=5)
        reuse.keep(SHEET_PART, inputs, len(entry).to_bytes(8, "little") + entry + compressed)


def _put_compressed(out: zipfile.ZipFile, kept: bytes) -> None:
    """A part kept by `_pack` into the zip: its entry and compressed bytes, written as ZipFile's
    own `write` writes them (the local header, the bytes, the entry in the central directory), so
    the zip's bytes are those of a part compressed now. ZipFile has no public way to add bytes
    compressed before; this follows Python 3.11's `_open_to_write` and `_ZipWriteFile.close`, and
    tests/test_reuse.py holds the result to a workbook written from scratch."""
    size = int.from_bytes(kept[:8], "little")
    info = copy.copy(pickle.loads(kept[8:8 + size]))
    out.fp.seek(out.start_dir)
    info.header_offset = out.fp.tell()
    out._writecheck(info)
    out._didModify = True
    out.fp.write(info.FileHeader(_zip64(info)))
    out.fp.write(memoryview(kept)[8 + size:])
    out.start_dir = out.fp.tell()
    out.filelist.append(info)
    out.NameToInfo[info.filename] = info


def _zip64(info: zipfile.ZipInfo) -> bool:
    """Whether ZipFile gave the part's local header the zip64 field (its rule when it opens a part
    for writing)."""
    return info.file_size * 1.05 > zipfile.ZIP64_LIMIT
