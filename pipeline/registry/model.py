"""The registry: every field (schemas/fields.yaml) and every table (schemas/tables.yaml), read once,
checked as strictly as any curator input, and resolved into the objects every rendering uses.

Decisions that would otherwise be made again by each rendering are made here, once: a primary key
is required; a code list becomes its list of allowed values; `together` becomes two conditional
rules; a fact table gets the fact fields and fact rules; a foreign key is a column that is another
table's one-column primary key.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from ..common import yamlfile
from ..common.files import read_input
from ..common.hints import hint
from ..common.paths import Layout
from ..common.problems import Problems, StageFailed
from . import patterns
from .types import TYPES
from .values import judge, text_problem

FIELD_KEYS = ("type", "description", "unit", "alias", "origin", "text", "constraints")
CONSTRAINTS = ("required", "unique", "enum", "codelist", "minimum", "maximum", "pattern", "max_length")
ORIGINS = ("curated", "source", "computed")
TEXT_KINDS = ("line", "verbatim")
CODELISTS = ("iso3166-1-alpha-2", "iso4217")
TABLE_KEYS = ("description", "fact", "sidecar", "section", "taxonomy", "derived", "concept", "restatement_key",
              "evidence_of", "primary_key", "fields", "rules")
RULE_KINDS = ("together", "not_greater", "less", "in_quote", "when")
NAME = "[a-z][a-z0-9_]*"
MAX_TEXT_LENGTH = 1_000_000


def codelist_values(name: str) -> frozenset[str]:
    import pycountry

    if name == "iso3166-1-alpha-2":
        return frozenset(c.alpha_2 for c in pycountry.countries)
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@dataclass(frozen=True)
class Field:
    name: str
    type: object
    description: str
    line: int = 1
    unit: str | None = None
    alias: str | None = None
    origin: str = "curated"
    verbatim: bool = False
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    codelist: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    max_length: int | None = None

    @property
    def key(self) -> str:
        """What a curator writes for this field in a record."""
        return self.alias or self.name

    @cached_property
    def text_pattern(self) -> re.Pattern:
        from .values import text_regex

        return re.compile(text_regex(self) or "", re.DOTALL)

    @cached_property
    def user_pattern(self) -> re.Pattern:
        return re.compile(self.pattern or "")

    @cached_property
    def allowed(self) -> frozenset[str] | None:
        if self.enum is not None:
            return frozenset(self.enum)
        if self.codelist is not None:
            return codelist_values(self.codelist)
        return None


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # null, not_null, eq, ne
    value: object = None

    def holds(self, values: dict) -> bool:
        v = values.get(self.field)
        return {"null": v is None, "not_null": v is not None,
                "eq": v == self.value, "ne": v != self.value}[self.op]

    def __str__(self) -> str:
        return {"null": f"{self.field} is null", "not_null": f"{self.field} is given",
                "eq": f"{self.field} is {self.value!r}", "ne": f"{self.field} is not {self.value!r}"}[self.op]


@dataclass(frozen=True)
class Rule:
    """A cross-field rule. kind: when (if every `when` holds, every `then` holds), not_greater
    (fields[0] <= fields[1]), less (fields[0] < fields[1]), in_quote (each field's figure is written
    in the quote)."""
    kind: str
    message: str
    line: int
    fields: tuple[str, ...] = ()
    when: tuple[Condition, ...] = ()
    then: tuple[Condition, ...] = ()

    @property
    def columns(self) -> set[str]:
        cols = set(self.fields) | {c.field for c in (*self.when, *self.then)}
        return cols | ({"quote"} if self.kind == "in_quote" else set())

    def __str__(self) -> str:
        if self.kind == "when":
            cond = " and ".join(map(str, self.when)) or "always"
            return f"where {cond}: " + " and ".join(map(str, self.then))
        if self.kind == "not_greater":
            return f"{self.fields[0]} <= {self.fields[1]}"
        if self.kind == "less":
            return f"{self.fields[0]} < {self.fields[1]}"
        return f"{', '.join(self.fields)} written in the quote"


@dataclass(frozen=True)
class ForeignKey:
    field: str
    table: str
    column: str = ""  # the referenced column: the referenced table's primary key

    @property
    def target(self) -> str:
        return self.column or self.field


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    primary_key: tuple[str, ...]
    fields: tuple[Field, ...]
    line: int = 1
    fact: bool = False
    sidecar: bool = False
    section: str | None = None
    taxonomy: str | None = None
    derived: bool = False
    concept: tuple[str, ...] = ()
    restatement_key: tuple[str, ...] = ()
    evidence_of: str | None = None
    rules: tuple[Rule, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @cached_property
    def columns(self) -> list[str]:
        """The field names in order (computed once: it is asked for per row); never mutate it."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def curated(self) -> list[Field]:
        """The fields a curator writes in this table's input (mapping record, sidecar or taxonomy entry)."""
        return self._curated

    @cached_property
    def _curated(self) -> list[Field]:
        origins = ("curated", "source") if self.sidecar else ("curated",)
        return [f for f in self.fields if f.origin in origins]

    @cached_property
    def keys_by_alias(self) -> dict[str, Field]:
        """What a mapping record writes for each curated field (its alias), to the field."""
        return {f.key: f for f in self.curated()}

    @cached_property
    def keys_by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.curated()}

    @cached_property
    def references(self) -> dict[str, str]:
        """Foreign-key column -> the table it refers to."""
        return {fk.field: fk.table for fk in self.foreign_keys}

    @cached_property
    def curated_rules(self) -> tuple[Rule, ...]:
        """The rules a curated record can be held to on its own (all their fields are curated)."""
        names = {f.name for f in self.curated()}
        return tuple(rule for rule in self.rules if rule.columns <= names)


