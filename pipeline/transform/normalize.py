"""Stage 3: turn verified facts into the rows of every registry table.

Salaries are where normalization happens: periods are annualized with the BLS convention (2,080
hours a year) and amounts converted to US dollars at the ECB reference rate's mean over the
figure's reference year. A figure without a reference year is not converted (fx_basis =
no_reference_year) rather than converted at a guessed year. Every row gets its stable id.
"""
from __future__ import annotations

import re

from ..common.problems import Problems
from ..curation.mappings import Fact
from ..registry.model import Registry, Table
from .fx import PERIODS_PER_YEAR, NoRate, ecb_annual_mean


def _slug(value) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")


GENERAL = "general"  # the setting of a statement made for the role as a whole


def row_id(table: Table, values: dict) -> str:
    """source_id:char_start-char_end[:concept...][@setting]: stable while the quote stays where it
    is. The setting is part of the id when it is not general, so one statement may be recorded
    for two settings (a table row naming retail and logistics) without narrowing its quote."""
    parts = [f"{values['source_id']}:{values['char_start']}-{values['char_end']}"]
    parts += [_slug(values[c]) for c in table.concept if values.get(c) is not None]
    setting = values.get("setting")
    return ":".join(parts) + (f"@{_slug(setting)}" if setting not in (None, GENERAL) else "")


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


def normalize_facts(reg: Registry, facts: list[Fact], problems: Problems):
    """Rows of every fact table, each with its id, and the record each row came from (table ->
    id -> (file, line)); a clash of ids is a curator's problem."""
    rows: dict[str, list[dict]] = {t.name: [] for t in reg.fact_tables()}
    origins: dict[str, dict] = {t.name: {} for t in reg.fact_tables()}
    first_at: dict[str, Fact] = {}
    ids: dict[int, tuple[str, dict]] = {}
    for i, fact in enumerate(facts):
        table = reg.tables[fact.table]
        v = dict(fact.values)
        if table.name == "salaries":
            try:
                v = normalize_salary(v)
            except NoRate as err:
                problems.add(fact.file, fact.line, f"cannot convert to USD: {err}")
                continue
        v[table.primary_key[0]] = ident = row_id(table, v)
        if ident in first_at:
            problems.add(fact.file, fact.line, f"same quote and concept as the record at line {first_at[ident].line}, "
                         f"so both would be row {ident}; merge them, or narrow one quote to the words it rests on")
            continue
        first_at[ident] = fact
        row = {c: v.get(c) for c in table.columns}
        rows[table.name].append(row)
        ids[i] = (ident, row)
        origins[table.name][ident] = (fact.file, fact.line)
    for i, fact in enumerate(facts):
        if fact.restates is not None and i in ids and fact.restates in ids:
            ids[i][1]["restates"] = ids[fact.restates][0]
    return rows, origins
