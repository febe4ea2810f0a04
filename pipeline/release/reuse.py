"""What a build takes back from the last one: the parts of the release made from one source alone,
and the files made from tables whose rows did not change.

A source's page in the explorer and its chunks of annotations.jsonld depend on its own rows, its
text and sidecar, and on what every page shares (the registry, the taxonomies, the concepts that
have pages, the release's name and version, the code). Their bytes are kept in the cache under a key
of exactly those: the key of the source's partition (which already hashes the mapping, the text,
its language, the registry and the code, partitions.py), the source's sidecar row, and a digest of
what is shared. After one mapping is edited, only its source's page and chunks are made again; the
rest is read back, and the release is the bytes a forced build writes (tests/test_cache.py compares
them). A cache that cannot be written only makes the next build slower.

A file made from whole tables alone (a table's CSV file, a sheet of the workbook, the taxonomy) is
kept under the digest of those tables' rows: the sha256 of their staged Parquet files, which the
build has just written. It is copied back and its sha256 checked on the way: a damaged copy is made
again.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

from ..common.cache import Cache, keep_checked, key, read_checked
from ..common.digests import arrow_digest, file_digest
from ..registry.model import Registry


@dataclass(frozen=True)
class Reuse:
    folder: Path | None                 # the cache's folder for these parts; None: make everything
    entries: dict[str, str] = field(default_factory=dict)  # source_id -> the key of its partition
    shared: str = ""                    # digest of what every part shares
    tables: dict[str, str] = field(default_factory=dict)  # table -> sha256 of its staged Parquet file

    def kept(self, kind: str) -> Path | None:
        """The cache's folder for a whole file of `kind` kept from one build to the next (the SQLite
        working copy), or None when there is no cache to keep it in."""
        return None if self.folder is None else self.folder / kind

    def of_tables(self, *names: str) -> str | None:
        """The digest of the rows of these tables (their Parquet files' sha256), or None when one of
        them is not known: a part made from these tables alone is read back under it."""
        if any(name not in self.tables for name in names):
            return None
        return key(*(f"{name}={self.tables[name]}" for name in names))

    def of_columns(self, tables, wanted: dict[str, tuple[str, ...] | None]) -> str:
        """The digest of exactly these columns of these tables (None: the whole table, by its
        Parquet file's digest when known): the columns as Arrow IPC bytes, hashed. Another layout
        of the same rows may give other bytes, which only makes the part again."""
        parts = []
        for name, columns in sorted(wanted.items()):
            whole = self.tables.get(name) if columns is None else None
            if whole is not None:
                parts.append(f"{name}={whole}")
                continue
            data = tables[name] if columns is None else tables[name].select(list(columns))
            parts.append(f"{name}:{','.join(data.column_names)}={arrow_digest(data)}")
        return key(*parts)

    def sharing(self, *parts: str) -> Reuse:
        """The same, with more that every part depends on."""
        return replace(self, shared=key(self.shared, *parts))

    def bytes(self, kind: str, source_id: str, detail: str, make: Callable[[], bytes]) -> bytes:
        """The part `kind` of a source (and `detail`, e.g. its sidecar row or the table of a chunk):
        read back when made before from the same inputs, else made now and kept."""
        entry = self.entries.get(source_id)
        if entry is None:
            return make()
        return self.keyed(kind, key(entry, source_id, detail), make, entry[:2])

    def keyed(self, kind: str, inputs: str | None, make: Callable[[], bytes], group: str = "") -> bytes:
        """A part of `kind` whose inputs, besides what every part shares, are all in `inputs`; kept
        in the folder `group` (a source's parts together, under its partition's key)."""
        kept = self.read_back(kind, inputs, group)
        if kept is not None:
            return kept
        data = make()
        self.keep(kind, inputs, data, group)
        return data

    def read_back(self, kind: str, inputs: str | None, group: str = "") -> bytes | None:
        """The bytes kept for a part of `kind` made from `inputs`, or None (never kept, or damaged)."""
        if self.folder is None or inputs is None:
            return None
        return read_checked(self._path(kind, inputs, group))

    def keep(self, kind: str, inputs: str | None, data: bytes, group: str = "") -> None:
        """Keep the bytes of a part for the next build; a cache that cannot be written is passed by."""
        if self.folder is not None and inputs is not None:
            keep_checked(self._path(kind, inputs, group), data)

    def _path(self, kind: str, inputs: str, group: str) -> Path:
        name = key(self.shared, kind, inputs)
        return self.folder / kind / (group or name[:2]) / name

    def file(self, kind: str, inputs: str | None, dest: Path, make: Callable[[Path], None]) -> tuple[str, int]:
        """The file `dest`, of `kind`, whose inputs (besides what every part shares) are all in
        `inputs` (None: unknown, so made): copied back when made before from the same inputs, else
        made by `make(dest)` and kept. Returns its sha256 and size, of the bytes at `dest`."""
        if self.folder is None or inputs is None:
            make(dest)
            return file_digest(dest)
        kept = self._path(kind, inputs, "")
        name = kept.name
        try:
            recorded = kept.with_name(name + ".sha256").read_bytes()  # damaged, it matches no digest
            digest, size = _copied(kept, dest)
            if digest.encode("ascii") == recorded:
                return digest, size
        except OSError:
            pass
        dest.unlink(missing_ok=True)
        make(dest)
        keeping = _Keeping(kept)
        try:
            with open(dest, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    keeping.write(chunk)
            keeping.done()
        finally:
            keeping.drop()
        return keeping.hash.hexdigest(), keeping.size

    def stream(self, kind: str, inputs: str | None, out: BinaryIO, whole: Hashing,
               make: Callable[[], Iterable[bytes]]) -> None:
        """A run of bytes of `kind` appended to `out` (and to `whole`, the hash of all `out` holds):
        copied back, after its sha256 was checked, when made before from the same `inputs`; else
        the pieces `make()` gives, written as they come and kept. For parts too large to hold in
        memory at once (a table's annotations)."""
        kept = self._path(kind, inputs, "") if self.folder is not None and inputs is not None else None
        if kept is not None and _verified_into(kept, out, whole):
            return
        keeping = _Keeping(kept) if kept is not None else None
        try:
            for piece in make():
                out.write(piece)
                whole.update(piece)
                if keeping is not None:
                    keeping.write(piece)
            if keeping is not None:
                keeping.done()
        finally:
            if keeping is not None:
                keeping.drop()


class Hashing:
    """The sha256 and size of all the bytes written to a file so far."""

    def __init__(self):
        self.hash, self.size = hashlib.sha256(), 0

    def update(self, data: bytes) -> None:
        self.hash.update(data)
        self.size += len(data)


class _Keeping(Hashing):
    """A file of the cache being written beside the release, hashed as it goes: renamed into place
    with its sha256 when whole; a cache that cannot be written is given up on (the hash goes on),
    never an error of the build."""

    def __init__(self, path: Path):
        super().__init__()
        self.path, self.fh, self.tmp = path, None, None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            self.fh = os.fdopen(fd, "wb")
        except OSError:
            self.drop()

    def write(self, piece: bytes) -> None:
        self.update(piece)
        if self.fh is None:
            return
        try:
            self.fh.write(piece)
        except OSError:
            self.drop()

    def done(self) -> None:
        if self.fh is None:
            return
        try:
            self.fh.close()
            self.fh = None
            os.replace(self.tmp, self.path)
            self.tmp = None
            Cache.write_bytes(self.path.with_name(self.path.name + ".sha256"), self.hash.hexdigest().encode("ascii"))
        except OSError:
            self.drop()

    def drop(self) -> None:
        if self.fh is not None:
            with contextlib.suppress(OSError):
                self.fh.close()
            self.fh = None
        if self.tmp is not None:
            Path(self.tmp).unlink(missing_ok=True)
            self.tmp = None


def _verified_into(kept: Path, out: BinaryIO, whole: Hashing) -> bool:
    """Append the kept file to `out` and to `whole`, if its sha256 is the one recorded beside it
    (read once to check it, then copied by the kernel); False, with nothing written, if not."""
    try:
        recorded = kept.with_name(kept.name + ".sha256").read_bytes()  # damaged, it matches no digest
        fh = open(kept, "rb")
    except FileNotFoundError:
        return False
    with fh:
        own, after = hashlib.sha256(), whole.hash.copy()
        while chunk := fh.read(1 << 20):
            own.update(chunk)
            after.update(chunk)
        if own.hexdigest().encode("ascii") != recorded:
            return False
        out.flush()
        size, sent = fh.tell(), 0
        while sent < size:
            done = os.sendfile(out.fileno(), fh.fileno(), sent, size - sent)
            if done == 0:
                raise OSError(errno.EIO, "a file of the cache ended while it was copied", str(kept))
            sent += done
        out.seek(0, os.SEEK_END)  # the kernel moved the file's offset; the buffered writer learns it here
    whole.hash, whole.size = after, whole.size + size
    return True


def _copied(src: Path, dest: Path) -> tuple[str, int]:
    """The sha256 and size of `src`, read once, and its bytes written to `dest` on the way."""
    digest, size = hashlib.sha256(), 0
    with open(src, "rb") as fh, open(dest, "wb") as out:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def shared_digest(reg: Registry, tables: dict[str, pa.Table], meta: dict) -> str:
    """What every page and chunk depends on besides its source: the registry, the release's name,
    title and version, every taxonomy (labels, definitions, links) and which concepts have evidence."""
    parts = [reg.digest, repr((meta.get("name"), meta.get("title"), meta.get("version"))),
             repr(sorted((meta.get("licenses") or [{}])[0].items()))]
    for table in reg.taxonomy_tables():
        parts.append(table.name + repr(tables[table.name].to_pylist()))
    for table in reg.derived_tables():
        if table.primary_key == ("concept_type", "concept_id"):
            parts.append(repr(tables[table.name].select(["concept_type", "concept_id"]).to_pylist()))
    return key(*parts)