@dataclass(frozen=True)
class Registry:
    fields: dict[str, Field]
    tables: dict[str, Table]
    fact_fields: tuple[str, ...]
    digest: str  # of schemas/fields.yaml and schemas/tables.yaml, for caches

    def by_section(self) -> dict[str, Table]:
        return {t.section: t for t in self.tables.values() if t.section}

    def taxonomy_tables(self) -> list[Table]:
        return [t for t in self.tables.values() if t.taxonomy]

    def sidecar_table(self) -> Table:
        return next(t for t in self.tables.values() if t.sidecar)

    def fact_tables(self) -> list[Table]:
        return [t for t in self.tables.values() if t.fact]

    def derived_tables(self) -> list[Table]:
        return [t for t in self.tables.values() if t.derived]


class _Reader:
    """Checks one schema file's entries, reporting at its lines."""

    def __init__(self, where: str, problems: Problems):
        self.where, self.problems = where, problems

    def err(self, line: int, message: str) -> None:
        self.problems.add(self.where, line, message)

    def names(self, value, line: int, what: str) -> list[str] | None:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.err(line, f"{what} must be a list of names, e.g. [a, b]")
            return None
        return value


def _parse_field(name: str, spec, line: int, r: _Reader) -> Field | None:
    if not isinstance(spec, dict):
        r.err(line, f"field {name!r} must be a mapping with type and description")
        return None
    ok = True
    for key in spec:
        if key not in FIELD_KEYS:
            r.err(yamlfile.line_of(spec, key), f"field {name!r}: unknown key {key!r}{hint(key, FIELD_KEYS)}; "
                  f"allowed: {', '.join(FIELD_KEYS)}")
            ok = False
    type_name = spec.get("type")
    if type_name not in TYPES:
        r.err(yamlfile.line_of(spec, "type"), f"field {name!r} needs a type, one of {', '.join(TYPES)}")
        return None
    description = spec.get("description")
    if not isinstance(description, str) or text_problem(description, False, None):
        r.err(yamlfile.line_of(spec, "description"), f"field {name!r} needs a description (one line of text)")
        ok = False
    for key, allowed in (("origin", ORIGINS), ("text", TEXT_KINDS)):
        if key in spec and spec[key] not in allowed:
            r.err(yamlfile.line_of(spec, key), f"field {name!r}: {key} must be one of {', '.join(allowed)}")
            ok = False
    for key in ("unit", "alias"):
        if key in spec and (not isinstance(spec[key], str) or text_problem(spec[key], False, 200)):
            r.err(yamlfile.line_of(spec, key), f"field {name!r}: {key} must be one line of text")
            ok = False
    if "alias" in spec and isinstance(spec["alias"], str) and not re.fullmatch(NAME, spec["alias"]):
        r.err(yamlfile.line_of(spec, "alias"), f"field {name!r}: alias must be a name like {NAME}")
        ok = False
    if spec.get("text") == "verbatim" and type_name != "string":
        r.err(yamlfile.line_of(spec, "text"), f"field {name!r}: only a string can be verbatim text")
        ok = False
    cons = spec.get("constraints") or {}
    if not isinstance(cons, dict):
        r.err(yamlfile.line_of(spec, "constraints"), f"field {name!r}: constraints must be a mapping")
        return None
    out = {}
    for key, value in cons.items():
        at = yamlfile.line_of(cons, key)
        if key not in CONSTRAINTS:
            r.err(at, f"field {name!r}: unknown constraint {key!r}{hint(key, CONSTRAINTS)}; use {', '.join(CONSTRAINTS)}")
            ok = False
        elif key in ("required", "unique") and not isinstance(value, bool):
            r.err(at, f"field {name!r}: {key} must be true or false")
            ok = False
        elif key == "enum":
            if (not isinstance(value, list) or not value or len(set(map(repr, value))) != len(value)
                    or not all(isinstance(v, str) and not text_problem(v, False, 200) for v in value)):
                r.err(at, f"field {name!r}: enum must be a list of distinct one-line texts")
                ok = False
            elif type_name != "string":
                r.err(at, f"field {name!r}: enum applies to strings only")
                ok = False
            else:
                out["enum"] = tuple(value)
        elif key == "codelist":
            if value not in CODELISTS or type_name != "string":
                r.err(at, f"field {name!r}: codelist must be one of {', '.join(CODELISTS)}, on a string field")
                ok = False
            else:
                out["codelist"] = value
        elif key in ("minimum", "maximum"):
            if type_name not in ("integer", "number") or not isinstance(value, (int, float)) or isinstance(value, bool) \
                    or value != value or abs(value) == float("inf"):
                r.err(at, f"field {name!r}: {key} must be a finite number, on a number or integer field")
                ok = False
            else:
                out[key] = value
        elif key == "max_length":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_TEXT_LENGTH or type_name != "string":
                r.err(at, f"field {name!r}: max_length must be a whole number from 1 to {MAX_TEXT_LENGTH:,}, on a string field")
                ok = False
            else:
                out["max_length"] = value
        elif key == "pattern":
            try:
                if not isinstance(value, str) or type_name != "string":
                    raise patterns.PatternError("a pattern is a text, on a string field")
                patterns.parse(value)
                out["pattern"] = value
            except patterns.PatternError as err:
                r.err(at, f"field {name!r}: pattern {value!r}: {err}")
                ok = False
    if "minimum" in out and "maximum" in out and out["minimum"] > out["maximum"]:
        r.err(yamlfile.line_of(spec, "constraints"), f"field {name!r}: minimum is greater than maximum")
        ok = False
    if type_name == "string" and "max_length" not in out and "enum" not in out and "codelist" not in out:
        r.err(line, f"field {name!r}: every string states its max_length (in constraints), e.g. max_length: 200")
        ok = False
    if not ok:
        return None
    return Field(name=name, type=TYPES[type_name], description=description, line=line, unit=spec.get("unit"),
                 alias=spec.get("alias"), origin=spec.get("origin", "curated"), verbatim=spec.get("text") == "verbatim",
                 required=bool(cons.get("required", False)),
                 unique=bool(cons.get("unique", False)), **out)


