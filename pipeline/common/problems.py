"""Curator-facing problems: every bad input becomes `file:line: what is wrong (how to fix it)`.

Stages collect problems instead of raising on the first, so a curator sees all of them at once;
the command line prints them and exits non-zero, never with a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int | None, message: str) -> None:
        self.items.append(Problem(file, line or 1, message))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items))


class StageFailed(Exception):
    """Raised by a stage whose problems make the next stage meaningless."""

    def __init__(self, problems: Problems):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
