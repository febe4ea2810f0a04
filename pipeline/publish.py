"""Stage 6: publish the validated tables, all at once.

Everything is written into a staging folder next to output/ (same filesystem): Parquet, CSV,
SQLite, datapackage.json, croissant.json, DATA_DICTIONARY.md and SHA256SUMS. Only when every file
is written is output/ replaced, by two renames; frozen releases in output/releases/ are carried over
untouched. A build that fails or is interrupted before the swap leaves output/ exactly as it was;
one interrupted between the two renames is repaired by the next run from `.output-previous`.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from .arrow import to_arrow
from .assemble import Assembled
from .croissant import croissant
from .describe import data_dictionary, datapackage, dataset_meta
from .paths import OUTPUT, ROOT
from .sqlite_ddl import ddl, ordered

# Not covered by SHA256SUMS: frozen releases carry their own, and the Data Docs HTML embeds
# run times that cannot be made byte-stable.
UNSUMMED = ("releases/", "validation/", ".build-inputs")
COPIED = ("CITATION.cff", "LICENSE.md")


def native_rows(df: pd.DataFrame) -> list[tuple]:
    """Rows as Python values (None for missing), which sqlite3 and csv take as they are."""
    return [tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
            for row in df.itertuples(index=False)]


def _csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(df.columns)
    for row in native_rows(df):
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8")


def _write_sqlite(path: Path, assembled: Assembled) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript("PRAGMA page_size = 4096; PRAGMA foreign_keys = ON;")
        con.executescript(ddl(assembled.registry))
        for table in ordered(assembled.registry):
            df = assembled.frames[table.name]
            marks = ", ".join("?" for _ in table.columns)
            con.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', native_rows(df))
        con.commit()
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"SQLite foreign key check failed: {problems[:5]}")
        con.execute("VACUUM")
    finally:
        con.close()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_release(folder: Path, assembled: Assembled) -> None:
    """Every published file of the release, into `folder`."""
    meta = dataset_meta()
    reg, frames = assembled.registry, assembled.frames
    (folder / "parquet").mkdir(parents=True)
    (folder / "csv").mkdir()
    files = {}
    for name, table in reg.tables.items():
        pq.write_table(to_arrow(table, frames[name], meta["version"]), folder / "parquet" / f"{name}.parquet",
                       compression="zstd", use_dictionary=False, write_statistics=True)
        data = _csv_bytes(frames[name])
        (folder / "csv" / f"{name}.csv").write_bytes(data)
        files[name] = (hashlib.sha256(data).hexdigest(), len(data))
    _write_sqlite(folder / f"{meta['name']}.sqlite", assembled)
    package = datapackage(reg, files, frames["sources"].to_dict("records"))
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "croissant.json").write_text(json.dumps(croissant(reg, folder, meta), indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    for name in COPIED:  # citation and licence travel with the data
        shutil.copy2(ROOT / name, folder / name)
    counts = {n: len(df) for n, df in frames.items()}
    (folder / "DATA_DICTIONARY.md").write_text(data_dictionary(reg, counts), encoding="utf-8")
    write_sums(folder)


def write_sums(folder: Path) -> None:
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"
                   and not p.relative_to(folder).as_posix().startswith(UNSUMMED))
    lines = [f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}" for p in paths]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def recover(target: Path) -> None:
    """Finish a swap that was interrupted between its two renames."""
    previous = target.with_name(".output-previous")
    if previous.exists() and not target.exists():
        previous.rename(target)
    elif previous.exists():
        shutil.rmtree(previous)


def publish(assembled: Assembled, out: str | None = None, extra=None) -> Path:
    """Write the release to a staging folder, then swap it in for `out` (default output/).

    `extra(folder)` may add files (the Data Docs) before the swap."""
    target = Path(out) if out else OUTPUT
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    staging = Path(tempfile.mkdtemp(prefix=".build-tmp-", dir=target.parent))
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a release is for everyone to read
    try:
        write_release(staging, assembled)
        if extra:
            extra(staging)
        if (target / "releases").exists():
            shutil.copytree(target / "releases", staging / "releases")
        previous = target.with_name(".output-previous")
        if target.exists():
            os.rename(target, previous)
        os.rename(staging, target)
        if previous.exists():
            shutil.rmtree(previous)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target
