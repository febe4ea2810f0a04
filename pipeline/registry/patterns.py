"""Field patterns that every rendering can check, with the same verdict.

A pattern in schemas/fields.yaml must match a whole value. Python, pandera and Great Expectations
check it as a regular expression; SQLite has no regular expressions, so the pattern is translated
into length, substring and GLOB tests. To keep the two in step, a pattern may use only what both
can say: literal characters, character classes ([a-z0-9_-], [^...], .), groups of alternatives
((occupation|skill)), and repeats ({n}, {m,n}, ?, *, +) of one character class, with at most one
repeat of variable length per alternative. Such patterns also cannot backtrack catastrophically.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

try:  # Python 3.11+
    from re import _constants as C
    from re import _parser as P
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

MAX_ALTERNATIVES = 64


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class Atom:
    """One position class repeated between `low` and `high` times (high None = unbounded)."""
    ranges: tuple[tuple[int, int], ...]
    negate: bool
    low: int
    high: int | None

    @property
    def fixed(self) -> bool:
        return self.high == self.low


def _class(items) -> tuple[tuple[tuple[int, int], ...], bool]:
    ranges, negate = [], False
    for op, arg in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            ranges.append((arg, arg))
        elif op is C.RANGE:
            ranges.append(arg)
        else:
            raise PatternError("write character classes out (for example [0-9] instead of \\d): "
                               "shorthand classes mean different things in different engines")
    return tuple(ranges), negate


def _single(op, arg) -> tuple[tuple[tuple[int, int], ...], bool]:
    if op is C.LITERAL:
        return ((arg, arg),), False
    if op is C.IN:
        return _class(arg)
    if op is C.NOT_LITERAL:
        return ((arg, arg),), True
    if op is C.ANY:
        return ((10, 10),), True
    raise PatternError("only a single character or character class may be repeated")


def _expand(items) -> list[list[Atom]]:
    """Every alternative of a parsed pattern, as a sequence of atoms."""
    alternatives: list[list[Atom]] = [[]]

    def extend(options: list[list[Atom]]) -> None:
        nonlocal alternatives
        alternatives = [a + o for a in alternatives for o in options]
        if len(alternatives) > MAX_ALTERNATIVES:
            raise PatternError(f"more than {MAX_ALTERNATIVES} alternatives; simplify the pattern")

    for op, arg in items:
        if op in (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY):
            ranges, negate = _single(op, arg)
            extend([[Atom(ranges, negate, 1, 1)]])
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, sub = arg
            if len(sub) != 1:
                raise PatternError("only a single character or character class may be repeated")
            ranges, negate = _single(*sub[0])
            extend([[Atom(ranges, negate, low, None if high == C.MAXREPEAT else high)]])
        elif op is C.SUBPATTERN:
            _group, add_flags, del_flags, sub = arg
            if add_flags or del_flags:
                raise PatternError("inline flags are not allowed")
            extend(_expand(sub))
        elif op is C.BRANCH:
            options = [alt for branch in arg[1] for alt in _expand(branch)]
            extend(options)
        elif op is C.AT:
            raise PatternError("a pattern always matches the whole value; drop ^, $, \\A and \\Z")
        else:
            raise PatternError(f"{str(op).lower()} is not supported in field patterns")
    return alternatives


def parse(pattern: str) -> list[list[Atom]]:
    """The alternatives of a pattern, or PatternError saying what to change."""
    try:
        parsed = P.parse(pattern)
    except re.error as err:
        raise PatternError(f"not a regular expression: {err}") from None
    if parsed.state.flags & ~re.UNICODE:
        raise PatternError("inline flags are not allowed")
    alternatives = _expand(list(parsed))
    for alt in alternatives:
        if sum(not atom.fixed for atom in alt) > 1:
            raise PatternError("at most one repeat of variable length (*, +, ?, {m,n}) per alternative, "
                               "so that SQLite can check the pattern too")
    return alternatives


def _glob_class(atom: Atom) -> str:
    chars: set[str] = set()
    spans: list[str] = []
    for lo, hi in atom.ranges:
        if lo == hi:
            chars.add(chr(lo))
        else:
            spans.append(f"{chr(lo)}-{chr(hi)}")
    if not atom.negate and not spans and len(chars) == 1:
        (c,) = chars
        return f"[{c}]" if c in "*?[" else c
    body = ("]" if "]" in chars else "") + "".join(spans)
    body += "".join(sorted(c for c in chars if c not in "]-^"))
    if "^" in chars:
        body += "^" if body else ""
    if "-" in chars:
        body += "-"
    if body == "" and "^" in chars:  # a class holding only ^: a literal ^ outside brackets
        return "^" if not atom.negate else "[^^]"
    return "[" + ("^" if atom.negate else "") + body + "]"


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _alternative_sql(column: str, atoms: list[Atom]) -> str:
    var = next((i for i, a in enumerate(atoms) if not a.fixed), None)
    head = atoms if var is None else atoms[:var]
    tail = [] if var is None else atoms[var + 1:]
    prefix = "".join(_glob_class(a) * a.low for a in head)
    suffix = "".join(_glob_class(a) * a.low for a in tail)
    p, s = sum(a.low for a in head), sum(a.low for a in tail)
    tests = []
    if var is None:
        tests.append(f"length({column}) = {p}")
    else:
        v = atoms[var]
        tests.append(f"length({column}) >= {p + s + v.low}")
        if v.high is not None:
            tests.append(f"length({column}) <= {p + s + v.high}")
        inverse = Atom(v.ranges, not v.negate, 1, 1)
        middle = f"substr({column}, {p + 1}, length({column}) - {p + s})"
        tests.append(f"{middle} NOT GLOB {_sql_literal('*' + _glob_class(inverse) + '*')}")
    if p:
        tests.append(f"substr({column}, 1, {p}) GLOB {_sql_literal(prefix)}")
    if s:
        tests.append(f"substr({column}, -{s}, {s}) GLOB {_sql_literal(suffix)}")
    return "(" + " AND ".join(tests) + ")"


def sql_check(pattern: str, column: str) -> str:
    """An SQLite expression true exactly when the whole value matches `pattern`."""
    alternatives = parse(pattern)
    parts = [_alternative_sql(column, alt) for alt in alternatives]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