def _parse_fields(doc, r: _Reader) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    if not isinstance(doc, dict):
        r.err(1, "schemas/fields.yaml must be a mapping of field names to their definitions")
        return fields
    for name, spec in doc.items():
        line = yamlfile.line_of(doc, name)
        if not re.fullmatch(NAME, name):
            r.err(line, f"field name {name!r} must be lower case letters, digits and _ ({NAME})")
            continue
        f = _parse_field(name, spec, line, r)
        if f:
            fields[name] = f
    keys: dict[str, str] = {}
    for f in fields.values():
        if f.alias:
            if f.alias in fields and f.alias != f.name:
                r.err(f.line, f"field {f.name!r}: alias {f.alias!r} is the name of another field; choose another")
            elif f.alias in keys:
                r.err(f.line, f"field {f.name!r}: alias {f.alias!r} is already the alias of {keys[f.alias]!r}")
            keys[f.alias] = f.name
    for f in fields.values():
        for value in f.enum or ():
            if judge(f, value):
                r.err(f.line, f"field {f.name!r}: enum value {value!r} breaks the field's own rules")
    return fields


def _parse_condition(field_name: str, spec, then: bool) -> Condition | str:
    if spec is None:
        return Condition(field_name, "null")
    if spec == "not_null":
        return Condition(field_name, "not_null")
    if isinstance(spec, dict) and not then and list(spec) == ["not"] and isinstance(spec["not"], (str, int, float)):
        return Condition(field_name, "ne", spec["not"])
    if isinstance(spec, (str, int, float)) and not isinstance(spec, bool):
        return Condition(field_name, "eq", spec)
    return f"{field_name}: write a value, null, not_null" + ("" if then else " or {not: value}")


