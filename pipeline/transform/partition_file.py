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


def to_bytes(reg: Registry, tables: dict[str, list[tuple]], lines: dict[str, list[int]]) -> bytes:
    """The Arrow file of one mapping: `tables` holds each table's rows as tuples in column order."""
    columns, fields = [], []
    for name in sorted(tables):
        data = rows_to_arrow(reg.tables[name], tables[name])
        data = data.append_column(pa.field(LINE, pa.int32(), nullable=False), pa.array(lines[name], pa.int32()))
        rows = pa.StructArray.from_arrays([c.combine_chunks() for c in data.columns], fields=list(data.schema))
        columns.append(pa.ListArray.from_arrays(pa.array([0, len(rows)], pa.int32()), rows))
        fields.append(pa.field(name, columns[-1].type))
    batch = pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def read(path: Path) -> dict[str, pa.Table]:
    """Every table of one mapping's file, its buffers mapped from the file; `_line` included.
    Raises OSError or pyarrow's ArrowInvalid for a file that is missing or damaged."""
    batch = pa.ipc.open_file(pa.memory_map(str(path))).get_batch(0)
    out = {}
    for name, column in zip(batch.schema.names, batch.columns):
        rows = column.flatten()
        out[name] = pa.Table.from_batches([pa.RecordBatch.from_struct_array(rows)])
    return out


def opens(path: Path) -> bool:
    """Whether the file is there and reads as an Arrow file of one batch (its footer is checked, not
    its rows): a file damaged or removed since is computed again rather than trusted."""
    try:
        return pa.ipc.open_file(pa.memory_map(str(path))).num_record_batches == 1
    except (OSError, pa.ArrowException):
        return False


def without_line(data: pa.Table) -> pa.Table:
    return data.drop_columns([LINE]) if LINE in data.column_names else data
