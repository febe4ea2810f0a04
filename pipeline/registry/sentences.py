"""The registry's constraints and cross-field rules as sentences people read.

The data dictionary states each rule once in these words, and every Great Expectations expectation
carries one as its description, which the validation report shows: a reader meets one wording of
a rule wherever it is published. The curator's message of a rule is not one of them: it tells a
curator how to fix a record, not a reader what holds. Regular expressions stay with the machines
that run them. Names and values are written in `backticks`, which Markdown and the report show as
code.
"""
from __future__ import annotations

import math

from .model import Condition, Field, Rule
from .values import CODELIST_NAMES, FORMULA_START

# Allowed values listed in the sentence itself up to this many; longer lists are named by count
# (the report folds the values away, the dictionary lists them in their own column).
LISTED_VALUES = 6


def noun(table_name: str) -> str:
    """What one row of a table is called: `salaries` a salary, `duty_mentions` a duty mention, and
    a table whose name is no plural (`concept_evidence`) a concept evidence row."""
    *words, last = table_name.split("_")
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    else:
        return " ".join([*words, last, "row"])
    return " ".join([*words, last])


def plural(row: str) -> str:
    """salary: salaries; duty mention: duty mentions."""
    return row[:-1] + "ies" if row.endswith("y") and not row.endswith("ey") else row + "s"


def code(text) -> str:
    return f"`{text}`"


def number(value: float) -> str:
    """A bound as people write it: 0, 1990, 10^15 (not 1e+15)."""
    if value and abs(value) >= 1e6 and math.log10(abs(value)).is_integer():
        return f"{'-' if value < 0 else ''}10^{int(math.log10(abs(value)))}"
    return f"{value:g}"


def _names(fields: list[str]) -> str:
    shown = [code(f) for f in fields]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _clause(c: Condition) -> str:
    return {"null": f"{code(c.field)} is empty", "not_null": f"{code(c.field)} is given",
            "eq": f"{code(c.field)} is {code(c.value)}", "ne": f"{code(c.field)} is not {code(c.value)}"}[c.op]


def conditions(conds: tuple[Condition, ...]) -> str:
    """`a` and `b` are given and `c` is `x`: runs of fields given (or empty) said together."""
    parts: list[str] = []
    run: list[str] = []
    run_op = None
    for c in (*conds, None):
        if c is not None and c.op in ("null", "not_null") and (run_op in (None, c.op)):
            run.append(c.field)
            run_op = c.op
            continue
        if run:
            verb = ("is" if len(run) == 1 else "are") + (" given" if run_op == "not_null" else " empty")
            parts.append(f"{_names(run)} {verb}")
            run, run_op = [], None
        if c is None:
            break
        if c.op in ("null", "not_null"):
            run, run_op = [c.field], c.op
        else:
            parts.append(_clause(c))
    return " and ".join(parts)


def _together(a: Rule, b: Rule) -> tuple[str, str] | None:
    """The two fields of a `together` rule, which the registry holds as two mirrored rules."""
    if not (a.kind == b.kind == "when" and a.line == b.line and a.message == b.message):
        return None
    if len(a.when) == len(a.then) == len(b.when) == len(b.then) == 1 and all(
            c.op == "not_null" for c in (*a.when, *a.then, *b.when, *b.then)):
        if (a.when[0].field, a.then[0].field) == (b.then[0].field, b.when[0].field):
            return a.when[0].field, a.then[0].field
    return None


def rule_sentence(rule: Rule, required: frozenset[str] = frozenset()) -> str:
    """One rule in plain words; `required` names the columns that are never empty (a comparison
    of two such columns needs no "where both are given")."""
    if rule.kind == "when":
        then = conditions(rule.then)
        if not rule.when:
            return f"Always, {then}."
        return f"Where {conditions(rule.when)}, {then}."
    if rule.kind in ("not_greater", "less"):
        a, b = rule.fields
        sign = "≤" if rule.kind == "not_greater" else "<"
        where = "" if {a, b} <= required else " where both are given"
        return f"{code(a)} {sign} {code(b)}{where}."
    return f"{_names(list(rule.fields))}, where given, {'is a number' if len(rule.fields) == 1 else 'are numbers'} " \
           f"written in the row's {code('quote')} (in any notation it uses)."