def _parse_rules(items, columns: list[str], where: str, r: _Reader) -> list[Rule]:
    rules: list[Rule] = []
    if items is None:
        return rules
    if not isinstance(items, list):
        r.err(1, f"{where}: rules must be a list")
        return rules
    for i, spec in enumerate(items):
        line = yamlfile.item_line(items, i)
        if not isinstance(spec, dict):
            r.err(line, f"{where}: a rule is a mapping, e.g. {{together: [a, b], message: ...}}")
            continue
        kinds = [k for k in spec if k in RULE_KINDS]
        unknown = [k for k in spec if k not in (*RULE_KINDS, "then", "message")]
        message = spec.get("message")
        if unknown or len(kinds) != 1 or ("then" in spec) != (kinds == ["when"]):
            r.err(line, f"{where}: a rule has one of {', '.join(RULE_KINDS)} (when with then) and a message"
                  + (f"; unknown key(s) {unknown}" if unknown else ""))
            continue
        if not isinstance(message, str) or text_problem(message, False, 500):
            r.err(line, f"{where}: the rule needs a message: one line saying what is wrong and how to fix it")
            continue
        kind = kinds[0]
        if kind == "when":
            when, then = spec["when"], spec["then"]
            if not isinstance(when, dict) or not isinstance(then, dict) or not then:
                r.err(line, f"{where}: when and then are mappings of field: condition")
                continue
            conds = [(_parse_condition(k, v, False), k) for k, v in when.items()] + \
                    [(_parse_condition(k, v, True), k) for k, v in then.items()]
            bad = [c for c, _ in conds if isinstance(c, str)] + [f"unknown field {k!r}" for _, k in conds if k not in columns]
            if bad:
                r.err(line, f"{where}: " + "; ".join(bad))
                continue
            rules.append(Rule("when", message, line, when=tuple(c for c, _ in conds[:len(when)]),
                              then=tuple(c for c, _ in conds[len(when):])))
            continue
        names = r.names(spec[kind], line, f"{where}: {kind}")
        if names is None:
            continue
        missing = [n for n in names if n not in columns]
        if missing:
            r.err(line, f"{where}: {kind} names field(s) {missing} that the table does not have")
            continue
        if kind == "together":
            if len(names) != 2:
                r.err(line, f"{where}: together takes two fields")
                continue
            a, b = names
            rules.append(Rule("when", message, line, when=(Condition(a, "not_null"),), then=(Condition(b, "not_null"),)))
            rules.append(Rule("when", message, line, when=(Condition(b, "not_null"),), then=(Condition(a, "not_null"),)))
        elif kind in ("not_greater", "less"):
            if len(names) != 2:
                r.err(line, f"{where}: {kind} takes two fields")
                continue
            rules.append(Rule(kind, message, line, fields=tuple(names)))
        else:
            rules.append(Rule("in_quote", message, line, fields=tuple(names)))
    return rules


