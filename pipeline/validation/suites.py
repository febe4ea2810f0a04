"""The Great Expectations batches of a release: the registry's expectations (registry/expectations.py)
paired with the frames they judge. Kept here, beside the gate that runs them, because building a
frame is the transform layer's job and the registry renders expectations without any data.

The fact batch (the fact fields of every fact table, stacked) is judged in parts, each the rows of
a run of sources, so that after one mapping is edited only the part holding its source is judged
again. A fact table is the union of its partitions' rows (transform/assemble.py), so a source's
fact rows are a function of its partition, whose key hashes its mapping, its text, the registry
and the code: a part's passing verdict is kept under the keys of its sources' partitions (gate.py),
and found again without reading its rows. Rows whose source has no partition key are judged every
time. The expectations are row by row but one, the uniqueness of (table, row id); within the whole
batch that follows from each fact table's own primary key being unique, which every table's batch
judges. So the parts together say what the whole batch says. Where a part ends depends only on the
source ids (a run ends after a source whose id hashes to a multiple of PART_SOURCES): an edited,
added or removed source changes its own part and no other."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ..common.cache import key
from ..common.digests import ends_a_part
from ..registry.expectations import fact_expectations, table_expectations
from ..registry.model import Registry
from ..transform.frames import arrow_to_frame, columns_of, to_frame
from .batches import FACT_BATCH, batch_names

PART_SOURCES = 64  # sources in a part of the fact batch, on average


@dataclass
class Batch:
    """A batch to judge: its name in the report, its frame (made when its turn comes, so that one
    is held at a time), its expectations, and for a part of the fact batch the digest of its rows."""
    name: str
    frame: Callable
    expectations: list
    part: str | None = None


def fact_rows(reg: Registry, tables: dict) -> pa.Table:
    """The fact fields of every fact table stacked into one table, with the table and row id of
    each row: the provenance columns are validated once across all fact tables. Stacked in Arrow
    (no copy of the text); only these columns are read."""
    parts = []
    for t in reg.fact_tables():
        data = columns_of(tables, t.name, [t.primary_key[0], *reg.fact_fields])
        data = data.rename_columns(["row_id", *reg.fact_fields])
        data = data.add_column(0, "table", pa.chunked_array([pa.array([t.name] * len(data), pa.string())]))
        parts.append(data.cast(pa.schema([f.remove_metadata().with_nullable(True) for f in data.schema])))
    return pa.concat_tables(parts)


def _source_ids(reg: Registry, tables: dict) -> pa.ChunkedArray:
    """The source id of every stacked fact row, in the order of fact_rows (one column read)."""
    return pa.chunked_array([chunk for t in reg.fact_tables()
                             for chunk in columns_of(tables, t.name, ["source_id"]).column(0).cast(pa.string()).chunks],
                            pa.string())


def fact_parts(reg: Registry, ids: pa.ChunkedArray, entries: dict[str, str]) -> Iterator[tuple[str | None, Callable]]:
    """The stacked fact rows in parts, given their source ids: (the key of the part, or None when it
    has none; a function giving the mask of its rows). A part is a run of sources in id order; its
    key is made of their partitions' keys (`entries`). Rows without a source id, or of a source
    without a partition key, make a part of their own, without a key."""
    present = pc.unique(ids).drop_null().to_pylist()
    runs: list[list[str]] = [[]]
    for source_id in sorted(s for s in present if s in entries):
        runs[-1].append(source_id)
        if ends_a_part(source_id, PART_SOURCES):
            runs.append([])
    for run in (run for run in runs if run):
        yield (key("fact part", reg.digest, *(f"{s}={entries[s]}" for s in run)),
               lambda run=run: pc.is_in(ids, value_set=pa.array(run, pa.string())))
    unknown = [s for s in present if s not in entries]
    if unknown or ids.null_count or not present:
        yield None, lambda: pc.or_(pc.is_in(ids, value_set=pa.array(unknown, pa.string())), pc.is_null(ids))


def suites(reg: Registry, tables, row_counts: dict[str, int], names: list[str] | None = None,
           entries: dict[str, str] | None = None) -> Iterator[Batch]:
    """The batches of the fact batch's parts and every table (given as Arrow, in a mapping that may
    read each when asked), or of the batches `names`; `entries` are the keys of the sources'
    partitions (none: no part has a key)."""
    wanted = set(batch_names(reg) if names is None else names)
    shared = frozenset(reg.fact_fields)
    if FACT_BATCH in wanted and reg.fact_tables():
        expectations = fact_expectations(reg)
        stacked = functools.cache(lambda: fact_rows(reg, tables))  # read only if a part is judged
        for part, mask in fact_parts(reg, _source_ids(reg, tables), entries or {}):
            yield Batch(FACT_BATCH, lambda mask=mask: arrow_to_frame(stacked().filter(mask()).combine_chunks()),
                        expectations, part)
    for name, table in reg.tables.items():
        if name in wanted:
            yield Batch(name, lambda table=table: to_frame(table, tables[table.name]),
                        table_expectations(table, row_counts.get(name), shared if table.fact else frozenset()))
