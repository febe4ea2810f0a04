"""Cross-field rules (schemas/tables.yaml `rules:`), evaluated from their one declaration.

`broken_by` judges one curated record, so the complaint carries the mapping's file:line;
`violations` judges a whole table column-wise, for pandera. The Great Expectations rendering of
the same rules is in expectations.py; SQLite gets CHECK constraints from `sql_check`.
"""
from __future__ import annotations

from .figures import agrees
from .model import Condition, Rule


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return "null" if value is None else repr(value)


def broken_by(rule: Rule, values: dict) -> list[str]:
    """What the record `values` breaks of `rule`; [] when it holds or does not apply."""
    if rule.kind == "when":
        if not all(c.holds(values) for c in rule.when):
            return []
        failed = [c for c in rule.then if not c.holds(values)]
        if not failed:
            return []
        shown = ", ".join(f"{f} {_fmt(values.get(f))}" for f in dict.fromkeys(c.field for c in (*rule.when, *rule.then)))
        return [f"{rule.message} ({shown})"]
    if rule.kind in ("not_greater", "less"):
        a, b = (values.get(f) for f in rule.fields)
        if a is None or b is None or (a < b if rule.kind == "less" else a <= b):
            return []
        return [f"{rule.fields[0]} {_fmt(a)}, {rule.fields[1]} {_fmt(b)}: {rule.message}"]
    quote = values.get("quote")
    out = []
    for f in rule.fields:
        v = values.get(f)
        if v is not None and isinstance(quote, str) and not agrees(v, quote):
            out.append(f"{f} {_fmt(v)} is not a number written in the quote {quote!r}; {rule.message}")
    return out


def applies_to(rule: Rule, available: set[str]) -> bool:
    """Whether a record holding only `available` fields can be judged by the rule."""
    return rule.columns <= available


def _mask(cond: Condition, df):
    col = df[cond.field]
    if cond.op == "null":
        return col.isna()
    if cond.op == "not_null":
        return col.notna()
    equal = (col == cond.value).fillna(False).astype(bool)
    return equal if cond.op == "eq" else ~equal


def violations(rule: Rule, df):
    """Boolean Series: True for each row of a pandas frame that breaks the rule."""
    import pandas as pd

    if rule.kind == "when":
        applies = pd.Series(True, index=df.index)
        for c in rule.when:
            applies &= _mask(c, df)
        holds = pd.Series(True, index=df.index)
        for c in rule.then:
            holds &= _mask(c, df)
        return applies & ~holds
    if rule.kind in ("not_greater", "less"):
        a, b = (df[f] for f in rule.fields)
        both = a.notna() & b.notna()
        ok = (a < b) if rule.kind == "less" else (a <= b)
        return both & ~ok.fillna(False).astype(bool)
    bad = pd.Series(False, index=df.index)
    for f in rule.fields:
        bad |= pd.Series([v is not None and not pd.isna(v) and not agrees(float(v), q)
                          for v, q in zip(df[f].astype(object), df["quote"].astype(object))], index=df.index, dtype=bool)
    return bad


def _sql_cond(c: Condition) -> str:
    col = f'"{c.field}"'
    value = "'" + str(c.value).replace("'", "''") + "'" if isinstance(c.value, str) else repr(c.value)
    return {"null": f"{col} IS NULL", "not_null": f"{col} IS NOT NULL",
            "eq": f"{col} IS {value}", "ne": f"{col} IS NOT {value}"}[c.op]


def sql_check(rule: Rule) -> str | None:
    """The rule as an SQLite CHECK expression (null-safe); None for in_quote, which SQL cannot say."""
    if rule.kind == "when":
        when = " AND ".join(_sql_cond(c) for c in rule.when) or "1"
        then = " AND ".join(_sql_cond(c) for c in rule.then)
        return f"NOT ({when}) OR ({then})"
    if rule.kind in ("not_greater", "less"):
        a, b = (f'"{f}"' for f in rule.fields)
        return f"{a} IS NULL OR {b} IS NULL OR {a} {'<' if rule.kind == 'less' else '<='} {b}"
    return None
