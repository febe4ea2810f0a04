"""The rows of the mappings verified together, as one Arrow file: the form a fact keeps from its
mapping to the release.

A mapping's verified facts become Arrow once, in the worker that verified them, with the types the
registry gives each field (frames.rows_to_arrow). A worker verifies mappings a chunk at a time, and
keeps the rows of the chunk in the cache as one uncompressed Arrow IPC file: a record batch with a
row per mapping, whose column for each table holds that mapping's rows (a list of structs), so the
rows of one table are contiguous across the chunk. A build maps these files (no copy, no
unpickling, no second verification); pandera and the assembly of the final tables in DuckDB read
them, a table of the whole release being a few contiguous arrays, one per file, rather than one
small array per mapping. A mapping verified again later (after an edit) goes into a new file; the
old file's row for it is simply never read again.

Each row carries the line of the mapping record it came from (`_line`), so a row pandera refuses
is reported at its record; the column is dropped when the tables are assembled.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ..registry.model import Registry
from .frames import rows_to_arrow

LINE = "_line"


Rows = dict[str, list[tuple]]   # table name -> the rows of one mapping, as tuples in column order
Lines = dict[str, list[int]]    # table name -> the line of each row's record


def to_bytes(reg: Registry, mappings: list[tuple[Rows, Lines]]) -> bytes:
    """The Arrow file of the mappings, one row each, in the order given."""
    names = sorted({name for tables, _ in mappings for name in tables})
    columns, fields = [], []
    for name in names:
        rows: list[tuple] = []
        lines: list[int] = []
        offsets = [0]
        for tables, numbers in mappings:
            rows.extend(tables.get(name, ()))
            lines.extend(numbers.get(name, ()))
            offsets.append(len(rows))
        data = rows_to_arrow(reg.tables[name], rows)
        data = data.append_column(pa.field(LINE, pa.int32(), nullable=False), pa.array(lines, pa.int32()))
        structs = pa.StructArray.from_arrays([c.combine_chunks() for c in data.columns], fields=list(data.schema))
        columns.append(pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), structs))
        fields.append(pa.field(name, columns[-1].type))
    batch = pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def read(path: Path, rows: list[int] | None = None) -> dict[str, pa.StructArray]:
    """The tables of the mappings at `rows` of a file (all when None), as arrays of row structs
    (`_line` included): mapped from the file, without a copy when every row of the file is asked
    for. Raises OSError or pyarrow's ArrowInvalid for a file that is missing or damaged."""
    batch = pa.ipc.open_file(pa.memory_map(str(path))).get_batch(0)
    every = rows is None or rows == list(range(batch.num_rows))
    out = {}
    for name, column in zip(batch.schema.names, batch.columns):
        out[name] = (column if every else column.take(pa.array(rows, pa.int64()))).flatten()
    return out


def read_each(path: Path, rows: list[int]) -> list[dict[str, pa.StructArray]]:
    """The tables of each mapping at `rows` of a file, one dict per row, each array mapped from the
    file (no copy)."""
    batch = pa.ipc.open_file(pa.memory_map(str(path))).get_batch(0)
    return [{name: column[row].values for name, column in zip(batch.schema.names, batch.columns)} for row in rows]


def as_table(rows: pa.StructArray | list[pa.StructArray]) -> pa.Table:
    """One table of the rows of one mapping, or of many (their arrays become chunks: no copy)."""
    return pa.Table.from_struct_array(pa.chunked_array(rows if isinstance(rows, list) else [rows]))


def without_line(data: pa.Table) -> pa.Table:
    return data.drop_columns([LINE]) if LINE in data.column_names else data
