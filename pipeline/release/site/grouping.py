"""Rows grouped by a key, found once per table, so that a page takes its rows as a slice.

A site of 5000 sources and a million fact rows cannot filter every table for every page (that is
pages x rows). Here each table is grouped once: if its rows already come in runs of one key (fact
tables are sorted by row ids that begin with the source id) the runs are used as they are, else the
table is sorted by the key once (a stable sort, so rows keep their primary-key order inside a
group). A page then converts only its own slice to Python.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


class Groups:
    """The rows of `table` by the value of `key` (a column name, or an array aligned with the rows)."""

    def __init__(self, table: pa.Table, key: str | pa.Array | pa.ChunkedArray):
        keys = table.column(key) if isinstance(key, str) else key
        keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
        runs = pc.run_end_encode(keys) if len(keys) else None
        values = runs.values.to_pylist() if runs is not None else []
        if len(set(values)) != len(values):
            order = pc.sort_indices(keys)
            table, keys = table.take(order), keys.take(order)
            runs = pc.run_end_encode(keys)
            values = runs.values.to_pylist()
        ends = runs.run_ends.to_pylist() if runs is not None else []
        self.table = table
        self.spans = {value: (start, end - start) for value, start, end in zip(values, [0] + ends[:-1], ends)}

    def __contains__(self, value) -> bool:
        return value in self.spans

    def keys(self) -> list:
        return list(self.spans)

    def count(self, value) -> int:
        return self.spans.get(value, (0, 0))[1]

    def slice(self, value) -> pa.Table:
        start, length = self.spans.get(value, (0, 0))
        return self.table.slice(start, length)

    def columns(self, value, names=None) -> dict[str, list]:
        """The group's rows column by column, as Python values."""
        part = self.slice(value)
        return {name: part.column(name).to_pylist() for name in (names or part.column_names)}

    def rows(self, value, names=None) -> list[dict]:
        cols = self.columns(value, names)
        names = list(cols)
        return [dict(zip(names, values)) for values in zip(*cols.values())] if names else []


def joined_key(table: pa.Table, names: list[str], separator: str = ":") -> pa.Array:
    """One key column from several (their values must not hold the separator)."""
    if len(names) == 1:
        return table.column(names[0])
    return pc.binary_join_element_wise(*[table.column(n) for n in names], separator)
