"""One mapping's rows as one Arrow file: the form a fact keeps from its mapping to the release.

A mapping's verified facts become Arrow once, in the worker that verified them, with the types the
registry gives each field (frames.rows_to_arrow). They are kept in the cache as one uncompressed
Arrow IPC file per mapping: a record batch of one row, whose column for each table is the list of
that table's rows (a list of structs). A build maps these files (no copy, no unpickling, no
second verification); pandera, the assembly of the final tables in DuckDB and the source
explorer's pages all read them.

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


def to_bytes(reg: Registry, mappings: list[tuple[Rows, Lines]]) -> list[bytes]:
    """The Arrow file of each mapping. The rows of all of them become Arrow together, a table at a
    time (converting a few rows at a time would cost more than the conversion), and each file
    takes its slice."""
    names = sorted({name for tables, _ in mappings for name in tables})
    stacked: dict[str, tuple[pa.StructArray, list[tuple[int, int]]]] = {}
    for name in names:
        rows: list[tuple] = []
        lines: list[int] = []
        bounds = []
        for tables, numbers in mappings:
            start = len(rows)
            rows.extend(tables.get(name, ()))
            lines.extend(numbers.get(name, ()))
            bounds.append((start, len(rows)))
        data = rows_to_arrow(reg.tables[name], rows)
        data = data.append_column(pa.field(LINE, pa.int32(), nullable=False), pa.array(lines, pa.int32()))
        structs = pa.StructArray.from_arrays([c.combine_chunks() for c in data.columns], fields=list(data.schema))
        stacked[name] = (structs, bounds)
    out = []
    for k, (tables, _) in enumerate(mappings):
        columns, fields = [], []
        for name in sorted(tables):
            structs, bounds = stacked[name]
            start, end = bounds[k]
            columns.append(pa.ListArray.from_arrays(pa.array([0, end - start], pa.int32()), structs.slice(start, end - start)))
            fields.append(pa.field(name, columns[-1].type))
        batch = pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, batch.schema) as writer:
            writer.write_batch(batch)
        out.append(sink.getvalue().to_pybytes())
    return out


def read(path: Path) -> dict[str, pa.StructArray]:
    """Every table of one mapping's file, as an array of row structs (its buffers mapped from the
    file, `_line` included); `as_table` makes a table of one or many. Raises OSError or pyarrow's
    ArrowInvalid for a file that is missing or damaged."""
    batch = pa.ipc.open_file(pa.memory_map(str(path))).get_batch(0)
    return {name: column.flatten() for name, column in zip(batch.schema.names, batch.columns)}


def as_table(rows: pa.StructArray | list[pa.StructArray]) -> pa.Table:
    """One table of the rows of one mapping, or of many (their arrays become chunks: no copy)."""
    return pa.Table.from_struct_array(pa.chunked_array(rows if isinstance(rows, list) else [rows]))


def without_line(data: pa.Table) -> pa.Table:
    return data.drop_columns([LINE]) if LINE in data.column_names else data
