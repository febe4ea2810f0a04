"""The data rows of the workbook, rendered column-wise by Arrow compute kernels and put into the
sheets XlsxWriter wrote with their headers only.

Writing a million rows through XlsxWriter cell by cell takes minutes (a Python call, a namedtuple
and an XML write per cell). Here each column of a batch of rows becomes its cells' XML at once,
exactly as XlsxWriter writes them in its `constant_memory` mode: inline strings; a literal
`_xHHHH_` escaped as `_x005F_xHHHH_` and a control character as `_xHHHH_` (Excel's escapes);
`xml:space="preserve"` where a text starts or ends with whitespace; `&`, `<`, `>` as entities;
numbers as `{:.16G}`; booleans as `t="b"`; dates as serial numbers with the date format of their
column. A whole number beyond 2**53, which a spreadsheet's double cannot hold, and a date before
1 March 1900 (shifted by Excel's 1900 leap-year bug) are written as text. The tests compare the
result with XlsxWriter's own, byte for byte. One deliberate difference: a text that looks like
rich-text XML (`<r>...</r>`), which XlsxWriter would copy into the file unescaped, is escaped here
like any other text.

The zip is written again part by part, in XlsxWriter's order and with its attributes (the fixed
1980 time, the file mode of its scratch files), each data sheet with its rows after its header,
so the bytes depend on the data only.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import xl_col_to_name

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


def _text_cells(values: pa.Array, ref: pa.Array, style: str) -> pa.Array:
    """Inline-string cells, escaped as XlsxWriter escapes them; null for a null value."""
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
    opening = pc.if_else(preserve, f'"{style} t="inlineStr"><is><t xml:space="preserve">',
                         f'"{style} t="inlineStr"><is><t>')
    return pc.binary_join_element_wise('<c r="', ref, opening, values, "</t></is></c>", "")


def _value_cells(values: pa.Array, ref: pa.Array, style: str, kind: str = "") -> pa.Array:
    return pc.binary_join_element_wise('<c r="', ref, f'"{style}{kind}><v>', values, "</v></c>", "")


def _column_cells(values: pa.Array, ref: pa.Array, date_style: int) -> pa.Array:
    """One column of a batch as cell XML, the empty string for a null."""
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        cells = _text_cells(values, ref, "")
    elif pa.types.is_boolean(kind):
        cells = _value_cells(pc.if_else(values, "1", "0"), ref, "", ' t="b"')
    elif pa.types.is_integer(kind):
        exact = pc.and_(pc.greater(values, -EXACT_INTEGER), pc.less(values, EXACT_INTEGER))
        as_text = pc.cast(values, pa.string())
        cells = pc.if_else(exact, _value_cells(as_text, ref, ""), _text_cells(as_text, ref, ""))
    elif pa.types.is_floating(kind):
        if not pc.all(pc.is_finite(values)).as_py():
            raise ValueError("a number that is not finite cannot be written to a spreadsheet")
        text = pa.array([None if v is None else f"{v:.16G}" for v in values.to_pylist()], pa.string())
        cells = _value_cells(text, ref, "")
    elif pa.types.is_date(kind):
        style = f' s="{date_style}"'  # the column's date format, on a date shown as text too
        days = pc.cast(values.cast(pa.date32()), pa.int32())
        serial = pc.cast(pc.add(days, EXCEL_DAYS_AFTER_UNIX_EPOCH), pa.string())
        cells = pc.if_else(pc.greater_equal(days, FIRST_EXCEL_DAY), _value_cells(serial, ref, style),
                           _text_cells(pc.cast(values, pa.string()), ref, style))
    else:
        cells = _text_cells(pc.cast(values, pa.string()), ref, "")
    return pc.fill_null(cells, "")


def _rows_xml(batch: pa.RecordBatch, first_row: int, date_style: int) -> bytes:
    """`<row>` elements for a batch whose first row is spreadsheet row `first_row` (1-based)."""
    numbers = pc.cast(pa.array(range(first_row, first_row + batch.num_rows), pa.int64()), pa.string())
    cells = [_column_cells(batch.column(i), pc.binary_join_element_wise(xl_col_to_name(i), numbers, ""), date_style)
             for i in range(batch.num_columns)]
    rows = pc.binary_join_element_wise('<row r="', numbers, '">', *cells, "</row>", "")
    rows = rows.cast(pa.large_string()).cast(pa.large_binary())
    whole = pc.binary_join(pa.LargeListArray.from_arrays(pa.array([0, len(rows)], pa.int64()), rows),
                           pa.scalar(b"", pa.large_binary()))
    return whole[0].as_py()


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the zip, as the workbook and its relationships say."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    targets = {r.get("Id"): r.get("Target")
               for r in ET.fromstring(book.read("xl/_rels/workbook.xml.rels")).findall("p:Relationship", ns)}
    return {s.get("name"): "xl/" + targets[s.get(rid)]
            for s in ET.fromstring(book.read("xl/workbook.xml")).find("m:sheets", ns)}


def put_rows(path: Path, sheets: list[tuple[str, pa.Table]], date_style: int) -> None:
    """Each (sheet name, rows) into the workbook at `path`, under the sheet's header row.
    `date_style` is the index of the date format XlsxWriter gave the date columns."""
    staged = path.with_name(path.name + ".rows")
    try:
        with zipfile.ZipFile(path) as written, zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as out:
            names = _sheet_parts(written)
            parts = {names[name]: data for name, data in sheets}
            for info in written.infolist():
                data = parts.get(info.filename)
                if data is None:
                    out.writestr(info, written.read(info))
                else:
                    _write_sheet(out, info.filename, written.read(info).decode("utf-8"), data, date_style)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def _write_sheet(out: zipfile.ZipFile, part: str, header_only: str, data: pa.Table, date_style: int) -> None:
    """The sheet's XML with the rows after its header, through a scratch file stamped as
    XlsxWriter stamps its own, so that the zip entry gets the same attributes."""
    head, tail = header_only.split("</sheetData>", 1)
    last = f"{xl_col_to_name(data.num_columns - 1)}{data.num_rows + 1}"
    head = re.sub('<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head, count=1)
    handle, scratch = tempfile.mkstemp(suffix=".xml")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(head.encode("utf-8"))
            row = 2
            for batch in data.to_batches(max_chunksize=BATCH_ROWS):
                fh.write(_rows_xml(batch, row, date_style))
                row += batch.num_rows
            fh.write(("</sheetData>" + tail).encode("utf-8"))
        os.utime(scratch, (ZIP_TIME, ZIP_TIME))
        out.write(scratch, part)
    finally:
        os.remove(scratch)
