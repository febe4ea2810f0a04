"""Stage 3: turn verified facts into the rows of every registry table.

Salaries are where normalization happens: country and currency are checked against pycountry,
each amount against the numbers written in its quote, periods are annualized with the BLS
convention (2,080 hours a year), and amounts are converted to US dollars at the ECB reference
rate's mean over the figure's reference year. A figure without a reference year is not
converted (fx_basis = no_reference_year) rather than converted at a guessed year.
"""
from __future__ import annotations

import re

import pycountry

from .amounts import agrees
from .fx import PERIODS_PER_YEAR, NoRate, ecb_annual_mean
from .load_sources import Source
from .problems import Problems
from .registry import Registry
from .verify_mappings import Fact, Verified


def _slug(value) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")


def row_id(table, values: dict) -> str:
    """source_id:char_start-char_end[:concept...]: stable while the quote stays where it is."""
    parts = [f"{values['source_id']}:{values['char_start']}-{values['char_end']}"]
    parts += [_slug(values[c]) for c in table.concept if values.get(c) is not None]
    return ":".join(parts)


def _check_salary(v: dict, fact: Fact, problems: Problems) -> bool:
    ok = True

    def err(msg):
        nonlocal ok
        problems.add(fact.file, fact.line, msg)
        ok = False

    if v["country"] is not None and pycountry.countries.get(alpha_2=v["country"]) is None:
        err(f"country {v['country']!r} is not an ISO 3166-1 alpha-2 code (e.g. US, GB, CA, IN)")
    if v["country"] is not None and v["country_basis"] is None:
        err("country_basis missing: say whether the country is stated or inferred_from_currency / inferred_from_provider")
    if pycountry.currencies.get(alpha_3=v["currency"]) is None:
        err(f"currency {v['currency']!r} is not an ISO 4217 code (e.g. USD, GBP, CAD, INR)")
    for side in ("amount_min", "amount_max"):
        if v[side] is not None and not agrees(v[side], v["quote"]):
            err(f"{side} {v[side]:g} is not a number written in the quote {v['quote']!r}; "
                "copy the figure the text states (scale words such as lakh or ألف applied)")
    if v["amount_min"] is None and v["amount_max"] is None:
        err("a salary needs amount_min or amount_max")
    if v["amount_min"] is not None and v["amount_max"] is not None and v["amount_min"] > v["amount_max"]:
        err(f"amount_min {v['amount_min']:g} is greater than amount_max {v['amount_max']:g}")
    open_side = {"upper": "amount_max", "lower": "amount_min"}.get(v["open_bound"])
    if open_side and v[open_side] is not None and v["statistic"] != "range":
        err(f"open_bound is {v['open_bound']}, so {open_side} must be null (the open side of 'or more' / 'up to'); "
            "only a range ('55,000 to 70,000 or more') keeps both figures")
    if not open_side and None in (v["amount_min"], v["amount_max"]):
        err("one amount is null but open_bound is not set; say open_bound: upper ('or more') or lower ('up to')")
    if (v["reference_year"] is None) != (v["reference_year_basis"] is None):
        err("give reference_year and reference_year_basis together, or neither")
    return ok


def normalize_salary(v: dict) -> dict:
    factor = PERIODS_PER_YEAR[v["period"]]
    annual = {s: (None if v[f"amount_{s}"] is None else round(v[f"amount_{s}"] * factor, 2)) for s in ("min", "max")}
    if v["currency"] == "USD":
        rate, basis = 1.0, "same_currency"
    elif v["reference_year"] is None:
        rate, basis = None, "no_reference_year"
    else:
        rate, basis = ecb_annual_mean(v["currency"], v["reference_year"]), "ecb_annual_mean"
    usd = {s: (None if rate is None or annual[s] is None else float(round(annual[s] * rate))) for s in ("min", "max")}
    return {**v, "periods_per_year": float(factor), "annual_min": annual["min"], "annual_max": annual["max"],
            "usd_per_unit": rate, "fx_basis": basis, "usd_annual_min": usd["min"], "usd_annual_max": usd["max"]}


def _check_level_basis(v: dict, fact: Fact, problems: Problems) -> bool:
    if "level_id" in v and (v["level_id"] is None) != (v.get("level_basis") is None):
        problems.add(fact.file, fact.line, "give level and level_basis together, or neither")
        return False
    return True


def build_tables(reg: Registry, sources: dict[str, Source], taxonomies: dict, verified: Verified,
                 problems: Problems) -> dict[str, list[dict]]:
    """Rows of every table, as plain dicts in registry column order."""
    rows: dict[str, list[dict]] = {name: [] for name in reg.tables}
    first_at: dict[str, Fact] = {}
    rows["sources"] = [s.row() for s in sources.values()]
    for name, entries in taxonomies.items():
        rows[name] = [e.values for e in entries.values()]
    for fact in verified.facts:
        table = reg.tables[fact.table]
        v = dict(fact.values)
        if not _check_level_basis(v, fact, problems):
            continue
        if table.name == "salaries":
            if not _check_salary(v, fact, problems):
                continue
            try:
                v = normalize_salary(v)
            except NoRate as err:
                problems.add(fact.file, fact.line, f"cannot convert to USD: {err}")
                continue
        if table.name == "outlook_statements" and v.get("country") and pycountry.countries.get(alpha_2=v["country"]) is None:
            problems.add(fact.file, fact.line, f"country {v['country']!r} is not an ISO 3166-1 alpha-2 code")
            continue
        v[table.primary_key[0]] = ident = row_id(table, v)
        if ident in first_at:
            problems.add(fact.file, fact.line, f"same quote and concept as the record at line {first_at[ident].line}, "
                         f"so both would be row {ident}; merge them, or narrow one quote to the words it rests on")
            continue
        first_at[ident] = fact
        rows[table.name].append({c: v.get(c) for c in table.columns})
    rows["line_reviews"] = [r.__dict__ for r in verified.reviews]
    for name, table in reg.tables.items():
        rows[name] = sorted(({c: r.get(c) for c in table.columns} for r in rows[name]),
                            key=lambda r: tuple(_sort_key(r[k]) for k in table.primary_key))
    return rows


def _sort_key(value):
    return (0, value) if isinstance(value, (int, float)) else (1, str(value))
