"""The nearest correct thing, for error messages: 'unknow_key' -> (did you mean 'unknown_key'?)."""
from __future__ import annotations


def hint(word, choices) -> str:
    """' (did you mean 'x'?)' for the nearest choice, or '' when nothing is near."""
    if not choices:
        return ""
    from rapidfuzz import process

    best = process.extractOne(str(word), list(choices))
    return f" (did you mean {best[0]!r}?)" if best and best[1] >= 60 else ""
