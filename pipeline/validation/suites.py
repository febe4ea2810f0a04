"""The Great Expectations batches of a release: the registry's expectations (registry/expectations.py)
paired with the frames they judge. Kept here, beside the gate that runs them, because building a
frame is the transform layer's job and the registry renders expectations without any data."""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from ..registry.expectations import fact_expectations, table_expectations
from ..registry.model import Registry
from ..transform.frames import arrow_to_frame, to_frame
from .batches import FACT_BATCH, batch_names


def fact_batch(reg: Registry, tables: dict) -> pd.DataFrame:
    """The fact fields of every fact table stacked into one frame, with the table and row id of
    each row: the provenance columns are validated once across all fact tables. Stacked in Arrow
    (no copy of the text), then handed to pandas once."""
    import pyarrow as pa

    parts = []
    for t in reg.fact_tables():
        whole = tables[t.name]
        data = whole.select(list(reg.fact_fields))
        data = data.add_column(0, "row_id", whole.column(t.primary_key[0]))
        data = data.add_column(0, "table", pa.chunked_array([pa.array([t.name] * len(data), pa.string())]))
        parts.append(data.cast(pa.schema([f.remove_metadata().with_nullable(True) for f in data.schema])))
    return arrow_to_frame(pa.concat_tables(parts))


def suites(reg: Registry, tables, row_counts: dict[str, int],
           names: list[str] | None = None) -> Iterator[tuple[str, pd.DataFrame, list]]:
    """(batch name, frame, expectations) for the fact batch and every table (given as Arrow, in a
    mapping that may read each when asked), or for the batches `names`: one at a time, each frame
    made when its batch's turn comes, so that only one is held."""
    wanted = set(batch_names(reg) if names is None else names)
    shared = frozenset(reg.fact_fields)
    if FACT_BATCH in wanted and reg.fact_tables():
        yield FACT_BATCH, fact_batch(reg, tables), fact_expectations(reg)
    for name, table in reg.tables.items():
        if name in wanted:
            yield (name, to_frame(table, tables[name]),
                   table_expectations(table, row_counts.get(name), shared if table.fact else frozenset()))
