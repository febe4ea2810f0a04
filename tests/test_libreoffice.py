"""The release opened in LibreOffice Calc, as a spreadsheet user opens it: Debian's
`libreoffice-calc`, headless, reads every CSV file with the separators its Text Import dialog ticks
by default (Tab, Comma and Semicolon) and every sheet of the workbook; what it read is saved again
as xlsx, read back from its XML and compared, cell for cell, with the Parquet files.

LibreOffice is never downloaded here: `make test` installs Debian's package when it is missing.
Without it these tests fail and say so, rather than skip. Each conversion is one `soffice` run over
many files, in a LibreOffice profile of the test module's own (parallel test workers never share one).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.curation.dataset import dataset_meta
from pipeline.registry.model import registry
from pipeline.release.workbook import ABOUT_SHEET, COLUMNS_SHEET

REG = registry()
BOOK = f"{dataset_meta()['name']}.xlsx"
SOFFICE = os.environ.get("SOFFICE", "soffice")
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
P = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EXCEL_EPOCH = dt.date(1899, 12, 30)
# The CSV filter's options (LibreOffice Help, "CSV Filter Options"), as the Text Import dialog
# starts: separators Comma, Tab and Semicolon (ASCII 44/9/59), string delimiter " (34), character
# set UTF-8 (76), from line 1, every column Standard (token 5, empty) unless given, language English
# (USA) (1033, so that 2.5 is a number whatever the machine's locale), "Format quoted field as text"
# and "Detect special numbers" unticked, "Evaluate formulas" unticked.
CSV_IMPORT = "Text - txt - csv (StarCalc):44/9/59,34,76,1,{columns},1033,false,false,false,false,false,0,false"
TEXT_COLUMN = 2  # the column type Text in token 5


def _digit_codes() -> dict[str, set[str]]:
    """Per table, the text columns whose pattern lets a value be all digits (a whole number of up to
    15 digits): codes that a spreadsheet or a CSV reader takes for a number unless told otherwise."""
    codes = {}
    for table in REG.tables.values():
        names = {f.name for f in table.fields if f.type.name == "string" and f.pattern
                 and any(re.fullmatch(f.pattern, digit * k) for digit in "0123456789" for k in range(1, 16))}
        if names:
            codes[table.name] = names
    return codes


DIGIT_CODES = _digit_codes()


@pytest.fixture(scope="module")
def soffice(tmp_path_factory) -> list[str]:
    """The command that starts LibreOffice headless, with a profile of this module's own."""
    path = shutil.which(SOFFICE)
    if path is None:
        pytest.fail(f"no LibreOffice ({SOFFICE}): run `make test` (installs Debian's libreoffice-calc), "
                    "or set SOFFICE=/path/to/soffice", pytrace=False)
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    return [path, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}"]


def convert(soffice: list[str], files: list[Path], out: Path, infilter: str | None = None) -> dict[str, Path]:
    """Each file opened by LibreOffice and saved as xlsx into `out`, in one run; name -> saved file."""
    out.mkdir(parents=True, exist_ok=True)
    command = list(soffice)
    if infilter:
        command.append(f"--infilter={infilter}")
    result = subprocess.run([*command, "--convert-to", "xlsx", "--outdir", str(out), *map(str, files)],
                            capture_output=True, text=True, timeout=600)
    saved = {f.stem: out / f"{f.stem}.xlsx" for f in files}
    missing = [name for name, path in saved.items() if not path.is_file()]
    assert not missing, f"LibreOffice did not convert {missing}: {result.stdout}{result.stderr}"
    return saved


