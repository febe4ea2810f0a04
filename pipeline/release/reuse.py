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
build has just written.

A part that is a whole file of the release (a page, a CSV file, the taxonomy) is kept with its
sha256 recorded beside it. When the release this build replaces holds that file at the same place
with the same sha256, the new release takes it as a hard link, not a copy: nothing is written, and
removing the previous release frees nothing but names. The kept file itself is never linked into a
release (a cache file damaged in place would damage the release with it); it is read, checked and
written when the previous release does not have the file, and made again when it is damaged.

Whether the previous release's file has that sha256 is known without reading it when the file is
still as the build that published it left it: each build records, once its release is in place,
every file's stat stamp (device, inode, size, modification and change times) beside the sha256 it
verified (`record_published`). A file whose stamp is still the recorded one has not been written
since (any write sets its change time, which no program can set back); any other is hashed through
the new link. At 2,000 sources that spares reading 800 MB in a build after one edit.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

from ..common.cache import Cache, Verified, keep_checked, key, read_checked
from ..common.digests import arrow_digest, file_digest, stat_stamp
from ..registry.model import Registry


@dataclass(frozen=True)
class Reuse:
    folder: Path | None                 # the cache's folder for these parts; None: make everything
    entries: dict[str, str] = field(default_factory=dict)  # source_id -> the key of its partition
    shared: str = ""                    # digest of what every part shares
    tables: dict[str, str] = field(default_factory=dict)  # table -> sha256 of its staged Parquet file
    previous: Path | None = None        # the release this build replaces: its unchanged files are linked
    published: dict = field(default_factory=dict)  # its files as recorded when it was published (record_published)

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

    def of_source(self, source_id: str, detail: str) -> tuple[str | None, str]:
        """(the inputs, the folder) of a part made from one source's own inputs and `detail` (its
        sidecar row, the table of a chunk): kept with the source's other parts, under the key of its
        partition; None when the source has no partition."""
        entry = self.entries.get(source_id)
        return (None, "") if entry is None else (key(entry, source_id, detail), entry[:2])

    def bytes(self, kind: str, source_id: str, detail: str, make: Callable[[], bytes]) -> bytes:
        """The part `kind` of a source (and `detail`): read back when made before from the same
        inputs, else made now and kept."""
        inputs, group = self.of_source(source_id, detail)
        return self.keyed(kind, inputs, make, group)

    def placed(self, kind: str, inputs: str | None, make: Callable[[], bytes], group: str = "") -> bytes | Kept:
        """A whole file of the release of `kind` whose inputs are all in `inputs`: a `Kept` (Written
        puts it in place) when made before from the same inputs, else the bytes made now, kept."""
        if self.folder is None or inputs is None:
            return make()
        path = self._path(kind, inputs, group)
        return Kept(self, path, make) if _recorded(path) is not None else self._made(path, make)

    def _made(self, path: Path, make: Callable[[], bytes]) -> Verified:
        data = make()
        digest = hashlib.sha256(data).hexdigest()
        try:
            Cache.write_bytes(path, data)
            _record(path, digest)
        except OSError:  # a cache that cannot be written only makes the next build slower
            pass
        return Verified(data, digest)

    def linked(self, rel: str, dest: Path, recorded: tuple[str, int | None] | None) -> bool:
        """Whether `dest` was made a link to the file `rel` of the previous release, which it is
        when that file has the sha256 and size `recorded` (a size of None: any size): known from its
        stat stamp when it is the one recorded when that release was published, else hashed
        through the new link, so that the bytes checked are the bytes published."""
        if self.previous is None or recorded is None:
            return False
        try:
            before = os.lstat(self.previous / rel)
            if not stat.S_ISREG(before.st_mode) or recorded[1] not in (None, before.st_size):
                return False
            os.link(self.previous / rel, dest)
            if self.published.get(rel) == (*stat_stamp(before), recorded[0]):
                now = os.stat(dest)  # the same file, unwritten between the look and the link
                if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == stat_stamp(before)[:4]:
                    return True
        except OSError:  # none there, another file system, no links: the file is copied or made
            return False
        digest, size = file_digest(dest)
        if digest == recorded[0] and recorded[1] in (None, size):
            return True
        dest.unlink()
        return False

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

    def file(self, kind: str, inputs: str | None, dest: Path, rel: str, make: Callable[[Path], None]) -> tuple[str, int]:
        """The file `dest` (`rel` in the release), of `kind`, whose inputs (besides what every part
        shares) are all in `inputs` (None: unknown, so made): when made before from the same inputs,
        linked from the previous release or copied back from the cache, else made by `make(dest)`
        and kept. Returns its sha256 and size, of the bytes at `dest`."""
        if self.folder is None or inputs is None:
            make(dest)
            return file_digest(dest)
        path = self._path(kind, inputs, "")
        recorded = _recorded(path)
        if self.linked(rel, dest, recorded):
            return recorded
        try:
            if recorded is not None and _copied(path, dest) == recorded:
                return recorded
        except OSError:
            pass
        dest.unlink(missing_ok=True)
        make(dest)
        keeping = _Keeping(path)
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
            _record(self.path, self.hash.hexdigest())
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
    """Append the kept file to `out` and to `whole`, if its bytes are those whose sha256 is recorded
    beside it; False, with nothing written, if not. A file still as it was when kept (its stat stamp
    the one recorded) is copied as it is read, hashed once, for the release; any other is read once
    to check it, then copied by the kernel."""
    try:
        recorded = _sidecar(kept).read_bytes().split(b" ")  # damaged, it matches no digest
        fh = open(kept, "rb")
    except FileNotFoundError:
        return False
    with fh:
        if _stamp_of(recorded) == stat_stamp(os.fstat(fh.fileno())):
            after, size = whole.hash.copy(), 0
            while chunk := fh.read(1 << 20):
                after.update(chunk)
                out.write(chunk)
                size += len(chunk)
            whole.hash, whole.size = after, whole.size + size
            return True
        own, after = hashlib.sha256(), whole.hash.copy()
        while chunk := fh.read(1 << 20):
            own.update(chunk)
            after.update(chunk)
        if own.hexdigest().encode("ascii") != recorded[0]:
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


