"""Every file of the release, rendered in memory from the validated tables.

Nothing here touches the disk: the bytes are handed to publish.py, which writes them only after
the release gate has passed. Parquet, CSV and SQLite hold the same rows in the same order; the
descriptions (datapackage.json, croissant.json, DATA_DICTIONARY.md) are rendered from the same
registry.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import sqlite3

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..registry.arrow_schema import arrow_schema, arrow_type
from ..registry.croissant_schema import croissant
from ..registry.dictionary import data_dictionary
from ..registry.frictionless_schema import datapackage
from ..registry.model import Registry, Table
from ..registry.sql_schema import ddl, ordered

Files = dict[str, bytes]  # release-relative path -> bytes


def native_rows(df: pd.DataFrame) -> list[tuple]:
    """Rows as Python values (None for missing), which sqlite3 and csv take as they are."""
    return [tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
            for row in df.itertuples(index=False)]


def to_arrow(table: Table, df: pd.DataFrame, version: str) -> pa.Table:
    arrays = []
    for f in table.fields:
        values = [None if pd.isna(v) else v for v in df[f.name].tolist()]
        if f.type.name == "date":
            values = [None if v is None else dt.date.fromisoformat(v) for v in values]
        arrays.append(pa.array(values, type=arrow_type(f)))
    return pa.Table.from_arrays(arrays, schema=arrow_schema(table, version))


def parquet_bytes(arrow: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(arrow, sink, compression="zstd", use_dictionary=False, write_statistics=True)
    return sink.getvalue()


def csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(df.columns)
    for row in native_rows(df):
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8")


def sqlite_bytes(reg: Registry, frames: dict[str, pd.DataFrame]) -> bytes:
    con = sqlite3.connect(":memory:")
    try:
        con.executescript("PRAGMA page_size = 4096; PRAGMA foreign_keys = ON;")
        con.executescript(ddl(reg))
        for table in ordered(reg):
            marks = ", ".join("?" for _ in table.columns)
            con.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', native_rows(frames[table.name]))
        con.commit()
        dangling = con.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"SQLite foreign key check failed: {dangling[:5]}")
        con.execute("VACUUM")
        return con.serialize()
    finally:
        con.close()


def _json(doc: dict) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render_release(reg: Registry, frames: dict[str, pd.DataFrame], meta: dict, copied: Files) -> Files:
    """Every published file but the validation report and SHA256SUMS."""
    files: Files = {}
    csv_sums = {}
    parquet = {}
    for name, table in reg.tables.items():
        parquet[name] = files[f"parquet/{name}.parquet"] = parquet_bytes(to_arrow(table, frames[name], meta["version"]))
        data = files[f"csv/{name}.csv"] = csv_bytes(frames[name])
        csv_sums[name] = (hashlib.sha256(data).hexdigest(), len(data))
    files[f"{meta['name']}.sqlite"] = sqlite_bytes(reg, frames)
    sources = frames[reg.sidecar_table().name].to_dict("records")
    files["datapackage.json"] = _json(datapackage(reg, meta, csv_sums, sources))
    files["croissant.json"] = _json(croissant(reg, meta, parquet))
    files["DATA_DICTIONARY.md"] = data_dictionary(reg, meta, {n: len(df) for n, df in frames.items()}).encode("utf-8")
    files.update(copied)
    return files


def checksums(files: Files, unsummed: tuple[str, ...] = (".build-inputs",)) -> bytes:
    lines = [f"{hashlib.sha256(data).hexdigest()}  {path}" for path, data in sorted(files.items())
             if path != "SHA256SUMS" and not path.startswith(unsummed)]
    return ("\n".join(lines) + "\n").encode("utf-8")
