"""One value against its registry field: the same constraints pandera enforces on the tables,
applied early to each curated record so the complaint can carry the record's file:line."""
from __future__ import annotations

import re

from .registry import Field


def problem_with(field: Field, value) -> str | None:
    if value is None:
        return None
    if field.type == "string" and not isinstance(value, str):
        return f"{field.name} must be text, got {value!r}"
    if field.type == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{field.name} must be a whole number, got {value!r}"
    if field.type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{field.name} must be a number (write 46100, not '46,100'), got {value!r}"
    if field.enum is not None and value not in field.enum:
        return f"{field.name} {value!r} is not one of: {', '.join(field.enum)}"
    if field.pattern is not None and isinstance(value, str) and not re.fullmatch(field.pattern, value):
        return f"{field.name} {value!r} does not match the pattern {field.pattern}"
    if field.minimum is not None and isinstance(value, (int, float)) and value < field.minimum:
        return f"{field.name} {value!r} is below the minimum {field.minimum}"
    if field.maximum is not None and isinstance(value, (int, float)) and value > field.maximum:
        return f"{field.name} {value!r} is above the maximum {field.maximum}"
    return None