def _parse_tables(doc, fields: dict[str, Field], r: _Reader) -> tuple[dict[str, Table], tuple[str, ...]]:
    tables: dict[str, Table] = {}
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        r.err(1, "schemas/tables.yaml must have fact_fields, fact_rules and tables")
        return tables, ()
    for key in doc:
        if key not in ("fact_fields", "fact_rules", "tables"):
            r.err(yamlfile.line_of(doc, key), f"unknown key {key!r}; allowed: fact_fields, fact_rules, tables")
    fact_fields = r.names(doc.get("fact_fields"), yamlfile.line_of(doc, "fact_fields"), "fact_fields") or []
    unknown = [n for n in fact_fields if n not in fields]
    if unknown:
        r.err(yamlfile.line_of(doc, "fact_fields"), f"fact_fields names undefined field(s) {unknown}")
        fact_fields = [n for n in fact_fields if n in fields]
    fact_rules = _parse_rules(doc.get("fact_rules"), fact_fields, "fact_rules", r)
    sections, taxonomies = {}, {}
    for name, spec in doc["tables"].items():
        line = yamlfile.line_of(doc["tables"], name)
        if not re.fullmatch(NAME, name):
            r.err(line, f"table name {name!r} must be lower case letters, digits and _")
            continue
        if not isinstance(spec, dict):
            r.err(line, f"table {name!r} must be a mapping with description, primary_key and fields")
            continue
        bad = [k for k in spec if k not in TABLE_KEYS]
        if bad:
            r.err(line, f"table {name!r}: unknown key(s) {bad}; allowed: {', '.join(TABLE_KEYS)}")
            continue
        names = r.names(spec.get("fields"), yamlfile.line_of(spec, "fields"), f"table {name!r}: fields")
        if names is None:
            continue
        fact = spec.get("fact", False)
        if any(not isinstance(spec.get(k, False), bool) for k in ("fact", "sidecar", "derived")):
            r.err(line, f"table {name!r}: fact, sidecar and derived are true or false")
            continue
        if fact:
            names += [f for f in fact_fields if f not in names]
        missing = [n for n in names if n not in fields]
        if missing:
            r.err(yamlfile.line_of(spec, "fields"), f"table {name!r} uses undefined field(s) "
                  f"{', '.join(repr(m) + hint(m, fields) for m in missing)}; define them in schemas/fields.yaml")
            continue
        if len(set(names)) != len(names):
            r.err(yamlfile.line_of(spec, "fields"), f"table {name!r} lists a field twice")
            continue
        pk = r.names(spec.get("primary_key"), yamlfile.line_of(spec, "primary_key"), f"table {name!r}: primary_key")
        if pk is None:
            continue
        if any(k not in names for k in pk):
            r.err(yamlfile.line_of(spec, "primary_key"), f"table {name!r}: primary_key {pk} must name fields of the table")
            continue
        description = spec.get("description")
        if not isinstance(description, str) or text_problem(description, False, 1000):
            r.err(line, f"table {name!r} needs a description (one line of text)")
            continue
        concept = spec.get("concept") or []
        concept = r.names(concept, yamlfile.line_of(spec, "concept"), f"table {name!r}: concept") if concept else []
        if concept is None or any(c not in names for c in concept):
            r.err(yamlfile.line_of(spec, "concept"), f"table {name!r}: concept must name fields of the table")
            continue
        section, taxonomy = spec.get("section"), spec.get("taxonomy")
        inputs = [k for k in ("sidecar", "section", "taxonomy", "derived") if spec.get(k)]
        if len(inputs) > 1:
            r.err(line, f"table {name!r} is filled from one input: {' or '.join(inputs)}")
            continue
        for key, value, seen in (("section", section, sections), ("taxonomy", taxonomy, taxonomies)):
            if value is None:
                continue
            if not isinstance(value, str) or not re.fullmatch(NAME, value):
                r.err(yamlfile.line_of(spec, key), f"table {name!r}: {key} must be a name like {NAME}")
                break
            if value in seen:
                r.err(yamlfile.line_of(spec, key), f"table {name!r}: {key} {value!r} already fills table {seen[value]!r}")
                break
            seen[value] = name
        else:
            key = spec.get("restatement_key") or []
            key = r.names(key, yamlfile.line_of(spec, "restatement_key"), f"table {name!r}: restatement_key") if key else []
            if key is None or any(k not in names for k in key):
                r.err(yamlfile.line_of(spec, "restatement_key"), f"table {name!r}: restatement_key must name fields of the table")
                continue
            evidence_of = spec.get("evidence_of", concept[0] if len(concept) == 1 else None)
            if evidence_of is not None and evidence_of not in names:
                r.err(yamlfile.line_of(spec, "evidence_of"), f"table {name!r}: evidence_of must name a field of the table")
                continue
            rules = _parse_rules(spec.get("rules"), names, f"table {name!r}", r)
            resolved = tuple(replace(fields[n], required=True) if n in pk else fields[n] for n in names)
            tables[name] = Table(name=name, description=description, primary_key=tuple(pk), fields=resolved, line=line,
                                 fact=fact, sidecar=bool(spec.get("sidecar")), section=section, taxonomy=taxonomy,
                                 derived=bool(spec.get("derived")), concept=tuple(concept), restatement_key=tuple(key),
                                 evidence_of=evidence_of if fact else None,
                                 rules=tuple(fact_rules if fact else ()) + tuple(rules))
    if sum(t.sidecar for t in tables.values()) != 1 and not r.problems:
        r.err(1, "exactly one table is filled from the source sidecars (sidecar: true)")
    return tables, tuple(fact_fields)