def _unescape(text: str) -> str:
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _column(ref: str) -> int:
    n = 0
    for ch in re.match("[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


class Saved:
    """A workbook as LibreOffice saved it, read from its XML: each sheet's rows of typed values
    (a date-formatted number as a date), and each cell's horizontal alignment."""

    def __init__(self, path: Path):
        book = zipfile.ZipFile(path)
        names = book.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            shared = [_unescape("".join(t.text or "" for t in si.iter(M + "t")))
                      for si in ET.fromstring(book.read("xl/sharedStrings.xml")).iter(M + "si")]
        styles = ET.fromstring(book.read("xl/styles.xml"))
        codes = {f.get("numFmtId"): f.get("formatCode") for f in styles.iter(M + "numFmt")}
        xfs = list(styles.find(M + "cellXfs"))
        self.dates = {i for i, xf in enumerate(xfs) if self._is_date(codes, xf.get("numFmtId", "0"))}
        self.alignment = {i: (xf.find(M + "alignment").get("horizontal") if xf.find(M + "alignment") is not None
                              else None) for i, xf in enumerate(xfs)}
        rels = {r.get("Id"): r.get("Target")
                for r in ET.fromstring(book.read("xl/_rels/workbook.xml.rels")).iter(P + "Relationship")}
        self.sheets: dict[str, list[list]] = {}
        self.aligned: dict[str, dict[tuple[int, int], str]] = {}
        self.heights: dict[str, dict[int, float]] = {}
        for sheet in ET.fromstring(book.read("xl/workbook.xml")).find(M + "sheets"):
            target = rels[sheet.get(R + "id")].lstrip("/")
            xml = ET.fromstring(book.read(target if target.startswith("xl/") else "xl/" + target))
            self._read(sheet.get("name"), xml, shared)

    @staticmethod
    def _is_date(codes: dict, number_format: str) -> bool:
        if 14 <= int(number_format) <= 22:
            return True
        code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", codes.get(number_format, ""))
        return bool(re.search("[yYdD]", code)) and not re.search("[0#]", code)

    def _read(self, name: str, xml, shared: list[str]) -> None:
        rows, aligned, heights = [], {}, {}
        for row in xml.iter(M + "row"):
            number = int(row.get("r")) - 1
            if row.get("customHeight") in ("1", "true"):
                heights[number] = float(row.get("ht"))
            values = {}
            for cell in row.findall(M + "c"):
                kind, v = cell.get("t", "n"), cell.find(M + "v")
                col = _column(cell.get("r"))
                if kind == "s":
                    values[col] = shared[int(v.text)]
                elif kind == "inlineStr":
                    values[col] = _unescape("".join(t.text or "" for t in cell.iter(M + "t")))
                elif kind == "str":
                    values[col] = v.text or ""
                elif kind == "b":
                    values[col] = v.text == "1"
                elif kind == "e":
                    values[col] = ("error", v.text)
                elif v is not None:
                    number_ = float(v.text)
                    dated = int(cell.get("s", "0")) in self.dates
                    values[col] = EXCEL_EPOCH + dt.timedelta(days=number_) if dated else number_
                if col in values:
                    aligned[number, col] = self.alignment.get(int(cell.get("s", "0")))
            while len(rows) < number:
                rows.append([])
            rows.append([values.get(i) for i in range(max(values) + 1)] if values else [])
        self.sheets[name], self.aligned[name], self.heights[name] = rows, aligned, heights


def _as_spreadsheet(value):
    """A Parquet value as a spreadsheet holds it: a whole number as a float."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def differences(sheet: list[list], table, limit: int = 20) -> list[str]:
    """Every cell of a sheet (header row first) that is not the Parquet table's, and every row that
    is longer or shorter: a field cut in two at a separator makes a row longer."""
    expected = [table.column_names] + [[_as_spreadsheet(v) for v in row.values()] for row in table.to_pylist()]
    found = []
    if len(sheet) != len(expected):
        found.append(f"{len(sheet) - 1} rows, not {len(expected) - 1}")
    for i, (got, want) in enumerate(zip(sheet, expected)):
        if len(got) > len(want):
            found.append(f"row {i}: {len(got)} cells for {len(want)} columns: {got[len(want):]!r}")
            continue
        for name, a, b in zip(table.column_names, got + [None] * (len(want) - len(got)), want):
            if a != b or type(a) is not type(b):
                found.append(f"row {i} {name}: {a!r} where Parquet has {b!r}")
    return found[:limit]


@pytest.fixture(scope="module")
def parquet(release) -> dict:
    return {name: pq.read_table(release / "parquet" / f"{name}.parquet") for name in REG.tables}


@pytest.fixture(scope="module")
def csv_by_default(soffice, release, tmp_path_factory) -> dict[str, Saved]:
    files = sorted((release / "csv").glob("*.csv"))
    saved = convert(soffice, files, tmp_path_factory.mktemp("lo-csv") / "out", CSV_IMPORT.format(columns=""))
    return {name: Saved(path) for name, path in saved.items()}


def test_libreoffice_opens_every_csv_with_its_default_separators_as_the_parquet_rows(csv_by_default, parquet):
    """Tab, Comma and Semicolon ticked: a field holding ';' or a tab is quoted, so no field is cut in
    two; numbers, dates and texts land as Parquet holds them. The one difference is the README's
    warning: a code made of digits (`isco08_code`) is taken for a number unless its column is Text."""
    assert set(csv_by_default) == set(REG.tables)
    for name, book in csv_by_default.items():
        (sheet,) = book.sheets.values()
        table = parquet[name]
        codes = [table.column_names.index(c) for c in DIGIT_CODES.get(name, ())]
        for row in sheet[1:]:
            for col in codes:
                if isinstance(row[col], float):
                    row[col] = str(int(row[col]))  # LibreOffice's number, read back as the code it was
        assert differences(sheet, table) == [], name


def test_the_code_columns_read_as_text_keep_their_digits_exactly(soffice, release, parquet, tmp_path):
    """What the README tells a LibreOffice user to do in the import dialog: set the column of each
    code made of digits to Text. Every cell of those files is then exactly the Parquet value. (One
    run for all of them: each file's code columns are set to Text, and in the other files those
    positions hold text anyway.)"""
    assert {"roles": {"isco08_code"}, "crosswalks": {"target_code"}}.items() <= DIGIT_CODES.items()
    positions = sorted({parquet[name].column_names.index(c) for name, cs in DIGIT_CODES.items() for c in cs})
    for name in DIGIT_CODES:
        kinds = [parquet[name].schema.types[i] for i in positions if i < parquet[name].num_columns]
        assert all(str(kind) == "string" for kind in kinds), name
    types = "/".join(f"{i + 1}/{TEXT_COLUMN}" for i in positions)
    saved = convert(soffice, [release / "csv" / f"{name}.csv" for name in sorted(DIGIT_CODES)], tmp_path,
                    CSV_IMPORT.format(columns=types))
    for name, path in saved.items():
        (sheet,) = Saved(path).sheets.values()
        assert differences(sheet, parquet[name]) == [], name


@pytest.fixture(scope="module")
def workbook(soffice, release, tmp_path_factory) -> Saved:
    saved = convert(soffice, [release / BOOK], tmp_path_factory.mktemp("lo-xlsx") / "out")
    return Saved(saved[Path(BOOK).stem])


def test_libreoffice_opens_every_sheet_of_the_workbook_as_the_parquet_rows(workbook, parquet, release):
    assert list(workbook.sheets) == [ABOUT_SHEET, COLUMNS_SHEET, *REG.tables]
    for name in REG.tables:
        assert differences(workbook.sheets[name], parquet[name]) == [], name
    columns = workbook.sheets[COLUMNS_SHEET]
    assert columns[0] == ["table", "column", "type", "unit", "required", "description"]
    assert {(row[0], row[1]): row[5] for row in columns[1:]} == \
        {(t.name, f.name): f.description for t in REG.tables.values() for f in t.fields}
    listed = {row[0]: row[1:] for row in workbook.sheets[ABOUT_SHEET] if row and row[0] in REG.tables}
    assert listed == {name: [name, 1.0, float(parquet[name].num_rows), table.description]
                      for name, table in REG.tables.items()}


def _mostly_right_to_left(text: str) -> bool:
    rtl = sum(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)
    return rtl > sum(unicodedata.bidirectional(ch) == "L" for ch in text)


def test_libreoffice_aligns_each_text_by_its_script_and_keeps_the_row_heights(workbook, parquet):
    """An Arabic text is set to the right, any other to the left, each cell by the script of most of its letters
    (an English note that quotes Arabic later stays left); a row whose text wraps keeps the height
    the workbook gives it, since LibreOffice does not fit rows to wrapped text when it opens a file."""
    seen = {"right": 0, "left": 0}
    for name in REG.tables:
        sheet, aligned = workbook.sheets[name], workbook.aligned[name]
        for i, row in enumerate(sheet[1:], 1):
            for col, value in enumerate(row):
                if isinstance(value, str):
                    side = "right" if _mostly_right_to_left(value) else "left"
                    assert aligned[i, col] == side, f"{name} row {i} column {col}: {value[:60]!r}"
                    seen[side] += 1
    assert seen["right"] > 1000 and seen["left"] > 10_000
    tall = {name: heights for name, heights in workbook.heights.items() if name in REG.tables and heights}
    assert "translation_artefacts" in tall and max(max(h.values()) for h in tall.values()) >= 60