class Kept:
    """A whole file of the release made before from the same inputs, put in place by Written: linked
    from the previous release when it holds the same bytes, else copied back from the cache after
    its sha256 was checked, else (damaged) made again and kept."""

    def __init__(self, reuse: Reuse, path: Path, make: Callable[[], bytes]):
        self.reuse, self.path, self.make = reuse, path, make

    def put(self, dest: Path, rel: str) -> tuple[str, int]:
        recorded = _recorded(self.path)
        if self.reuse.linked(rel, dest, recorded):
            return recorded
        data = read_checked_file(self.path, recorded)
        if data is None:
            data = self.reuse._made(self.path, self.make)
        dest.write_bytes(data)
        return data.sha256, len(data)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _recorded(path: Path) -> tuple[str, int] | None:
    """The sha256 and size recorded for the kept file at `path` when it was made, or None."""
    try:
        digest, size = _sidecar(path).read_text("ascii").split(" ")[:2]
        if len(digest) == 64:
            return digest, int(size)
    except (OSError, ValueError):
        pass
    return None


def _record(path: Path, digest: str) -> None:
    """Record the kept file's sha256, size and stat stamp beside it (written last: a file without
    its record is not taken back). Any later write to the file changes its stamp (the change time
    cannot be set back), so while the stamp is the one recorded, the bytes are those hashed."""
    stamp = stat_stamp(path.stat())
    Cache.write_bytes(_sidecar(path), " ".join((digest, str(stamp[2]), *map(str, stamp))).encode("ascii"))


def _stamp_of(recorded: list[bytes]) -> tuple | None:
    """The stat stamp in a kept file's record (split at spaces), or None (a record without one)."""
    try:
        return tuple(int(field) for field in recorded[2:]) or None
    except ValueError:
        return None


def read_checked_file(path: Path, recorded: tuple[str, int] | None) -> Verified | None:
    """The kept file's bytes, if they are those `recorded`; else None."""
    if recorded is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(data).hexdigest()
    return Verified(data, digest) if (digest, len(data)) == recorded else None


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


def _published_path(folder: Path, target: Path) -> Path:
    return folder / "published" / key(os.fspath(Path(target).resolve()))


def published_record(folder: Path | None, target: Path) -> dict:
    """The files of the release at `target` as its build recorded them (rel -> stat stamp and
    sha256), or nothing when not recorded (a build killed before it recorded them, another cache)."""
    if folder is None:
        return {}
    try:
        return {rel: tuple(entry) for rel, entry in json.loads(_published_path(folder, target).read_bytes()).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def record_published(folder: Path | None, target: Path, sums: dict[str, str]) -> None:
    """Record the stat stamp of every file of the release just published at `target` beside the
    sha256 the build verified, for the next build (`Reuse.linked`). Taken after the previous
    release was removed, whose removal changed the change time of the files the two shared. A
    record that cannot be written only makes the next build read those files."""
    if folder is None:
        return
    entries = {}
    for rel, digest in sums.items():
        try:
            entries[rel] = [*stat_stamp(os.lstat(Path(target) / rel)), digest]
        except OSError:
            continue
    try:
        Cache.write_bytes(_published_path(folder, target), json.dumps(entries, sort_keys=True).encode("utf-8"))
    except OSError:
        pass
