"""Results of inputs that have not changed, kept in `.cache/` (git-ignored, safe to delete).

An entry is found by a key that hashes the content of everything its result depends on, together
with the pipeline's own code, the lock file and the Python version (`salt`): change any of them
and the key changes, so a stale entry can never be found, let alone used. Entries are written
under a temporary name and renamed into place, so a killed build leaves no half-written entry; one
that cannot be read for any reason is treated as missing and computed again.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path

from .digests import tree_digest
from .paths import Layout

_INDEX_NAME = re.compile(r"[0-9a-f]{64}")
_VERSION_NAME = re.compile(r"[0-9a-f]{16}")
VERSIONED = ("rows", "parts")  # folders of files made by one code version (`Cache._versioned`)


@cache
def salt(root: Path) -> str:
    """A digest of what every cached result also depends on: the code, the locked libraries."""
    return tree_digest(root, ("pipeline",), ("requirements.lock",), suffix=".py")


def key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


class Verified(bytes):
    """Bytes read back from the cache, with the sha256 they were checked against: the release
    records it without hashing them a second time (release/write.py)."""

    def __new__(cls, data, sha256: str):
        made = super().__new__(cls, data)
        made.sha256 = sha256
        return made

    def __reduce__(self):
        return Verified, (bytes(self), self.sha256)


def read_checked(path: Path) -> Verified | None:
    """The bytes kept at `path` by `keep_checked`, or None when missing, unreadable or damaged (their
    sha256, kept in front of them, no longer matches)."""
    try:
        kept = path.read_bytes()
    except OSError:
        return None
    data = memoryview(kept)[32:]
    digest = hashlib.sha256(data)
    return Verified(data, digest.hexdigest()) if digest.digest() == kept[:32] else None


def keep_checked(path: Path, data: bytes) -> None:
    """Keep `data` at `path` with its sha256 in front, for `read_checked`; a cache that cannot be
    written is passed by (it only makes the next build slower)."""
    try:
        Cache.write_bytes(path, hashlib.sha256(data).digest(), data)
    except OSError:
        pass


class FileDigests(dict):
    """Path -> (stat key, sha256 of the content); `changed` once an entry was added this run."""
    changed = False


class Cache:
    """Entries under .cache/<kind>/, except the small entries a check reads for every input (one
    per source, one per mapping): those live together in one index file per code version, so a
    check of thousands of inputs reads and writes one file instead of thousands. The index holds
    content-keyed entries like the files, so it can be no staler than they are; it is written at
    the end of a check, and an entry lost with a killed run is only computed again."""

    INDEXED = ("sources", "partitions")

    def __init__(self, layout: Layout, enabled: bool = True):
        self.folder = layout.cache
        self.salt = salt(layout.root)
        self.enabled = enabled
        self._index: dict | None = None
        self._used: dict[tuple[str, str], object] = {}
        self._changed = False
        self._rows: Path | None = None
        self._scratch: Path | None = None

    def _path(self, kind: str, entry: str) -> Path:
        return self.folder / kind / entry[:2] / entry

    def _index_path(self) -> Path:
        return self.folder / "index" / self.salt

    def _load_index(self) -> dict:
        if self._index is None:
            self._index = {}
            try:
                with open(self._index_path(), "rb") as fh:
                    loaded = pickle.load(fh)
                if isinstance(loaded, dict):
                    self._index = loaded
            except Exception:
                pass
        return self._index

    def get(self, kind: str, entry: str, expect: type | tuple[type, ...] = object):
        """The entry, or None when it is missing, unreadable or not an `expect` (a damaged file
        that happens to unpickle is as good as missing)."""
        if not self.enabled:
            return None
        if kind in self.INDEXED:
            value = self._load_index().get((kind, entry))
            if not isinstance(value, expect):
                return None
            self._used[(kind, entry)] = value
            return value
        try:
            with open(self._path(kind, entry), "rb") as fh:
                value = pickle.load(fh)
        except Exception:  # missing, truncated or unreadable: computed again
            return None
        return value if isinstance(value, expect) else None

    @property
    def files(self) -> dict:
        """Path -> (stat key, sha256) of the inputs hashed before (common/files.survey)."""
        if not self.enabled:
            return FileDigests()
        index = self._load_index()
        table = index.get(("files", ""))
        if not isinstance(table, FileDigests):
            table = index[("files", "")] = FileDigests()
        self._used[("files", "")] = table
        return table

    def remember(self, kind: str, entry: str, value) -> None:
        """Put an entry a worker process computed (its copy of the index is lost) into this one."""
        if self.enabled and kind in self.INDEXED:
            self._used[(kind, entry)] = value
            self._changed = True

    def save_index(self) -> None:
        """Keep the index of the entries this run used, if any of them was not in it."""
        files = self._used.get(("files", ""))
        if not self.enabled or not (self._changed or (files is not None and files.changed)):
            return
        if files is not None:
            files.changed = False
        path = self._index_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.iterdir():  # indexes of older code versions are never read again
                if old.name != path.name and _INDEX_NAME.fullmatch(old.name) and old.is_file():
                    old.unlink(missing_ok=True)  # only our own index files, wherever PIPELINE_CACHE points
            for kind in VERSIONED:  # nor are the rows and parts they made
                for old in (self.folder / kind).iterdir() if (self.folder / kind).is_dir() else ():
                    if old.name != self.salt[:16] and _VERSION_NAME.fullmatch(old.name) and old.is_dir():
                        shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
        self._write(path, self._used)

    def rows_folder(self) -> Path:
        """Where the partitions' Arrow files live: the cache's `rows/`, or, when the cache cannot be
        written (a read-only checkout, a disabled cache), a folder of this run's own, removed by
        `close` (the rows are needed until the release is written, never after)."""
        if self._rows is None:
            folder = self._versioned("rows")
            try:
                if not self.enabled:
                    raise PermissionError
                folder.mkdir(parents=True, exist_ok=True)
                fd, probe = tempfile.mkstemp(dir=folder, prefix=".tmp-")
                os.close(fd)
                os.unlink(probe)
                self._rows = folder
            except OSError:
                self._rows = self._scratch = Path(tempfile.mkdtemp(prefix="cs-roles-rows-"))
        return self._rows

    def folder_for(self, kind: str) -> Path | None:
        """The cache's folder for files of `kind`, or None when the cache cannot be written."""
        self.rows_folder()
        return None if self._scratch is not None else self._versioned(kind)

    def _versioned(self, kind: str) -> Path:
        """Files of `kind` made by this code version live in a folder of its own: the next version
        never reads them, and removes them (save_index)."""
        return self.folder / kind / self.salt[:16]

    def close(self) -> None:
        """Remove this run's own rows folder, if it needed one."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = self._rows = None

    @staticmethod
    def write_bytes(path: Path, *parts: bytes) -> None:
        """Write a file of the cache (the parts one after the other, never joined in memory) whole
        or not at all (a temporary name renamed into place); a fault of the machine is raised,
        since the caller needs the file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                for data in parts:
                    fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def put(self, kind: str, entry: str, value) -> bool:
        """Keep `value`; False when it could not be kept (a cache that cannot be written only
        makes the next run slower)."""
        if not self.enabled:
            return False
        if kind in self.INDEXED:  # kept by save_index (a worker's entry travels back to remember)
            self._used[(kind, entry)] = value
            self._changed = True
            return True
        return self._write(self._path(kind, entry), value)

    def _write(self, path: Path, value) -> bool:
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            return True
        except OSError:
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            return False
