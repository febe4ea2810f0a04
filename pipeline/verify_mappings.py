"""Stage 2: verify the hand-written mappings against their sources and the registry.

Each record of raw/mappings/<source_id>.yaml becomes a Fact: its curated values under registry
column names, plus the quote's place in the raw text. Every problem (a quote that is not there,
an unknown id, a value outside its field's allowed values, a line nobody reviewed) is reported
with the mapping's file:line, all at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process

from .load_sources import Source
from .paths import MAPPINGS, rel
from .problems import Problems
from .quotes import QuoteError, locate
from .registry import Registry, Table
from .fieldcheck import problem_with
from . import yamlfile

# Short keys a curator writes -> registry column names.
ALIASES = {"role": "role_id", "level": "level_id", "duty": "duty_id", "skill": "skill_id",
           "tool": "tool_id", "metric": "metric_id", "type": "requirement_type",
           "note": "translation_note"}
# Columns the pipeline computes; a curator never writes them.
COMPUTED = {"source_id", "lang", "text", "quote", "char_start", "char_end", "line",
            "periods_per_year", "annual_min", "annual_max", "usd_per_unit", "fx_basis",
            "usd_annual_min", "usd_annual_max"}
TOP_LEVEL = {"source_id", "defaults", "excluded"}


@dataclass
class Fact:
    table: str
    values: dict
    file: str
    line: int


@dataclass
class LineReview:
    source_id: str
    line: int
    review_status: str
    exclusion_reason: str | None
    fact_count: int


@dataclass
class Verified:
    facts: list[Fact] = field(default_factory=list)
    reviews: list[LineReview] = field(default_factory=list)


def curated_keys(table: Table) -> dict[str, str]:
    """Record key -> column, for the columns a curator writes in this table."""
    back = {v: k for k, v in ALIASES.items()}
    return {back.get(c, c): c for c in table.columns if c not in COMPUTED and c not in table.primary_key}


def _hint(word: str, choices) -> str:
    match = process.extractOne(str(word), list(choices))
    return f" (did you mean {match[0]!r}?)" if match and match[1] >= 60 else ""


def _parse_lines(spec, source: Source) -> list[int] | str:
    text = str(spec).strip()
    first, sep, last = text.partition("-")
    try:
        a, b = int(first), int(last) if sep else int(first)
    except ValueError:
        return f"lines {spec!r} must be a line number or a range like 15-19"
    if not 1 <= a <= b <= len(source.lines):
        return f"lines {spec!r} outside 1-{len(source.lines)}, the lines of {source.raw_path.name}"
    return list(range(a, b + 1))


class _MappingFile:
    def __init__(self, path: Path, reg: Registry, sources: dict[str, Source], taxonomies: dict, problems: Problems):
        self.path, self.where = path, rel(path)
        self.reg, self.sources, self.taxonomies, self.problems = reg, sources, taxonomies, problems
        self.sections = reg.by_section()

    def err(self, line: int, message: str) -> None:
        self.problems.add(self.where, line, message)

    def verify(self, out: Verified) -> str | None:
        doc = yamlfile.load(self.path, self.problems)
        if doc is None:
            return None
        if not isinstance(doc, dict):
            self.err(1, "a mapping file must be a YAML mapping with source_id and sections (titles, duties, ...)")
            return None
        source_id = doc.get("source_id")
        source = self.sources.get(source_id)
        if source is None:
            self.err(yamlfile.line_of(doc, "source_id"),
                     f"source_id {source_id!r} is not a source in raw/sources{_hint(source_id, self.sources)}")
            return None
        if self.path.stem != source_id:
            self.err(yamlfile.line_of(doc, "source_id"), f"file name must be {source_id}.yaml")
        for key in doc:
            if key not in TOP_LEVEL and key not in self.sections:
                self.err(yamlfile.line_of(doc, key), f"unknown section {key!r}{_hint(key, [*self.sections, *TOP_LEVEL])}; "
                         f"sections: {', '.join(self.sections)}, excluded")
        defaults = doc.get("defaults") or {}
        if not isinstance(defaults, dict):
            self.err(yamlfile.line_of(doc, "defaults"), "defaults must be a mapping, e.g. `role: customer_service_representative`")
            defaults = {}
        spans: list[tuple[int, int]] = []
        for section, table in self.sections.items():
            records = doc.get(section) or []
            if not isinstance(records, list):
                self.err(yamlfile.line_of(doc, section), f"section {section!r} must be a list of records ('- quote: ...')")
                continue
            for i, record in enumerate(records):
                fact = self._record(table, source, defaults, record, yamlfile.item_line(records, i))
                if fact:
                    out.facts.append(fact)
                    spans.append((fact.values["char_start"], fact.values["char_end"]))
        out.reviews.extend(self._reviews(source, doc.get("excluded") or [], spans))
        return source_id

    def _record(self, table: Table, source: Source, defaults: dict, record, line: int) -> Fact | None:
        if not isinstance(record, dict):
            self.err(line, "a record must be a mapping of keys, starting with '- quote: ...'")
            return None
        keys = curated_keys(table)
        allowed = {*keys, "quote", "line", "occurrence"}
        ok = True
        for key in record:
            if key not in allowed:
                self.err(yamlfile.line_of(record, key), f"unknown key {key!r} in {table.section}{_hint(key, allowed)}; "
                         f"allowed: {', '.join(sorted(allowed))}")
                ok = False
        merged = {k: v for k, v in defaults.items() if k in keys}
        merged.update({k: v for k, v in record.items() if k in keys})
        values = {col: merged.get(key) for key, col in keys.items()}
        values = {k: (str(v) if hasattr(v, "splitlines") else v) for k, v in values.items()}
        for col, value in values.items():
            f = table.field(col)
            key_line = yamlfile.line_of(record, next((k for k, c in keys.items() if c == col), col))
            if value is None:
                if table.is_required(f):
                    self.err(line, f"missing {next(k for k, c in keys.items() if c == col)!r} ({f.description})")
                    ok = False
                continue
            msg = problem_with(f, value)
            if msg:
                self.err(key_line, msg)
                ok = False
                continue
            fk = next((fk for fk in table.foreign_keys if fk.field == col), None)
            if fk and fk.table in self.taxonomies and value not in self.taxonomies[fk.table]:
                self.err(key_line, f"unknown {col} {value!r}{_hint(value, self.taxonomies[fk.table])}; "
                         f"add it to raw/taxonomy/{self.reg.tables[fk.table].taxonomy}.yaml or use an existing id")
                ok = False
        quote, at_line = record.get("quote"), record.get("line")
        if not isinstance(quote, str):
            self.err(line, "missing quote: copy the exact words of the source the record rests on")
            return None
        if at_line is not None and not isinstance(at_line, int):
            self.err(yamlfile.line_of(record, "line"), f"line must be a line number, got {at_line!r}")
            return None
        nth = record.get("occurrence")
        if nth is not None and (isinstance(nth, bool) or not isinstance(nth, int)):
            self.err(yamlfile.line_of(record, "occurrence"), f"occurrence must be a whole number (1 = first on the line), got {nth!r}")
            return None
        try:
            place = locate(source, quote, at_line, nth)
        except QuoteError as err:
            self.err(yamlfile.line_of(record, "quote"), str(err))
            return None
        if not ok:
            return None
        values.update(source_id=source.source_id, lang=source.meta["lang"], text=quote, quote=quote,
                      char_start=place.start, char_end=place.end, line=place.line)
        return Fact(table.name, values, self.where, line)

    def _reviews(self, source: Source, excluded, spans) -> list[LineReview]:
        counts = [0] * (len(source.lines) + 1)
        for start, end in spans:
            for number in range(source.line_of(start), source.line_of(max(start, end - 1)) + 1):
                counts[number] += 1
        reasons: dict[int, str] = {}
        if not isinstance(excluded, list):
            self.err(1, "excluded must be a list of entries ('- lines: 15-19' with a reason)")
            excluded = []
        for i, item in enumerate(excluded):
            line = yamlfile.item_line(excluded, i)
            if not isinstance(item, dict) or "lines" not in item or not item.get("reason"):
                self.err(line, "an excluded entry needs `lines` (a number or a range like 15-19) and a `reason`")
                continue
            numbers = _parse_lines(item["lines"], source)
            if isinstance(numbers, str):
                self.err(line, numbers)
                continue
            for number in numbers:
                if counts[number]:
                    self.err(line, f"line {number} is excluded but {counts[number]} record(s) quote it; "
                                   "remove it from `excluded` or drop the records")
                elif number in reasons:
                    self.err(line, f"line {number} is excluded twice")
                reasons[number] = " ".join(str(item["reason"]).split())
        reviews, unreviewed = [], []
        for number, text in enumerate(source.lines, start=1):
            if not text.strip():
                continue
            if counts[number]:
                reviews.append(LineReview(source.source_id, number, "mapped", None, counts[number]))
            elif number in reasons:
                reviews.append(LineReview(source.source_id, number, "excluded", reasons[number], 0))
            else:
                unreviewed.append(number)
        if unreviewed:
            shown = ", ".join(map(str, unreviewed[:20])) + (" ..." if len(unreviewed) > 20 else "")
            self.err(1, f"{len(unreviewed)} non-empty line(s) of {source.raw_path.name} are unreviewed "
                        f"(neither quoted by a record nor excluded with a reason): {shown}")
        return reviews


def verify_mappings(reg: Registry, sources: dict[str, Source], taxonomies: dict, problems: Problems,
                    directory: Path = MAPPINGS) -> Verified:
    out = Verified()
    mapped = set()
    for path in sorted(directory.glob("*.yaml")):
        source_id = _MappingFile(path, reg, sources, taxonomies, problems).verify(out)
        if source_id:
            mapped.add(source_id)
    for source_id, source in sources.items():
        if source_id not in mapped:
            problems.add(rel(source.sidecar_path), 1,
                         f"source has no mapping; write raw/mappings/{source_id}.yaml (see raw/mappings/README.md)")
    return out
