"""What a valid value of a field is, said once.

`judge` is the curator-time check of one value, with a message that says what is wrong and how to
fix it. The other renderings of the same constraints (`text_regex` with the length and pattern for
pandera and Great Expectations, `sql_checks` for SQLite) are built here from the same few
definitions, and a test feeds every field's boundary values to all of them and demands one verdict.
"""
from __future__ import annotations

import datetime as dt
import math
import re

from .patterns import sql_check
from .types import INT64_MAX, INT64_MIN

CODELIST_NAMES = {"iso3166-1-alpha-2": "an ISO 3166-1 alpha-2 country code", "iso4217": "an ISO 4217 currency code"}


def codelist_guess(name: str, value: str) -> str | None:
    """The code a curator most likely meant by `value` (a name, another form of the code, the
    wrong case), as pycountry's lookup reads it, with its name; None when it finds nothing."""
    import pycountry

    countries = name == "iso3166-1-alpha-2"
    registry = pycountry.countries if countries else pycountry.currencies
    try:
        found = registry.lookup(value.strip())
    except LookupError:
        try:  # a common name ("Russia") rather than the official one
            found = pycountry.countries.search_fuzzy(value.strip())[0] if countries and len(value.strip()) > 3 else None
        except LookupError:
            found = None
    if found is None:
        return None
    code = found.alpha_2 if countries else found.alpha_3
    return f"{code!r} ({found.name})"


# Every character for which str.isspace() is true (tested against Python's own definition).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# Characters that spreadsheets take as the start of a formula (tab and CR are controls anyway).
FORMULA_START = "=+-@"
# Line breaks and tabs are allowed only in verbatim text (a quote may span lines).
VERBATIM_CONTROLS = "\t\n\r"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


_CONTROL_RE = {False: re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]"),
               True: re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")}


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "...'"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def judge(field, value, key: str | None = None) -> str | None:
    """Why `value` is not a valid value of `field`, or None. Null is judged by `required`, elsewhere."""
    if value is None:
        return None
    key = key or field.name
    kind = field.type.name
    if kind == "string":
        return _judge_text(field, value, key)
    if kind == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            return f"{key} {_show(value)} is not a date; write it as YYYY-MM-DD, e.g. 2023-02-28"
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{key} {value} is not a date that exists; check the day and the month"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{key} must be true or false, got {_show(value)}"
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{key} must be a whole number, got {_show(value)}"
        if not INT64_MIN <= value <= INT64_MAX:
            return f"{key} {value} is too large to store; check the figure"
    elif kind == "number":
        if not _number(value):
            return f"{key} must be a number (write 46100, not '46,100'), got {_show(value)}"
        if not math.isfinite(value):
            return f"{key} must be a finite number, got {value}"
        if abs(value) > 1e15:
            return f"{key} {value:g} is too large to be a figure the text states; check it"
    if field.minimum is not None and value < field.minimum:
        return f"{key} {value:g} is below the minimum {field.minimum:g}"
    if field.maximum is not None and value > field.maximum:
        return f"{key} {value:g} is above the maximum {field.maximum:g}"
    return None


def _judge_text(field, value, key: str) -> str | None:
    if value.__class__ is str:  # the common case: one regular expression says all the rules at once
        allowed = field.allowed
        if allowed is not None:
            if value in allowed:
                return None
        elif value_ok(field, value):
            return None
    if not isinstance(value, str):
        quoted = f"; put it in quotes: '{value}'" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        return f"{key} must be text, got {_show(value)}{quoted}"
    allowed = field.allowed
    if allowed is not None:
        if value in allowed:
            return None
        if field.codelist:
            guess = codelist_guess(field.codelist, value)
            hint = f" (did you mean {guess}?)" if guess else ""
            return f"{key} {_show(value)} is not {CODELIST_NAMES[field.codelist]}{hint}"
        from rapidfuzz import process  # only on the error path

        best = process.extractOne(value, sorted(allowed))
        hint = f" (did you mean {best[0]!r}?)" if best and best[1] >= 60 else ""
        return f"{key} {_show(value)} is not one of: {', '.join(field.enum)}{hint}"
    problem = text_problem(value, field.verbatim, field.max_length)
    if problem:
        return f"{key} {_show(value)} {problem}"
    if field.pattern is not None and not field.user_pattern.fullmatch(value):
        return f"{key} {_show(value)} does not match the pattern {field.pattern}"
    return None


