"""The release gate's batches: the fact fields of every fact table stacked into one, then each
table. Named here, apart from the suites (suites.py), so that the build can share the batches among
its workers without importing Great Expectations itself."""
from __future__ import annotations

from ..registry.model import Registry

FACT_BATCH = "fact fields"


def batch_names(reg: Registry) -> list[str]:
    """The gate's batches, in the order the report lists them: the fact batch, then every table."""
    return ([FACT_BATCH] if reg.fact_tables() else []) + list(reg.tables)


def tables_of(reg: Registry, names: list[str]) -> set[str]:
    """The tables the batches `names` read."""
    return {n for n in names if n != FACT_BATCH} | ({t.name for t in reg.fact_tables()} if FACT_BATCH in names else set())
