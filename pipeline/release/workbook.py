"""The release as one Excel workbook (`<dataset>.xlsx`), for people who live in spreadsheets.

A CSV opened by double-click is guessed at: its UTF-8 read as another encoding, ids read as
numbers, a text that starts with `=` run as a formula. A workbook carries its types, so here every
text is written as a text cell (never a formula, a link or a number read from a string), numbers
as numbers, true/false as booleans, dates as dates shown YYYY-MM-DD, and a null as an empty cell.

Layout: a first sheet "About this workbook" (what the file is, the licence, how to read it, and
every sheet with its table, rows and description), a sheet "All columns" (every column of every
table with its type, unit and meaning), then one sheet per table in registry order, its header row
frozen, filterable, each column name carrying its description as a cell note. A sheet name is the
table name; Excel allows 31 characters, so a longer name is cut and marked with a short hash of the
whole name (`name[:n]~abcd`). Excel holds 1,048,575 rows under the header; a larger table goes on
in `<name> (2)`, `<name> (3)`, ..., each with its own header row.

Made to be read and printed: a column is as wide as its content (its longest line, its name and
filter button), up to a cap beyond which a text wraps, and a row as high as its wrapped text
(LibreOffice does not fit rows to wrapped text when it opens a file). Each text cell is aligned by
its own script: a cell most of whose letters are right-to-left (Arabic, Hebrew) to the right
and read right to left, any other to the left, so an Arabic quote and its English translation side
by side each start at their own edge. Every cell sits at the top of its row. Printed, a sheet fits
the width of one page (landscape when its columns are wide), with its grid, its header row on every
page, its name and the page number.

XlsxWriter writes the whole workbook (package, styles, the first two sheets, each data sheet's
header, notes, frozen pane and filter); the data rows are then put in by workbook_rows.py, which
renders them column-wise as the same XML XlsxWriter writes cell by cell, in a fraction of the
time. `cell_by_cell=True` writes them through XlsxWriter's own `write_*` calls instead: the tests
demand the same bytes from both.

The bytes are the same for the same release: the document's dates are the release date, and
every part of the zip carries the same fixed time (XlsxWriter's, kept when the rows are put in).
Rows are streamed batch by batch, so memory stays bounded however large the tables grow.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import xlsxwriter

from ..common.cache import key
from ..registry.model import Registry, Table
from ..transform.frames import rows_in
from .reuse import Reuse
from .workbook_rows import (
    BATCH_ROWS,
    EXACT_INTEGER,
    FIRST_EXCEL_DATE,
    LINE_PIXELS,
    Styles,
    display_width,
    mostly_right_to_left,
    put_rows,
    row_lines,
    wrapped_lines,
)

EXCEL_MAX_ROWS = 1_048_576  # rows of a worksheet, the header row included
SHEET_NAME_MAX = 31
ABOUT_SHEET = "About this workbook"
COLUMNS_SHEET = "All columns"
RESERVED_SHEET_NAMES = ("history",)  # Excel keeps this name for itself
OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
           "strings_to_numbers": False}
WIDTH_CAP = 50  # a wider text wraps
FILTER_BUTTON = 3  # room beside a column name for the filter's drop-down button
PORTRAIT_WIDTH = 100  # column widths (in characters) that print legibly across a portrait page
NOTE_ROWS = 10  # a column name's note reaches no further down than this


@dataclass(frozen=True)
class Sheet:
    """One worksheet of a table: rows first .. first+rows-1 (0-based) of the table."""
    name: str
    table: str
    first: int
    rows: int


def sheet_name(table: str, part: int) -> str:
    suffix = "" if part == 1 else f" ({part})"
    room = SHEET_NAME_MAX - len(suffix)
    if len(table) <= room:
        return table + suffix
    mark = "~" + hashlib.sha256(table.encode("utf-8")).hexdigest()[:4]
    return table[:room - len(mark)] + mark + suffix


def sheet_plan(reg: Registry, counts: dict[str, int], rows_per_sheet: int = EXCEL_MAX_ROWS - 1) -> list[Sheet]:
    """Every table's sheets, in registry order; a table fills `rows_per_sheet` rows a sheet."""
    sheets = []
    for name in reg.tables:
        total = counts[name]
        parts = max(1, -(-total // rows_per_sheet))
        for part in range(1, parts + 1):
            first = (part - 1) * rows_per_sheet
            sheets.append(Sheet(sheet_name(name, part), name, first, min(rows_per_sheet, total - first)))
    seen = {n.lower(): n for n in (ABOUT_SHEET, COLUMNS_SHEET, *RESERVED_SHEET_NAMES)}
    for sheet in sheets:
        if sheet.name.lower() in seen:
            raise ValueError(f"table {sheet.table!r} would be written on sheet {sheet.name!r}, a name already "
                             f"taken by {seen[sheet.name.lower()]!r}; rename the table")
        seen[sheet.name.lower()] = sheet.name
    return sheets


class _Cells:
    """Writes one value of any column type the way a spreadsheet user expects it."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.left = book.add_format({"text_wrap": True, "valign": "top", "align": "left"})
        self.right = book.add_format({"text_wrap": True, "valign": "top", "align": "right", "reading_order": 2})
        self.value = book.add_format({"valign": "top"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        # Excel shows a boolean as TRUE or FALSE whatever its format; LibreOffice shows it by its
        # format, which must then say TRUE and FALSE.
        self.boolean = book.add_format({"num_format": '"TRUE";"TRUE";"FALSE"', "valign": "top"})
        self.plain = book.add_format()
        # Each format gets its index now, in this order, whichever is used first: the rows put in
        # column-wise (workbook_rows.py) refer to them by index.
        self.styles = Styles(*(f._get_xf_index() for f in (self.left, self.right, self.value, self.date, self.boolean)))

    def text(self, sheet, row: int, col: int, value: str) -> None:
        aligned = self.right if mostly_right_to_left(value) else self.left
        # XlsxWriter copies a text that looks like rich-text XML (`<r>...</r>`) into the file
        # unescaped; such a text is written as a two-run rich string instead, which it escapes.
        if value.startswith("<r>") and value.endswith("</r>"):
            status = sheet.write_rich_string(row, col, value[:1], self.plain, value[1:], aligned)
        else:
            status = sheet.write_string(row, col, value, aligned)
        if status:
            raise ValueError(f"sheet {sheet.name!r} row {row + 1} column {col + 1}: a text of {len(value):,} characters "
                             "does not fit in a spreadsheet cell (32,767 at most)")

    def writer(self, kind: pa.DataType):
        """The function that writes one non-null value of an Arrow type."""
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return self.text
        if pa.types.is_boolean(kind):
            return lambda sheet, row, col, value: sheet.write_boolean(row, col, value, self.boolean)
        if pa.types.is_integer(kind):
            return self._integer
        if pa.types.is_floating(kind):
            return lambda sheet, row, col, value: sheet.write_number(row, col, value, self.value)
        if pa.types.is_date(kind):
            return self._date
        return lambda sheet, row, col, value: self.text(sheet, row, col, str(value))

    def _integer(self, sheet, row: int, col: int, value: int) -> None:
        if -EXACT_INTEGER < value < EXACT_INTEGER:
            sheet.write_number(row, col, value, self.value)
        else:
            self.text(sheet, row, col, str(value))

    def _date(self, sheet, row: int, col: int, value: dt.date) -> None:
        if value >= FIRST_EXCEL_DATE:
            sheet.write_datetime(row, col, value, self.date)
        else:
            self.text(sheet, row, col, value.isoformat())


def _width(name: str, values: pa.ChunkedArray) -> int:
    """As wide as the column's name with its filter button and its widest value, up to the cap."""
    return max(len(name) + FILTER_BUTTON, min(display_width(values) + 1, WIDTH_CAP))


def _print_setup(page, widths: list[float], header_rows: int) -> None:
    """Printed across the width of one page, on as many pages down as it takes, landscape when the
    columns are too wide for a portrait page; the header rows repeat on every page."""
    if sum(widths) > PORTRAIT_WIDTH:
        page.set_landscape()
    page.fit_to_pages(1, 0)
    page.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if header_rows:
        page.repeat_rows(0, header_rows - 1)
    page.hide_gridlines(0)
    page.set_header("&L&A")
    page.set_footer("&CPage &P of &N")


def _set_columns(page, widths: list[float]) -> None:
    for col, width in enumerate(widths):
        page.set_column(col, col, width)


def _fit_row(page, row: int, text: str, width: float) -> None:
    """Makes a row as high as `text` wraps to in a column `width` characters wide."""
    lines = wrapped_lines(pa.array([text]), width)[0].as_py()
    if lines > 1:
        page.set_row_pixels(row, LINE_PIXELS * lines)


def _about(book, cells: _Cells, bold, reg: Registry, meta: dict, sheets: list[Sheet]) -> None:
    page = book.add_worksheet(ABOUT_SHEET)
    widths = [28, 22, 10, 10, 90]
    _set_columns(page, widths)
    licence = meta["licenses"][0]
    lines = [
        f"{meta['title']} {meta['version']} ({meta['date_published']})",
        meta["description"],
        f"Licence: {licence['title']} ({licence['path']}). {meta['source_licence_note']}",
        "One sheet per table, in the order of DATA_DICTIONARY.md. Row 1 of each sheet holds the column names; "
        "hover over a name for its meaning, or see the sheet 'All columns'.",
        "Every text is stored as text, never as a formula. Numbers are numbers, true/false are booleans, "
        "dates are dates shown as YYYY-MM-DD (a date before 1 March 1900, which Excel cannot hold, is "
        "written as text), and an empty cell is a null.",
        f"A sheet holds at most {EXCEL_MAX_ROWS - 1:,} rows under its header: a larger table continues on "
        "'<name> (2)', '<name> (3)', ... A table name longer than 31 characters is cut and marked with "
        "~ and four characters of its hash. The list below gives each sheet's table and rows.",
    ]
    # Each line spans the five columns and wraps there.
    for row, line in enumerate(lines):
        _fit_row(page, row, line, sum(widths))
        page.merge_range(row, 0, row, len(widths) - 1, line, cells.left)
    header = len(lines) + 1
    for col, title in enumerate(("sheet", "table", "first row", "rows", "description")):
        page.write_string(header, col, title, bold)
    for row, sheet in enumerate(sheets, header + 1):
        _fit_row(page, row, reg.tables[sheet.table].description, widths[4])
        cells.text(page, row, 0, sheet.name)
        cells.text(page, row, 1, sheet.table)
        page.write_number(row, 2, sheet.first + 1, cells.value)
        page.write_number(row, 3, sheet.rows, cells.value)
        cells.text(page, row, 4, reg.tables[sheet.table].description)
    _print_setup(page, widths, header_rows=0)


def _columns(book, cells: _Cells, bold, reg: Registry) -> None:
    page = book.add_worksheet(COLUMNS_SHEET)
    titles = ("table", "column", "type", "unit", "required", "description")
    widths = [26, 26, 10, 14, 10, 80]
    _set_columns(page, widths)
    for col, title in enumerate(titles):
        page.write_string(0, col, title, bold)
    row = 0
    for table in reg.tables.values():
        for f in table.fields:
            row += 1
            _fit_row(page, row, f.description, widths[5])
            for col, value in enumerate((table.name, f.name, f.type.name, f.unit)):
                if value:
                    cells.text(page, row, col, value)
            page.write_boolean(row, 4, f.required, cells.boolean)
            cells.text(page, row, 5, f.description)
    page.freeze_panes(1, 0)
    page.autofilter(0, 0, row, len(titles) - 1)
    _print_setup(page, widths, header_rows=1)


def _data_sheet(book, bold, cells: _Cells, table: Table, dated: list[bool], sheet: Sheet, widths: list[float]):
    """A table's sheet with its header row: widths, notes, frozen header, filter over every row,
    print setup. A date column carries the date format, so that every cell of it shows YYYY-MM-DD."""
    page = book.add_worksheet(sheet.name)
    for col, f in enumerate(table.fields):
        page.set_column(col, col, widths[col], cells.date if dated[col] else None)
        page.write_string(0, col, f.name, bold)
        page.write_comment(0, col, f.description, {"x_scale": 2, "y_scale": 1.5})
    page.freeze_panes(1, 0)
    page.autofilter(0, 0, max(sheet.rows, 1), len(table.fields) - 1)
    _print_setup(page, widths, header_rows=1)
    return page


def write_workbook(path: Path, reg: Registry, tables: dict[str, pa.Table], meta: dict,
                   rows_per_sheet: int = EXCEL_MAX_ROWS - 1, cell_by_cell: bool = False,
                   reuse: Reuse | None = None) -> list[Sheet]:
    """Every table into the workbook at `path`; returns its sheets. A sheet whose rows did not change
    since a build that kept it (`reuse`) is copied back compressed (workbook_rows.put_rows)."""
    reuse = reuse if reuse is not None else Reuse(None)
    counts = {n: rows_in(tables, n) for n in reg.tables}  # given the Parquet files, no table is read for it
    sheets = sheet_plan(reg, counts, rows_per_sheet)
    released = dt.datetime.combine(dt.date.fromisoformat(str(meta["date_published"])), dt.time())
    with xlsxwriter.Workbook(str(path), OPTIONS) as book:
        book.set_properties({"title": f"{meta['title']} {meta['version']}", "subject": meta["description"],
                             "author": meta["contributors"][0]["title"], "created": released,
                             "comments": f"{meta['licenses'][0]['title']}. {meta['source_licence_note']}"})
        bold = book.add_format({"bold": True, "valign": "top", "bottom": 1})
        cells = _Cells(book)
        _about(book, cells, bold, reg, meta, sheets)
        _columns(book, cells, bold, reg)
        parts = []
        for sheet in sheets:
            table = reg.tables[sheet.table]
            rows_digest = reuse.of_tables(sheet.table)
            inputs = None if rows_digest is None else key(rows_digest, str(sheet.first), str(sheet.rows))
            # A sheet's layout (column widths, the heights of the rows its notes cover, its date
            # columns) comes from every row of it: kept under the rows' digest, so a sheet whose
            # rows did not change is not read at all.
            layout = json.loads(reuse.keyed("workbook-layout", inputs, functools.partial(_layout, tables, table, sheet)))
            widths = layout["widths"]
            page = _data_sheet(book, bold, cells, table, layout["dated"], sheet, widths)
            if cell_by_cell:
                _write_rows(page, cells, _sheet_rows(tables, table, sheet), widths)
            elif sheet.rows:
                for row, lines in layout["heights"]:
                    page.row_sizes[row] = [LINE_PIXELS * lines, False]
                # read when its turn comes: a writer given the tables one at a time holds one
                # A fact table on one sheet is put in by runs of sources, kept under their partitions' keys.
                whole_fact_table = table.fact and sheet.rows == counts[sheet.table]
                parts.append((sheet.name, functools.partial(_sheet_rows, tables, table, sheet), widths, inputs,
                              whole_fact_table))
    if parts:
        put_rows(path, parts, cells.styles, reuse)
    return sheets


def _layout(tables: dict[str, pa.Table], table: Table, sheet: Sheet) -> bytes:
    """A sheet's column widths, the heights of its first rows, and which columns hold dates, as JSON."""
    rows = _sheet_rows(tables, table, sheet)
    widths = [_width(f.name, rows.column(f.name)) for f in table.fields]
    return json.dumps({"widths": widths, "heights": _row_heights(rows.slice(0, NOTE_ROWS), widths),
                       "dated": [pa.types.is_date(rows.schema.field(f.name).type) for f in table.fields]}).encode()


def _sheet_rows(tables: dict[str, pa.Table], table: Table, sheet: Sheet) -> pa.Table:
    return tables[sheet.table].select(table.columns).slice(sheet.first, sheet.rows)


def _row_heights(rows: pa.Table, widths: list[float]) -> list[list[int]]:
    """XlsxWriter places each column name's note by the heights of the rows the note covers, as the
    cell-by-cell writer sets them. Here the rows are put in after XlsxWriter has written the sheet,
    so it is told the heights of the first rows in the table it keeps for placing drawings and notes
    (`row_sizes`), without a row of its own being written: [row, lines] of each taller than one line."""
    if not rows.num_rows:
        return []
    lines = row_lines(rows.combine_chunks().to_batches()[0], widths).to_pylist()
    return [[row, n] for row, n in enumerate(lines, 1) if n > 1]


def _write_rows(page, cells: _Cells, data: pa.Table, widths: list[float]) -> None:
    """The rows through XlsxWriter, cell by cell (row 0 is the header), each as high as its text."""
    writers = [cells.writer(kind) for kind in data.schema.types]
    row = 0
    for batch in data.to_batches(max_chunksize=BATCH_ROWS):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for lines, *values in zip(row_lines(batch, widths).to_pylist(), *columns):
            row += 1
            if lines > 1:
                page.set_row_pixels(row, LINE_PIXELS * lines)
            for col, (value, write) in enumerate(zip(values, writers)):
                if value is not None:
                    write(page, row, col, value)
