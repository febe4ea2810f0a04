"""Expected row counts, per table and per source, kept in git (schemas/row_counts.csv) so that
every change in the data shows up in review, as PUDL does. `make counts` rewrites the file from
the current data after a deliberate change."""
from __future__ import annotations

import csv
import io

from ..common.files import decode_utf8, read_input
from ..common.paths import Layout
from ..common.problems import Problems

WHERE = "schemas/row_counts.csv"
ALL = "*"
HEADER = ["table", "source_id", "rows"]
FIX = "if the change is intended, run `make counts` and commit schemas/row_counts.csv"


def load_expected(layout: Layout, tables: set[str], problems: Problems) -> dict[tuple[str, str], tuple[int, int]] | None:
    """(table, source_id) -> (expected rows, line in the file); None when the file is unusable."""
    path = layout.schemas / "row_counts.csv"
    data = read_input(path, "row counts", layout, problems)
    text = None if data is None else decode_utf8(data, WHERE, "row counts", problems)
    if text is None:
        return None
    out: dict[tuple[str, str], tuple[int, int]] = {}
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        if next(reader, None) != HEADER:
            problems.add(WHERE, 1, f"the header must be {','.join(HEADER)}; {FIX}")
            return None
        for row in reader:
            line = reader.line_num
            if len(row) != 3:
                problems.add(WHERE, line, f"a row has table,source_id,rows; found {len(row)} column(s); {FIX}")
                continue
            table, source_id, rows = row
            if table not in tables:
                problems.add(WHERE, line, f"{table!r} is not a table of the registry; {FIX}")
            elif not rows.isascii() or not rows.isdigit() or len(rows) > 12:
                problems.add(WHERE, line, f"rows {rows!r} is not a whole number of rows; {FIX}")
            elif (table, source_id) in out:
                problems.add(WHERE, line, f"{table},{source_id} is listed twice (first at line "
                             f"{out[(table, source_id)][1]}); {FIX}")
            else:
                out[(table, source_id)] = (int(rows), line)
    except csv.Error as err:
        problems.add(WHERE, reader.line_num or 1, f"malformed CSV: {err}; {FIX}")
        return None
    return out


def totals(expected: dict[tuple[str, str], tuple[int, int]]) -> dict[str, int]:
    return {table: n for (table, source_id), (n, _) in expected.items() if source_id == ALL}


def render(counts: dict[tuple[str, str], int]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for (table, source_id), n in sorted(counts.items()):
        w.writerow([table, source_id, n])
    return buf.getvalue()
