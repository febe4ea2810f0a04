"""Stage 2: verify the hand-written mappings (raw/mappings/<source_id>.yaml) against their sources
and the registry.

Each record becomes a Fact: its curated values under registry column names, plus the quote's
place in the raw text. Every problem (a quote that is not there, an unknown id, a value outside
its field's allowed values, a rule a record breaks, a line nobody reviewed) is reported with the
mapping's file:line, all at once. A mapping is verified on its own, from its own bytes, its
source and the taxonomies, so its result can be cached and mappings verified side by side.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..common import yamlfile
from ..common.hints import hint
from ..common.paths import Layout
from ..common.problems import Problems
from ..registry.model import RESTATES, Registry, Table
from ..registry.values import judge
from .quotes import QuoteError, locate
from .records import Known, check_defaults, check_record, check_rules
from .sources import Source

TOP_LEVEL = ("source_id", "defaults", "excluded")
# Keys of a record that place its quote in the text rather than state a fact.
LOCATORS = ("line", "occurrence")
# RESTATES (registry/model.py) is also the key of a record that says which record of the same section it
# states again: the line that record's quote starts on, or {line: n, quote: its quote} where several start there.


@dataclass
class Fact:
    table: str
    values: dict
    file: str
    line: int
    restates: int | None = None  # index, among the mapping's facts, of the fact this one states again


@dataclass
class LineReview:
    source_id: str
    line: int
    review_status: str
    exclusion_reason: str | None
    fact_count: int


@dataclass
class Verified:
    """What one mapping file states: its facts and the review of every line of its source."""
    source_id: str | None = None
    file: str = ""
    facts: list[Fact] = field(default_factory=list)
    reviews: list[LineReview] = field(default_factory=list)


def _parse_lines(spec, source: Source) -> list[int] | str:
    if isinstance(spec, bool) or not isinstance(spec, (int, str)):
        return f"lines {spec!r} must be a line number or a range like 15-19"
    text = str(spec).strip()
    first, sep, last = text.partition("-")
    if not first.strip().isdigit() or (sep and not last.strip().isdigit()) or not first.isascii() or not last.isascii():
        return f"lines {spec!r} must be a line number or a range like 15-19"
    a, b = int(first), int(last) if sep else int(first)
    if a > b:
        return f"lines {spec!r} runs backwards; write the range first line first ({b}-{a})"
    if not 1 <= a <= b <= source.line_count:
        return f"lines {spec!r} outside 1-{source.line_count}, the lines of {source.raw_path.rsplit('/', 1)[-1]}"
    return list(range(a, b + 1))


class _Mapping:
    def __init__(self, where: str, reg: Registry, sources: dict[str, Source], known: Known, problems: Problems):
        self.where, self.reg, self.sources, self.known, self.problems = where, reg, sources, known, problems
        self.sections = reg.by_section()
        self.restating: list[tuple[Fact, dict]] = []

    def err(self, line: int, message: str) -> None:
        self.problems.add(self.where, line, message)

    def verify(self, doc, stem: str) -> Verified:
        out = Verified(file=self.where)
        if not isinstance(doc, dict):
            self.err(yamlfile.line_of(doc), "a mapping file must be a YAML mapping with source_id and sections "
                     "(titles, duties, ...)")
            return out
        source_id = doc.get("source_id")
        source = self.sources.get(source_id) if isinstance(source_id, str) else None
        if source is None:
            if "source_id" not in doc:
                self.err(1, f"missing source_id; write `source_id: {stem}` as the first line")
            else:
                self.err(yamlfile.line_of(doc, "source_id"),
                         f"source_id {source_id!r} is not a source in raw/sources{hint(source_id, self.sources)}")
            return out
        out.source_id = source_id
        if stem != source_id:  # nothing more is verified: the file must first be named for its source
            self.err(yamlfile.line_of(doc, "source_id"), f"the file name must be {source_id}.yaml, the source it maps")
            return out
        for key in doc:
            if key not in TOP_LEVEL and key not in self.sections:
                self.err(yamlfile.line_of(doc, key), f"unknown section {key!r}{hint(key, [*self.sections, *TOP_LEVEL])}; "
                         f"sections: {', '.join(self.sections)}, excluded")
        defaults = check_defaults(doc.get("defaults"), list(self.sections.values()), self.reg, self.known,
                                  self.where, self.problems)
        spans: list[tuple[int, int]] = []
        dropped = 0
        for section, table in self.sections.items():
            records = doc.get(section)
            if records is None:
                continue
            if not isinstance(records, list):
                self.err(yamlfile.line_of(doc, section), f"section {section!r} must be a list of records ('- quote: ...')")
                continue
            for i, record in enumerate(records):
                fact = self._record(table, source, defaults, record, yamlfile.item_line(records, i))
                if fact:
                    out.facts.append(fact)
                    spans.append((fact.values["char_start"], fact.values["char_end"]))
                else:
                    dropped += 1
        if not dropped:
            self._resolve_restatements(out.facts)
        # Lines a refused record would have covered are not reported as unreviewed on top.
        out.reviews = self._reviews(source, doc.get("excluded"), yamlfile.line_of(doc, "excluded"), spans,
                                    report_unreviewed=not dropped)
        return out

    def _locator(self, record, key: str) -> int | None | str:
        value = record.get(key)
        if value is None:
            return None
        message = judge(self.reg.fields["line"], value, key)
        if message:
            return message
        return value

    def _record(self, table: Table, source: Source, defaults, record, line: int) -> Fact | None:
        found = Problems()
        values = check_record(record, table, self.reg, self.known, self.where, line, found, defaults,
                              (*LOCATORS, RESTATES), aliases=True)
        where_line, nth = None, None
        if isinstance(record, dict):
            for key in LOCATORS:
                got = self._locator(record, key)
                if isinstance(got, str):
                    found.add(self.where, yamlfile.line_of(record, key), got.replace("line must", f"{key} must"))
                elif key == "line":
                    where_line = got
                else:
                    nth = got
        if values is not None and not found:
            check_rules(values, table, self.where, line, found)
        self.problems.extend(found)
        if values is None or found:
            return None
        try:
            place = locate(source, values["quote"], where_line, nth)
        except QuoteError as err:
            self.err(yamlfile.line_of(record, "quote"), str(err))
            return None
        values.update(source_id=source.source_id, lang=source.meta["lang"], text=values["quote"],
                      char_start=place.start, char_end=place.end, line=place.line)
        fact = Fact(table.name, values, self.where, line)
        if record.get(RESTATES) is not None:
            self.restating.append((fact, record))
        return fact

    def _resolve_restatements(self, facts: list[Fact]) -> None:
        """Point each restating record at the record it states again: same section, same source,
        same role and concept (or restatement key), and itself a first statement."""
        index = {id(f): i for i, f in enumerate(facts)}
        by_line: dict[tuple[str, int], list[Fact]] = {}
        for f in facts:
            by_line.setdefault((f.table, f.values["line"]), []).append(f)
        restating = {id(f) for f, _ in self.restating}
        for fact, record in self.restating:
            spec, at = record[RESTATES], yamlfile.line_of(record, RESTATES)
            table = self.reg.tables[fact.table]
            if isinstance(spec, dict):
                unknown = [k for k in spec if k not in ("line", "quote", "setting")]
                target_line, target_quote, target_setting = spec.get("line"), spec.get("quote"), spec.get("setting")
            else:
                unknown, target_line, target_quote, target_setting = [], spec, None, None
            if (unknown or isinstance(target_line, bool) or not isinstance(target_line, int)
                    or (target_quote is not None and not isinstance(target_quote, str))
                    or (target_setting is not None and not isinstance(target_setting, str))):
                self.err(at, "restates takes the line the restated record's quote starts on (restates: 40), or "
                             "{line: 40, quote: <its quote>} when several records of the section start on that line "
                             "(with setting: <its setting> when one sentence is recorded for several settings)")
                continue
            candidates = [f for f in by_line.get((fact.table, target_line), ()) if f is not fact
                          and (target_quote is None or f.values["quote"] == target_quote)
                          and (target_setting is None or f.values.get("setting") == target_setting)]
            if not candidates:
                what = f"with the quote {target_quote!r} " if target_quote is not None else ""
                self.err(at, f"restates: no other record of {table.section} {what}starts on line {target_line}; give the "
                             "line of the record this one states again (the line its quote starts on)")
                continue
            key = ("role_id", *(table.restatement_key or table.concept))
            same = [f for f in candidates if all(f.values.get(k) == fact.values.get(k) for k in key)]
            if not same:
                shown = ", ".join(f"{k} {fact.values.get(k)!r}" for k in key)
                self.err(at, f"restates: the record on line {target_line} states something else; a restatement has the same "
                             f"{', '.join(key)} ({shown}); fix the concept of one of them, or drop restates")
                continue
            if len(same) > 1:
                self.err(at, f"restates: {len(same)} records of {table.section} start on line {target_line}; say which with "
                             f"{{line: {target_line}, quote: <its quote>}} (and setting: <its setting> if they share the quote)")
                continue
            target = same[0]
            if id(target) in restating:
                self.err(at, f"restates: the record on line {target_line} is itself a restatement; point at the first "
                             "statement it repeats")
                continue
            fact.restates = index[id(target)]

    def _reviews(self, source: Source, excluded, excluded_line: int, spans, report_unreviewed: bool) -> list[LineReview]:
        counts = [0] * (source.line_count + 2)
        for start, end in spans:
            first, last = source.line_of(start), source.line_of(max(start, end - 1))
            for number in range(first, last + 1):
                counts[number] += 1
        reasons: dict[int, str] = {}
        refused = False  # an entry refused: the lines it meant are not reported as unreviewed on top
        if excluded is None:
            excluded = []
        if not isinstance(excluded, list):
            self.err(excluded_line, "excluded must be a list of entries ('- lines: 15-19' with a reason)")
            excluded, refused = [], True
        reason_field = self.reg.fields["exclusion_reason"]
        for i, item in enumerate(excluded):
            line = yamlfile.item_line(excluded, i)
            if not isinstance(item, dict) or "lines" not in item or "reason" not in item:
                self.err(line, "an excluded entry needs `lines` (a number or a range like 15-19) and a `reason`")
                refused = True
                continue
            unknown = [k for k in item if k not in ("lines", "reason")]
            if unknown:
                self.err(yamlfile.line_of(item, unknown[0]), f"unknown key {unknown[0]!r} in an excluded entry; "
                         "it has lines and reason")
                refused = True
                continue
            message = judge(reason_field, item["reason"], "reason")
            if item["reason"] is None or (isinstance(item["reason"], str) and not item["reason"].strip()):
                message = "reason is empty; say why the lines are left out"
            if message:
                self.err(yamlfile.line_of(item, "reason"), message)
                refused = True
                continue
            numbers = _parse_lines(item["lines"], source)
            if isinstance(numbers, str):
                self.err(yamlfile.line_of(item, "lines"), numbers)
                refused = True
                continue
            for number in numbers:
                if counts[number]:
                    self.err(line, f"line {number} is excluded but {counts[number]} record(s) quote it; "
                                   "remove it from `excluded` or drop the records")
                elif number in reasons:
                    self.err(line, f"line {number} is excluded twice")
                reasons[number] = item["reason"]
        reviews, unreviewed = [], []
        for number in range(1, source.line_count + 1):
            if not source.line_text(number).strip():
                continue
            if counts[number]:
                reviews.append(LineReview(source.source_id, number, "mapped", None, counts[number]))
            elif number in reasons:
                reviews.append(LineReview(source.source_id, number, "excluded", reasons[number], 0))
            else:
                unreviewed.append(number)
        if unreviewed and report_unreviewed and not refused:
            shown = ", ".join(map(str, unreviewed[:20])) + (" ..." if len(unreviewed) > 20 else "")
            self.err(1, f"{len(unreviewed)} non-empty line(s) of {source.raw_path.rsplit('/', 1)[-1]} are unreviewed "
                        f"(neither quoted by a record nor excluded with a reason): {shown}")
        return reviews


def verify_mapping(path: Path, data: bytes, reg: Registry, sources: dict[str, Source], known: Known, layout: Layout,
                   problems: Problems) -> Verified:
    """What the mapping at `path`, whose bytes are `data`, states; its problems go to `problems`."""
    where = layout.rel(path)
    doc = yamlfile.parse_input(data, where, "mapping", problems,
                               f"the mapping is empty; start it with `source_id: {path.stem}`")
    if doc is None:
        return Verified(file=where)
    return _Mapping(where, reg, sources, known, problems).verify(doc, path.stem)
