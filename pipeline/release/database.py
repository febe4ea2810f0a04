"""The release as one SQLite database, for sqlite3 and Datasette: every table with its constraints
and indexes, a view per table with the English label beside each reference, and FTS5 search
indexes (datasette.py).

The database is loaded into a working copy, then written into the release by `VACUUM INTO`, which
writes a fresh file from the logical content alone: the same rows give the same bytes, however the
working copy came to hold them. That is what lets a build redo only what changed. The working copy
is kept in the cache with the digest of each table it holds (the sha256 of the table's staged
Parquet file, which is a function of its rows) and its own sha256: the next build empties and loads
again only the tables whose digest changed, rebuilds only their search indexes, and writes the
release from it. A working copy that does not match its record (damaged, or interrupted while it
was being changed) is not trusted: the database is loaded whole, as a forced build does.

The record holds the copy's stat stamp (device, inode, size, modification and change times to the
nanosecond), not a sha256 of its bytes: only this module writes the copy, under a lock, and any
other write to it (a damaged byte, a truncation, a copy put in its place) changes its change time,
which no program can set back. Hashing its 600 MB twice in every build cost more than a second.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from ..common.cache import Cache
from ..common.digests import stat_stamp
from ..common.faults import MachineFault, machine_fault
from ..registry.model import Registry, Table
from ..registry.sql_schema import create_indexes, create_table, ordered
from .datasette import fts_name, quoted, searched_tables, sqlite_extras

BATCH_ROWS = 20_000  # rows handed to SQLite at once, as Python values: bounded, like the workbook's
WORKING = "working.sqlite"
RECORD = "working.json"  # what the working copy holds: written after it was changed, removed before
LOCK = "working.lock"  # held by the build using the working copy


def write_sqlite(path: Path, reg: Registry, tables, digests: dict[str, str], keep: Path | None) -> None:
    """The database at `path`, from `tables` (whose digests are `digests`); the working copy is kept
    in the folder `keep` for the next build, or, when None, made beside `path` and removed. The kept
    copy is the one file of the cache that a build changes in place, so a build holds it alone: one
    that finds it held by another (two builds sharing a cache, publishing to different places)
    loads its own copy whole, beside `path`. A cache too full (or otherwise unable) to hold the copy
    only makes the next build slower, as anywhere in the cache: the copy is loaded beside `path`."""
    with _alone(keep) as keep:
        try:
            _write(path, reg, tables, digests, keep)
        except MachineFault as fault:
            if keep is None or fault.path is None or not Path(fault.path).is_relative_to(keep):
                raise
            (keep / WORKING).unlink(missing_ok=True)  # and give back the space it took
            _write(path, reg, tables, digests, None)


@contextmanager
def _alone(keep: Path | None) -> Iterator[Path | None]:
    """`keep`, locked for this build (released when it ends, or when its process dies); None when
    there is none, or another build holds it, or the lock cannot be made."""
    if keep is None:
        yield None
        return
    try:
        keep.mkdir(parents=True, exist_ok=True)
        fd = os.open(keep / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        yield None
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield None
            return
        yield keep
    finally:
        os.close(fd)


def _write(path: Path, reg: Registry, tables, digests: dict[str, str], keep: Path | None) -> None:
    folder = keep if keep is not None else path.parent
    working = folder / (WORKING if keep is not None else path.name + ".working")
    record = folder / RECORD
    held, changed = None, set(reg.tables)
    if keep is not None:
        held = _held(working, record, reg)
        record.unlink(missing_ok=True)  # from here until it is written again, the copy is not trusted
    try:
        with _at(working):
            if held is None:
                folder.mkdir(parents=True, exist_ok=True)
                working.unlink(missing_ok=True)
                _load_whole(working, reg, tables)
            else:
                changed = {n for n in reg.tables if n not in digests or held.get(n) != digests[n]}
                _load_changed(working, reg, tables, changed)
        con = sqlite3.connect(working)
        try:
            con.execute("PRAGMA foreign_keys = ON")
            dangling = [row for table in _may_dangle(reg, changed)
                        for row in con.execute(f"PRAGMA foreign_key_check({quoted(table)})").fetchall()]
            if dangling:
                raise RuntimeError(f"SQLite foreign key check failed: {dangling[:5]}")
            path.unlink(missing_ok=True)
            with _at(path):
                con.execute("VACUUM INTO ?", (str(path),))
        finally:
            con.close()
        if keep is not None:
            Cache.write_bytes(record, json.dumps({"registry": reg.digest, "stamp": _stamp(working),
                                                  "tables": {n: digests[n] for n in reg.tables if n in digests}},
                                                 sort_keys=True).encode("utf-8"))
    finally:
        if keep is None:
            working.unlink(missing_ok=True)


def _may_dangle(reg: Registry, changed: set[str]) -> list[str]:
    """The tables whose references a change of `changed` could break: those tables themselves, and
    every table that refers to one of them (the rest were checked when they last changed)."""
    return [name for name, table in reg.tables.items()
            if name in changed or any(fk.table in changed for fk in table.foreign_keys)]


@contextmanager
def _at(path: Path) -> Iterator[None]:
    """SQLite names a full disk or a read-only file in words and without a path: said here as the
    machine fault it is, at the file being written."""
    try:
        yield
    except sqlite3.OperationalError as err:
        fault = machine_fault(err)
        if fault is None:
            raise
        raise MachineFault(fault.cause, str(path), fault.advice) from err


def _held(working: Path, record: Path, reg: Registry) -> dict[str, str] | None:
    """The digests of the tables the kept working copy holds, or None when it cannot be trusted."""
    try:
        kept = json.loads(record.read_bytes())
        if kept.get("registry") != reg.digest or kept.get("stamp") != _stamp(working):
            return None
        return dict(kept["tables"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _stamp(path: Path) -> list[int]:
    return list(stat_stamp(os.stat(path)))  # as a JSON list, to compare with the record's


def _connect(working: Path, kept: bool = False) -> sqlite3.Connection:
    # The rows were validated by pandera and the release gate before they reach here, so they are
    # loaded without re-evaluating each CHECK row by row (which costs more than everything else put
    # together at scale); the constraints stay in the schema and guard every later write. Foreign
    # keys are checked once, for the whole database, after the load.
    if kept:  # the kept copy, never an empty database made in its place if it was deleted meanwhile
        try:
            con = sqlite3.connect(f"{working.resolve().as_uri()}?mode=rw", uri=True)
        except sqlite3.OperationalError as err:
            raise FileNotFoundError(errno.ENOENT, "the kept SQLite working copy is gone", str(working)) from err
    else:
        con = sqlite3.connect(working)
    con.executescript("PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                      "PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON;")
    return con


def _load_whole(working: Path, reg: Registry, tables) -> None:
    con = _connect(working)
    try:
        for table in ordered(reg):
            con.execute(create_table(table))
        for table in ordered(reg):
            _insert(con, table, tables[table.name])
        for table in ordered(reg):
            for statement in create_indexes(table):
                con.execute(statement)
        # Views with English labels and full-text search indexes (datasette.py), built from the
        # loaded rows; VACUUM INTO keeps the rowids the search indexes point at.
        for statement in sqlite_extras(reg):
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def _load_changed(working: Path, reg: Registry, tables, changed: set[str]) -> None:
    """Each changed table emptied and loaded again, in place (its schema row, and so its place in
    the file VACUUM INTO writes, unchanged), and the search index over it rebuilt from it."""
    con = _connect(working, kept=True)
    try:
        for table in ordered(reg):
            if table.name in changed:
                con.execute(f"DELETE FROM {quoted(table.name)}")
                _insert(con, table, tables[table.name])
        for table in searched_tables(reg):
            if table.name in changed:
                fts = quoted(fts_name(table))
                con.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        con.commit()
    finally:
        con.close()


def _insert(con: sqlite3.Connection, table: Table, data: pa.Table) -> None:
    marks = ", ".join("?" for _ in table.columns)
    insert = f'INSERT INTO {quoted(table.name)} VALUES ({marks})'
    for batch in data.to_batches(max_chunksize=BATCH_ROWS):
        columns = [(batch.column(i).cast(pa.string()) if pa.types.is_date(batch.column(i).type)
                    else batch.column(i)).to_pylist() for i in range(batch.num_columns)]
        con.executemany(insert, zip(*columns))