RESTATES = "restates"  # a fact row's pointer to the row of its own table it states again
REVIEWS = "line_reviews"  # the table of every source line's review (mapped or excluded), a partition like the facts


def _with_foreign_keys(tables: dict[str, Table]) -> dict[str, Table]:
    """A column that is another table's one-column primary key refers to that table; a fact
    table's `restates` refers to its own primary key."""
    owners = {t.primary_key[0]: t.name for t in tables.values() if len(t.primary_key) == 1}
    out = {}
    for name, t in tables.items():
        fks = [ForeignKey(c, owners[c]) for c in t.columns if c in owners and owners[c] != name and (c,) != t.primary_key]
        if RESTATES in t.columns:
            fks.append(ForeignKey(RESTATES, name, t.primary_key[0]))
        out[name] = replace(t, foreign_keys=tuple(fks))
    return out


def load_registry(layout: Layout, problems: Problems) -> Registry | None:
    """The registry, or None with every problem of the schema files recorded."""
    docs, digest = {}, hashlib.sha256()
    for name in ("fields.yaml", "tables.yaml"):
        path = layout.schemas / name
        where = layout.rel(path)
        data = read_input(path, "registry", layout, problems)
        docs[name] = yamlfile.parse_input(data, where, "registry", problems)
        digest.update(data or b"")
    if problems:
        return None
    fields = _parse_fields(docs["fields.yaml"], _Reader("schemas/fields.yaml", problems))
    tables, fact_fields = _parse_tables(docs["tables.yaml"], fields, _Reader("schemas/tables.yaml", problems))
    if problems:
        return None
    return Registry(fields=fields, tables=_with_foreign_keys(tables), fact_fields=fact_fields, digest=digest.hexdigest())


def registry(layout: Layout | None = None) -> Registry:
    """The registry of a checkout, or StageFailed with every problem in its schema files."""
    problems = Problems()
    reg = load_registry(layout or Layout.default(), problems)
    if reg is None:
        raise StageFailed(problems)
    return reg
