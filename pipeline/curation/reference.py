"""Rows copied from published code lists (raw/reference/): the ESCO concepts and ISCO-08 groups
that the taxonomies may cite. A URI or code the taxonomies use must have its row here, so nothing
is cited that was not found in the published list; the rows themselves are checked where read."""
from __future__ import annotations

import csv
import io
import re

from ..common.files import decode_utf8, read_input
from ..common.paths import Layout
from ..common.problems import Problems

# file -> the URIs its rows may carry
REFERENCE_LISTS = {
    "esco_occupations.csv": re.compile(r"http://data\.europa\.eu/esco/(occupation/[0-9a-f-]{36}|isco/C[0-9]{1,4})\Z"),
    "esco_skills.csv": re.compile(r"http://data\.europa\.eu/esco/skill/[0-9a-f-]{36}\Z"),
}
HEADER = ["id", "description"]


def load_reference(layout: Layout, problems: Problems) -> dict[str, str]:
    """Every published concept URI copied into raw/reference, with its description."""
    rows: dict[str, str] = {}
    for name, uri in REFERENCE_LISTS.items():
        path = layout.reference / name
        where = layout.rel(path)
        data = read_input(path, "reference list", layout, problems, inside=layout.reference)
        text = None if data is None else decode_utf8(data, where, "reference list", problems)
        if text is None:
            continue
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(reader, None)
            if header != HEADER:
                problems.add(where, 1, f"the header must be {','.join(HEADER)} (the columns of the published ESCO list), "
                             f"found {header!r}")
                continue
            line = reader.line_num
            for row in reader:
                if len(row) != 2:
                    problems.add(where, line + 1, f"a row has {len(row)} columns, not 2; copy the row unchanged from "
                                 "shared/reference/esco")
                elif not uri.match(row[0]):
                    problems.add(where, line + 1, f"id {row[0]!r} is not an ESCO URI of this list; copy the row unchanged")
                elif not row[1].strip():
                    problems.add(where, line + 1, f"{row[0]} has no description; copy the row unchanged")
                elif row[0] in rows:
                    problems.add(where, line + 1, f"{row[0]} is listed twice; keep one row")
                else:
                    rows[row[0]] = row[1]
                line = reader.line_num
        except csv.Error as err:
            problems.add(where, reader.line_num or 1, f"malformed CSV: {err}; copy the rows unchanged from shared/reference/esco")
    return rows
