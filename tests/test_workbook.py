"""The Excel workbook holds every table exactly: one sheet per table (continued on `<name> (2)`
beyond Excel's row limit), every text as a text cell (never a formula, a link or a number), numbers
as numbers, booleans as booleans, dates as dates, nulls as empty cells; the same release gives the
same bytes. Read back from the file's XML (no spreadsheet program is needed), on a release the
current code builds."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from xlsxwriter.utility import xl_col_to_name

from pipeline.curation.dataset import dataset_meta
from pipeline.registry.model import Field, Registry, Table, registry
from pipeline.registry.types import TYPES
from pipeline.release.workbook import (
    ABOUT_SHEET,
    COLUMNS_SHEET,
    EXCEL_MAX_ROWS,
    PORTRAIT_WIDTH,
    SHEET_NAME_MAX,
    WIDTH_CAP,
    sheet_name,
    sheet_plan,
    write_workbook,
)

REG = registry()
META = dataset_meta()
BOOK = f"{META['name']}.xlsx"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 for dates after Excel's 1900-02-29
# Texts a spreadsheet or XlsxWriter would otherwise turn into something else.
TRICKY = ["=1+1", "=HYPERLINK(\"http://example.org\")", "+49 30 123", "-2%", "@SUM(A1)", "<r><t>x</t></r>",
          "<r>bold</r>", "_x0041_ stays", "http://example.org/", "00123", "1e5", "TRUE",
          "خدمة العملاء", "客户服务代表", "тест 😀", " leading and trailing ", "tab\there\nnew line", "&<>\"'"]


def _unescape(text: str) -> str:
    """Excel's _xHHHH_ escapes (XlsxWriter writes a literal `_x0041_` as `_x005F_x0041_`)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class Book:
    """A workbook read back from its XML: each sheet as rows of typed values."""

    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path)
        for name in self.zip.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ET.fromstring(self.zip.read(name))  # every part is well-formed XML
        workbook = ET.fromstring(self.zip.read("xl/workbook.xml"))
        rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
        self.files = {s.get("name"): "xl/" + targets[s.get(f"{{{NS['r']}}}id")]
                      for s in workbook.find("m:sheets", NS)}
        styles = ET.fromstring(self.zip.read("xl/styles.xml"))
        formats = {f.get("numFmtId"): f.get("formatCode") for f in styles.iter(f"{{{NS['m']}}}numFmt")}
        self.date_styles = {str(i) for i, xf in enumerate(styles.find("m:cellXfs", NS))
                            if formats.get(xf.get("numFmtId")) == "yyyy-mm-dd"}
        self.alignment = {str(i): (xf.find("m:alignment", NS).attrib if xf.find("m:alignment", NS) is not None else {})
                          for i, xf in enumerate(styles.find("m:cellXfs", NS))}
        self.defined_names = {(d.get("name"), d.get("localSheetId")): d.text
                              for d in workbook.iter(f"{{{NS['m']}}}definedName")}

    @property
    def sheets(self) -> list[str]:
        return list(self.files)

    def xml(self, sheet: str) -> bytes:
        return self.zip.read(self.files[sheet])

    def widths(self, sheet: str) -> list[float]:
        """Each column's width in characters, as set (XlsxWriter adds 0.71 for the cell's padding, and
        writes neighbours of the same width and format as one range)."""
        cols = ET.fromstring(self.xml(sheet)).find("m:cols", NS)
        return [round(float(c.get("width")) - 0.7109375, 4) for c in cols
                for _ in range(int(c.get("min")), int(c.get("max")) + 1)]

    def heights(self, sheet: str) -> dict[int, float]:
        """The height in points of every row that has one set (0-based row numbers)."""
        return {int(r.get("r")) - 1: float(r.get("ht")) for r in ET.fromstring(self.xml(sheet)).iter(f"{{{NS['m']}}}row")
                if r.get("customHeight") == "1"}

    def text_alignment(self, sheet: str) -> dict[tuple[int, int], dict]:
        """Each text cell's alignment (row and column 0-based)."""
        return {(int(re.sub("[A-Z]+", "", c.get("r"))) - 1, _column(c.get("r"))): self.alignment[c.get("s", "0")]
                for c in ET.fromstring(self.xml(sheet)).iter(f"{{{NS['m']}}}c") if c.get("t") == "inlineStr"}

    def rows(self, sheet: str) -> list[list]:
        out = []
        for row in ET.fromstring(self.xml(sheet)).iter(f"{{{NS['m']}}}row"):
            values: dict[int, object] = {}
            for cell in row.findall("m:c", NS):
                kind, style = cell.get("t"), cell.get("s")
                assert cell.find("m:f", NS) is None, "a formula in the workbook"
                if kind is None and cell.find("m:v", NS) is None:
                    continue  # a blank cell of a merged range: a format and no value
                if kind == "inlineStr":
                    value = _unescape("".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t")))
                elif kind == "b":
                    value = cell.find("m:v", NS).text == "1"
                else:
                    assert kind is None, kind
                    number = float(cell.find("m:v", NS).text)
                    value = EXCEL_EPOCH + dt.timedelta(days=number) if style in self.date_styles else number
                values[_column(cell.get("r"))] = value
            out.append([values.get(i) for i in range(max(values) + 1)] if values else [])
        return out


def _expected(table: pa.Table) -> list[list]:
    """The rows as the workbook should hold them: integers as the numbers a spreadsheet keeps."""
    out = []
    for row in table.to_pylist():
        out.append([float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in row.values()])
    return out


def _trim(rows: list[list], width: int) -> list[list]:
    return [row + [None] * (width - len(row)) for row in rows]


@pytest.fixture(scope="module")
def tables(release) -> dict[str, pa.Table]:
    return {name: pq.read_table(release / "parquet" / f"{name}.parquet") for name in REG.tables}


@pytest.fixture(scope="module")
def book(release) -> Book:
    return Book(release / BOOK)


def test_every_table_is_a_sheet_with_its_columns_and_exactly_its_rows(book, tables):
    assert book.sheets == [ABOUT_SHEET, COLUMNS_SHEET, *REG.tables]
    for name, table in REG.tables.items():
        rows = book.rows(name)
        assert rows[0] == table.columns
        assert _trim(rows[1:], len(table.columns)) == _expected(tables[name]), name


def test_arabic_chinese_and_russian_text_round_trips(book, tables):
    titles = book.rows("titles")
    text = titles[0].index("text")
    langs = {row[titles[0].index("lang")] for row in titles[1:]}
    assert {"ar", "ru", "zh-Hans"} <= langs
    assert [row[text] for row in titles[1:]] == tables["titles"].column("text").to_pylist()


def test_the_same_release_gives_the_same_workbook_bytes(release, tables, tmp_path):
    write_workbook(tmp_path / "a.xlsx", REG, tables, META)
    write_workbook(tmp_path / "b.xlsx", REG, tables, META)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes() == (release / BOOK).read_bytes()
    core = zipfile.ZipFile(tmp_path / "a.xlsx").read("docProps/core.xml").decode()
    assert f"<dcterms:created xsi:type=\"dcterms:W3CDTF\">{META['date_published']}T00:00:00Z" in core
    assert {info.date_time for info in zipfile.ZipFile(tmp_path / "a.xlsx").infolist()} == {(1980, 1, 31, 0, 0, 0)}


def test_a_text_that_looks_like_a_formula_a_link_a_number_or_xml_stays_that_text(tables, tmp_path):
    roles = tables["roles"].to_pylist()
    rows = [dict(roles[i % len(roles)], role_id=f"r{i}", label_en=text, definition_en=text)
            for i, text in enumerate(TRICKY)]
    tricky = dict(tables, roles=pa.Table.from_pylist(rows, schema=tables["roles"].schema))
    write_workbook(tmp_path / "tricky.xlsx", REG, tricky, META)
    book = Book(tmp_path / "tricky.xlsx")
    sheet = book.rows("roles")
    label = sheet[0].index("label_en")
    assert [row[label] for row in sheet[1:]] == TRICKY
    cells = re.findall(rb'<c r="[A-Z]+\d+"[^>]*>', book.xml("roles"))
    labels = [c for c in cells if re.match(rb'<c r="%s\d+"' % b"ABCDEFGHIJ"[label:label + 1], c)]
    assert len(labels) == len(TRICKY) + 1 and all(b't="inlineStr"' in c for c in labels)
    assert b"<f>" not in book.xml("roles") and b"hyperlink" not in book.xml("roles")


def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets(tables, tmp_path):
    per_sheet = 100
    sheets = write_workbook(tmp_path / "split.xlsx", REG, tables, META, rows_per_sheet=per_sheet)
    book = Book(tmp_path / "split.xlsx")
    name, table = "duty_mentions", REG.tables["duty_mentions"]
    parts = [s for s in sheets if s.table == name]
    assert [s.name for s in parts] == [name] + [f"{name} ({k})" for k in range(2, len(parts) + 1)]
    assert len(parts) == -(-tables[name].num_rows // per_sheet) > 1
    rows = []
    for part in parts:
        sheet = book.rows(part.name)
        assert sheet[0] == table.columns and len(sheet) - 1 == part.rows <= per_sheet
        rows += sheet[1:]
    assert _trim(rows, len(table.columns)) == _expected(tables[name])
    about = book.rows(ABOUT_SHEET)
    listed = [row[:4] for row in about if row and row[0] in {s.name for s in parts}]
    assert listed == [[s.name, name, float(s.first + 1), float(s.rows)] for s in parts]


def test_sheet_names_fit_excel_and_never_collide():
    assert sheet_name("duty_mentions", 1) == "duty_mentions"
    assert sheet_name("duty_mentions", 2) == "duty_mentions (2)"
    long = "a_table_name_much_longer_than_excel_allows"
    names = {sheet_name(long, k) for k in (1, 2, 12)} | {sheet_name(long + "_too", 1)}
    assert len(names) == 4 and all(len(n) <= SHEET_NAME_MAX for n in names)
    assert sheet_name(long, 1) == sheet_name(long, 1)
    plan = sheet_plan(REG, {n: 2 * EXCEL_MAX_ROWS if n == "titles" else 1 for n in REG.tables})
    assert [s.name for s in plan if s.table == "titles"] == ["titles", "titles (2)", "titles (3)"]
    assert all(s.rows <= EXCEL_MAX_ROWS - 1 for s in plan)


def test_the_first_sheets_list_every_sheet_and_describe_every_column(book, tables):
    about = book.rows(ABOUT_SHEET)
    listed = {row[0]: row[1:] for row in about if row and row[0] in REG.tables}
    for name, table in REG.tables.items():
        assert listed[name] == [name, 1.0, float(tables[name].num_rows), table.description]
    columns = book.rows(COLUMNS_SHEET)
    assert columns[0] == ["table", "column", "type", "unit", "required", "description"]
    described = {(row[0], row[1]): row[5] for row in columns[1:]}
    assert described == {(t.name, f.name): f.description for t in REG.tables.values() for f in t.fields}


def test_each_column_name_carries_its_description_as_a_note(book):
    notes = set()
    for name in book.zip.namelist():
        if re.fullmatch(r"xl/comments\d+\.xml", name):
            notes |= {"".join(t.itertext()) for t in ET.fromstring(book.zip.read(name)).iter(f"{{{NS['m']}}}text")}
    assert notes == {f.description for table in REG.tables.values() for f in table.fields}


def test_a_text_too_long_for_a_cell_is_refused_rather_than_cut(tables, tmp_path):
    roles = tables["roles"].to_pylist()
    roles[0]["definition_en"] = "x" * 40_000
    too_long = dict(tables, roles=pa.Table.from_pylist(roles, schema=tables["roles"].schema))
    with pytest.raises(ValueError, match="32,767"):
        write_workbook(tmp_path / "long.xlsx", REG, too_long, META)


def _every_type(rich_looking: bool = True) -> tuple[Registry, dict[str, pa.Table]]:
    """A one-table registry with a column of every registry type, and rows that test their edges.
    Without the texts that look like rich-text XML, which XlsxWriter alone writes unescaped."""
    kinds = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
             "date": pa.date32()}
    fields = tuple(Field(name, TYPES[name], f"a {name} column", max_length=5000 if name == "string" else None)
                   for name in kinds)
    table = Table(name="every_type", description="One column of every type.", primary_key=("integer",),
                  fields=fields)
    reg = Registry(fields={f.name: f for f in fields}, tables={table.name: table}, fact_fields=(), digest="")
    strings = [t for t in TRICKY if rich_looking or not re.fullmatch("<r>.*</r>", t)] + [
        "ctl\x01\x1f\r\x0b end", "\u3000ideographic space", "nbsp\u00a0", "line\n", "<b>x</b>", None]
    n = len(strings)
    integers = [2**53, 2**53 - 1, -(2**53), 0, -7] + list(range(100, 100 + n - 5))
    numbers = [0.1, 1e-05, 12345678.9, 1 / 3, 1e20, -0.0, 5e-324, 2.5, None] + [float(i) for i in range(n - 9)]
    booleans = [True, False, None] * (n // 3) + [True] * (n % 3)
    dates = [dt.date(1899, 12, 31), dt.date(1900, 3, 1), dt.date(2024, 2, 29), None, dt.date(1, 1, 1)] + \
        [dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(n - 5)]
    data = pa.table({"string": strings, "integer": integers, "number": numbers, "boolean": booleans,
                     "date": dates}, schema=pa.schema([(k, v) for k, v in kinds.items()]))
    return reg, {table.name: data}


@pytest.mark.parametrize("per_sheet", [EXCEL_MAX_ROWS - 1, 7])
def test_the_rows_are_the_bytes_xlsxwriter_writes_cell_by_cell(tmp_path, per_sheet):
    reg, data = _every_type(rich_looking=False)
    fast = write_workbook(tmp_path / "fast.xlsx", reg, data, META, rows_per_sheet=per_sheet)
    slow = write_workbook(tmp_path / "slow.xlsx", reg, data, META, rows_per_sheet=per_sheet, cell_by_cell=True)
    assert fast == slow
    assert (tmp_path / "fast.xlsx").read_bytes() == (tmp_path / "slow.xlsx").read_bytes()


def test_the_real_release_is_the_bytes_xlsxwriter_writes_cell_by_cell(tables, tmp_path):
    write_workbook(tmp_path / "slow.xlsx", REG, tables, META, cell_by_cell=True)
    write_workbook(tmp_path / "fast.xlsx", REG, tables, META)
    assert (tmp_path / "fast.xlsx").read_bytes() == (tmp_path / "slow.xlsx").read_bytes()


def test_every_type_reads_back_as_its_value(tmp_path):
    reg, data = _every_type()
    write_workbook(tmp_path / "types.xlsx", reg, data, META)
    rows = Book(tmp_path / "types.xlsx").rows("every_type")
    assert rows[0] == ["string", "integer", "number", "boolean", "date"]
    for got, want in zip(rows[1:], data["every_type"].to_pylist(), strict=True):
        got = got + [None] * (5 - len(got))
        assert got[0] == want["string"]
        exact = abs(want["integer"]) < 2**53
        assert got[1] == (float(want["integer"]) if exact else str(want["integer"]))
        assert got[2] == want["number"] and got[3] == want["boolean"]
        early = want["date"] is not None and want["date"] < dt.date(1900, 3, 1)
        assert got[4] == (want["date"].isoformat() if early else want["date"])


# Texts and the side each is set on: right when most of its letters are of a right-to-left script
# (digits, spaces and punctuation do not count), so an English note quoting an Arabic word is left.
ALIGNED = {"خدمة العملاء": "right", "«خدمة» the service": "left", "2024: خدمة العملاء": "right",
           "שירות לקוחות": "right", "CSR (خدمة العملاء)": "right", "客户服务代表": "left", "обслуживание": "left",
           "12345": "left", "(…)": "left", "tab\there": "left",
           "الزبائن is a synonym of العملاء (customers), read as customers": "left"}


def test_each_text_cell_is_aligned_by_its_own_script_and_wraps(tables, tmp_path):
    roles = tables["roles"].to_pylist()
    rows = [dict(roles[i % len(roles)], role_id=f"r{i}", label_en=text) for i, text in enumerate(ALIGNED)]
    write_workbook(tmp_path / "aligned.xlsx", REG, dict(tables, roles=pa.Table.from_pylist(rows, schema=tables["roles"].schema)),
                   META)
    book = Book(tmp_path / "aligned.xlsx")
    label = REG.tables["roles"].columns.index("label_en")
    aligned = book.text_alignment("roles")
    for i, (text, side) in enumerate(ALIGNED.items(), 1):
        assert aligned[i, label]["horizontal"] == side, text
        assert aligned[i, label].get("readingOrder") == ("2" if side == "right" else None), text
    for (row, _), alignment in aligned.items():
        if row:
            assert alignment["wrapText"] == "1" and alignment["vertical"] == "top"


def _mostly_right_to_left(text: str) -> bool:
    rtl = sum(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)
    return rtl > sum(unicodedata.bidirectional(ch) == "L" for ch in text)


def test_in_the_release_arabic_texts_are_set_right_and_the_others_left(book, tables):
    """Every text cell of every sheet, by the script of most of its letters: an Arabic title right,
    its English translation left, an English translation note that opens with the Arabic it explains left."""
    count = {"right": 0, "left": 0}
    for name, table in REG.tables.items():
        aligned = book.text_alignment(name)
        for i, row in enumerate(tables[name].to_pylist(), 1):
            for col, value in enumerate(row.values()):
                if isinstance(value, str):
                    side = "right" if _mostly_right_to_left(value) else "left"
                    assert aligned[i, col]["horizontal"] == side, (name, i, table.columns[col], value[:40])
                    count[side] += 1
    assert count["right"] > 1000 and count["left"] > 10 * count["right"]


def _shown_width(value) -> int:
    """Characters a value takes on one line: its longest line, a Chinese character counting two."""
    text = value if isinstance(value, str) else str(value)
    return max(sum(2 if "\u2e80" <= ch <= "\ua4cf" or "\uac00" <= ch <= "\ud7a3" or "\uff00" <= ch <= "\uff60" else 1
                   for ch in line) for line in text.split("\n"))


def test_columns_are_as_wide_as_their_content_up_to_a_cap(book, tables):
    """Not the schema's maximum length: `level_id` is as wide as its longest value (11 characters),
    not 53. A column is as wide as its name and filter button; a text that fits under the cap fits
    on one line; a longer one wraps at the cap."""
    for name, table in REG.tables.items():
        widths = dict(zip(table.columns, book.widths(name)))
        for column in table.columns:
            values = [v for v in tables[name].column(column).to_pylist() if v is not None]
            longest = max(map(_shown_width, values), default=0)
            assert len(column) + 2 < widths[column] <= max(WIDTH_CAP, len(column) + 3), (name, column)
            if isinstance(values[:1] and values[0], str) and longest < WIDTH_CAP:
                assert widths[column] > longest, (name, column)
    assert book.widths("titles")[REG.tables["titles"].columns.index("level_id")] <= 15


def test_a_row_is_as_high_as_its_wrapped_text_needs(book, tables):
    """No text is cut or printed over the next row: a line of a column `width` zeros wide holds at
    most 1.25 x width characters of text, so a row is at least that many lines high (15 points a
    line); a row whose text fits on one line keeps the default height."""
    for name in REG.tables:
        widths, heights = book.widths(name), book.heights(name)
        for i, row in enumerate(tables[name].to_pylist(), 1):
            need = max([sum(-(-_shown_width(line) // int(width * 1.25)) or 1 for line in value.split("\n"))
                        for value, width in zip(row.values(), widths) if isinstance(value, str)] or [1])
            assert heights.get(i, 15) >= 15 * min(need, 27), (name, i)
            if all(not isinstance(v, str) or _shown_width(v) < width for v, width in zip(row.values(), widths)):
                assert i not in heights, (name, i)


def test_every_table_sheet_has_a_frozen_filtered_header_and_prints_across_one_page(book, tables):
    for index, name in enumerate(book.sheets):
        sheet = ET.fromstring(book.xml(name))
        setup = sheet.find("m:pageSetup", NS)
        assert sheet.find("m:sheetPr/m:pageSetUpPr", NS).get("fitToPage") == "1", name
        assert setup.get("fitToHeight") == "0" and setup.get("fitToWidth") in (None, "1"), name
        wide = sum(book.widths(name)) > PORTRAIT_WIDTH
        assert setup.get("orientation") == ("landscape" if wide else "portrait"), name
        assert "&A" in sheet.find("m:headerFooter/m:oddHeader", NS).text
        assert "&P" in sheet.find("m:headerFooter/m:oddFooter", NS).text
        if name == ABOUT_SHEET:
            continue
        pane = sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
        assert (pane.get("ySplit"), pane.get("topLeftCell"), pane.get("state")) == ("1", "A2", "frozen"), name
        assert book.defined_names["_xlnm.Print_Titles", str(index)].endswith("!$1:$1"), name
        if name in REG.tables:
            last = f"{xl_col_to_name(len(REG.tables[name].columns) - 1)}{tables[name].num_rows + 1}"
            assert sheet.find("m:autoFilter", NS).get("ref") == f"A1:{last}", name
