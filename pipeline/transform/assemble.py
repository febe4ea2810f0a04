"""The final tables, assembled in DuckDB from the partitions' Arrow files.

Every mapping's rows are kept as Arrow in the cache, in a file per chunk of mappings verified
together (partition_file.py). A table of the release is
the union of its partitions' rows in primary-key order: DuckDB scans the memory-mapped files as they
are (no copy into Python objects), sorts on every core and out of core when memory is short, and
hands the result back as Arrow with the registry's types. The same SQL would run on a larger
engine when one machine is outgrown.
"""
from __future__ import annotations

import pyarrow as pa

from ..registry.arrow_schema import arrow_schema
from ..registry.model import Registry, Table
from .frames import rows_to_arrow
from .partition_file import as_table


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def assemble(reg: Registry, pieces: dict[str, list[pa.StructArray]], small: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Every table that is not derived: the partitions' rows (per table, arrays of row structs as
    read from the files) and the small tables (sources, taxonomies: given whole), sorted by key."""
    import duckdb

    out = {}
    with duckdb.connect() as con:
        for name, table in reg.tables.items():
            if table.derived:
                continue
            data = small.get(name)
            if data is None:
                data = as_table(pieces.pop(name)) if pieces.get(name) else rows_to_arrow(table, [])
            out[name] = _sorted(con, table, data)
    pa.default_memory_pool().release_unused()  # what DuckDB and the partitions held, back to the system
    return out


def _sorted(con, table: Table, data: pa.Table) -> pa.Table:
    columns = ", ".join(quoted(c) for c in table.columns)  # a partition's `_line` stays behind
    order = ", ".join(quoted(k) for k in table.primary_key)
    con.register("rows", data)
    try:
        result = con.sql(f"SELECT {columns} FROM rows ORDER BY {order}").to_arrow_table()
    finally:
        con.unregister("rows")
    return result.cast(arrow_schema(table, ""))