def text_problem(value: str, verbatim: bool, max_length: int | None) -> str | None:
    """What is wrong with a text under the rules every string value follows, or None."""
    if value == "":
        return "is empty; write the text, or leave the key out if it is optional"
    bad = _CONTROL_RE[verbatim].search(value)
    if bad:
        return (f"holds the control character U+{ord(bad.group()):04X} at position {bad.start() + 1}; remove it"
                + ("" if verbatim else " (a one-line text holds no line breaks or tabs)"))
    if not value.strip(WHITESPACE):
        return "holds only whitespace; write the text"
    if not verbatim:
        if value[0] in WHITESPACE or value[-1] in WHITESPACE:
            return "starts or ends with whitespace; remove it"
        if value[0] in FORMULA_START:
            return (f"starts with {value[0]!r}, which spreadsheets evaluate as a formula; start with a word "
                    "(for a negative figure write it out, e.g. 'a decline of 2%')")
    if max_length is not None and len(value) > max_length:
        return f"is {len(value):,} characters long, more than the {max_length:,} allowed; shorten it"
    return None


def _class(chars: str) -> str:
    """Characters for a [...] class that Python's re and RE2 (Arrow's engine) read alike: a
    two-digit hex escape up to U+00FF, the character itself above."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x100 else c for c in chars)


_CONTROLS = "".join(map(chr, [*range(0x00, 0x20), *range(0x7F, 0xA0)]))


def text_regex(field) -> str | None:
    """The text rules of a string field as one regular expression over the whole value, in the
    syntax both Python's re and RE2 (the engine pandas uses on Arrow strings) accept: no control
    characters, not only whitespace and, unless verbatim, no whitespace at either end and no
    formula character first. Length and pattern are checked on their own (RE2 bounds repeats).
    None for fields checked against a list of allowed values instead, and for non-strings."""
    if field.type.name == "date":
        return "[0-9]{4}-[0-9]{2}-[0-9]{2}"
    if field.type.name != "string" or field.allowed is not None:
        return None
    if field.verbatim:
        bad = _class("".join(c for c in _CONTROLS if c not in VERBATIM_CONTROLS))
        return f"[^{bad}]*[^{bad}{_class(WHITESPACE)}][^{bad}]*"
    ctrl, ws = _class(_CONTROLS), _class(WHITESPACE)
    return f"[^{ctrl}{ws}{_class(FORMULA_START)}](?:[^{ctrl}]*[^{ctrl}{ws}])?"


def value_ok(field, value: str) -> bool:
    """The fast verdict on a text value: its rules, length and pattern (judge explains a failure)."""
    return (field.text_pattern.fullmatch(value) is not None and len(value) <= (field.max_length or len(value))
            and (field.pattern is None or field.user_pattern.fullmatch(value) is not None))


def _sql_chars(chars: str) -> str:
    return "char(" + ", ".join(str(ord(c)) for c in chars) + ")"


def _sql_literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_checks(field, column: str) -> list[str]:
    """SQLite expressions that hold exactly when a non-null value is valid."""
    kind = field.type.name
    checks = []
    if field.allowed is not None:
        checks.append(f"{column} IN ({', '.join(_sql_literal(v) for v in sorted(field.allowed))})")
    elif kind == "string":
        verbatim = field.verbatim
        checks.append(f"length({column}) BETWEEN 1 AND {field.max_length}" if field.max_length else f"length({column}) >= 1")
        checks.append(f"instr({column}, char(0)) = 0")
        controls = "char(1) || '-' || char(8) || char(11, 12) || char(14) || '-' || char(31)" if verbatim else \
            "char(1) || '-' || char(31)"
        checks.append(f"{column} NOT GLOB '*[' || {controls} || char(127) || '-' || char(159) || ']*'")
        if verbatim:
            checks.append(f"{column} GLOB '*[^' || {_sql_chars(WHITESPACE)} || ']*'")
        else:
            checks.append(f"{column} NOT GLOB '[' || {_sql_chars(WHITESPACE)} || '=+@-]*'")
            checks.append(f"{column} NOT GLOB '*[' || {_sql_chars(WHITESPACE)} || ']'")
        if field.pattern:
            checks.append(sql_check(field.pattern, column))
    elif kind == "date":
        checks.append(f"{column} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date(julianday({column})) IS {column}")
    elif kind == "integer":
        checks.append(f"typeof({column}) = 'integer'")
    elif kind == "number":
        checks.append(f"typeof({column}) IN ('integer', 'real') AND abs({column}) <= 1e15")
    elif kind == "boolean":
        checks.append(f"{column} IN (0, 1)")
    if kind in ("integer", "number"):
        if field.minimum is not None:
            checks.append(f"{column} >= {field.minimum!r}")
        if field.maximum is not None:
            checks.append(f"{column} <= {field.maximum!r}")
    return checks