def rule_sentences(rules: tuple[Rule, ...] | list[Rule], required: frozenset[str] = frozenset()) -> list[str]:
    """Each declared rule once: a `together` rule (two mirrored rules in the registry) is one
    sentence, and a rule met twice is said once."""
    rules = list(dict.fromkeys(rules))
    out: list[str] = []
    i = 0
    while i < len(rules):
        pair = _together(rules[i], rules[i + 1]) if i + 1 < len(rules) else None
        if pair:
            out.append(f"{_names(list(pair))} are given together, or neither.")
            i += 2
            continue
        out.append(rule_sentence(rules[i], required))
        i += 1
    return list(dict.fromkeys(out))


# --- one sentence per expectation of the release gate (registry/expectations.py) --------------------

def _every(row: str, column: str) -> str:
    return f"every {row}'s {code(column)}"


def given(row: str, f: Field) -> str:
    return f"{_every(row, f.name)} is given"


def allowed(row: str, f: Field) -> str:
    if f.codelist:
        return f"{_every(row, f.name)} is {CODELIST_NAMES[f.codelist]}"
    values = sorted(f.allowed or ())
    if len(values) <= LISTED_VALUES:
        return f"{_every(row, f.name)} is one of {', '.join(code(v) for v in values)}"
    return f"{_every(row, f.name)} is one of the {len(values)} values the registry allows"


def text(row: str, f: Field) -> str:
    if f.type.name == "date":
        return f"{_every(row, f.name)} is written YYYY-MM-DD"
    if f.verbatim:
        return (f"{_every(row, f.name)} is the source's text: at least one visible character, and no control "
                "character but tabs and line breaks")
    starts = " ".join(code(c) for c in FORMULA_START)
    return (f"{_every(row, f.name)} is one line of text: no control character, no space at either end, "
            f"and no {starts} first")


def length(row: str, f: Field) -> str:
    return f"{_every(row, f.name)} is at most {f.max_length:,} characters long"


def pattern(row: str, f: Field) -> str:
    return f"{_every(row, f.name)} matches the pattern {code(f.pattern)}"


def real_date(row: str, f: Field) -> str:
    return f"{_every(row, f.name)} is a date that exists"


def between(row: str, f: Field, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{_every(row, f.name)} is between {number(low)} and {number(high)}"
    if low is not None:
        return f"{_every(row, f.name)} is at least {number(low)}"
    return f"{_every(row, f.name)} is at most {number(high)}"


def unique(row: str, columns: list[str]) -> str:
    if len(columns) == 1:
        return f"no two {plural(row)} share a {code(columns[0])}"
    return f"no two {plural(row)} share the same {_names(columns)}"


def columns(names: list[str]) -> str:
    return f"the table has its {len(names)} columns, in the order schemas/tables.yaml lists them"


def row_count(rows: int) -> str:
    return f"the table has {rows:,} rows, as schemas/row_counts.csv expects"


def then(row: str, when: tuple[Condition, ...], c: Condition) -> str:
    """One consequence of a `when` rule, as its expectation checks it."""
    state = {"null": "is empty", "not_null": "is given", "eq": f"is {code(c.value)}", "ne": f"is not {code(c.value)}"}[c.op]
    where = f" where {conditions(when)}" if when else ""
    return f"{_every(row, c.field)} {state}{where}"


def compared(row: str, rule: Rule, required: frozenset[str] = frozenset()) -> str:
    a, b = rule.fields
    where = "" if {a, b} <= required else ", where both are given"
    return f"{_every(row, a)} {'≤' if rule.kind == 'not_greater' else '<'} its {code(b)}{where}"


def in_quote(row: str, column: str) -> str:
    return f"{_every(row, column)}, where given, is a number written in its {code('quote')}"
