"""Expected row counts, per table and per source, kept in git (schemas/row_counts.csv) so that
every change in the data shows up in review, as PUDL does."""
from __future__ import annotations

import csv
import io

import pandas as pd

from .paths import SCHEMAS

PATH = SCHEMAS / "row_counts.csv"
ALL = "*"


def observed(frames: dict[str, pd.DataFrame]) -> dict[tuple[str, str], int]:
    counts = {}
    for name, df in frames.items():
        counts[(name, ALL)] = len(df)
        if "source_id" in df.columns and name != "sources":
            for source_id, n in df["source_id"].value_counts().items():
                counts[(name, str(source_id))] = int(n)
    return counts


def expected() -> dict[tuple[str, str], int] | None:
    if not PATH.exists():
        return None
    with PATH.open(encoding="utf-8", newline="") as fh:
        return {(r["table"], r["source_id"]): int(r["rows"]) for r in csv.DictReader(fh)}


def render(counts: dict[tuple[str, str], int]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["table", "source_id", "rows"])
    for (table, source_id), n in sorted(counts.items()):
        w.writerow([table, source_id, n])
    return buf.getvalue()


def differences(frames: dict[str, pd.DataFrame]) -> list[str]:
    want, got = expected() or {}, observed(frames)
    out = []
    for key in sorted(set(want) | set(got)):
        if want.get(key, 0) != got.get(key, 0):
            table, source_id = key
            scope = "in all" if source_id == ALL else f"from {source_id}"
            out.append(f"{table} has {got.get(key, 0)} rows {scope}; schemas/row_counts.csv expects {want.get(key, 0)}")
    return out
