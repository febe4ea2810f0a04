"""The numbers written in a quote, whatever the notation, so a curated figure can be checked
against the words it rests on (the `in_quote` rule of schemas/tables.yaml).

Handles Western and Arabic-Indic digits, thousands separators (`46,100`, Arabic comma `22،000`,
Arabic thousands sign `٬`, spaces), decimal points (`16.69`, Arabic decimal sign `٫`), ranges
(`3-6`) and scale words after a number (`3-6 لاكش` = 300000 and 600000; `ألف`, `万`, `тыс`).
"""
from __future__ import annotations

import re
import unicodedata

# Scale words as they are written after a number in our sources' languages.
SCALES = {
    "lakh": 100_000, "lakhs": 100_000, "لاكش": 100_000, "لاك": 100_000, "لكح": 100_000,
    "crore": 10_000_000, "كرور": 10_000_000,
    "ألف": 1_000, "آلاف": 1_000, "الف": 1_000,
    "مليون": 1_000_000, "ملايين": 1_000_000,
    "千": 1_000, "万": 10_000, "萬": 10_000, "亿": 100_000_000,
    "тыс": 1_000, "тысяч": 1_000, "тысячи": 1_000, "млн": 1_000_000,
    "k": 1_000, "K": 1_000, "thousand": 1_000, "million": 1_000_000,
}
_GROUP_SEPARATORS = ",،٬ \u00a0\u202f\u2009"
_NUMBER = re.compile(r"\d+(?:[" + _GROUP_SEPARATORS + r"]\d{3})*(?:[.٫]\d+)?")
_SCALE = re.compile(r"\s*(" + "|".join(sorted(map(re.escape, SCALES), key=len, reverse=True)) + r")")
_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|~|to|إلى|до|至|到)\s*$")


def _ascii_digits(text: str) -> str:
    """Arabic-Indic, Persian and full-width digits become 0-9, one character for one."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def _value(token: str) -> float:
    token = token.replace("٫", ".")
    for sep in _GROUP_SEPARATORS:
        token = token.replace(sep, "")
    return float(token)


def numbers_in(quote: str) -> set[float]:
    """Every amount the quote can be read as stating."""
    text = _ascii_digits(quote)
    found: list[tuple[int, int, float]] = [(m.start(), m.end(), _value(m.group())) for m in _NUMBER.finditer(text)]
    values = {v for _, _, v in found}
    # A scale word after a number applies to it and to the number a range joins to it.
    for i, (start, end, value) in enumerate(found):
        scale = _SCALE.match(text, end)
        if not scale:
            continue
        factor = SCALES[scale.group(1)]
        values.add(value * factor)
        if i > 0 and _RANGE_JOIN.search(text[found[i - 1][1]:start]):
            values.add(found[i - 1][2] * factor)
    return values


def agrees(amount: float, quote: str) -> bool:
    """True when the figure, without its sign, is a number the quote writes (a sign is often
    written as a word: "fall by 2%" states -2)."""
    amount = abs(amount)
    return any(abs(amount - n) < 1e-6 * max(1.0, abs(n)) for n in numbers_in(quote))
