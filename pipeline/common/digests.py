"""One way to hash the files a result depends on: the build stamp (release/fingerprint.py) and the
verification cache (common/cache.py) both ask "did any of these files change?"."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

CACHE_FOLDER = "__pycache__"  # Python's compiled files, never an input


def tree_digest(root: Path, folders: tuple[str, ...], files: tuple[str, ...], suffix: str = "",
                python: tuple = sys.version_info[:3], known: dict | None = None) -> str:
    """SHA-256 over the Python version and, in path order, the path and content of every file in
    `folders` (ending in `suffix`, caches left out) and of each of `files` that exists. `known`
    (path -> (stat stamp, sha256), the cache's, as files.survey keeps it) spares reading a file
    whose stamp is the one recorded, and learns the others. The folders are walked as strings, not
    Path objects: at thousands of inputs, making, comparing and relating Paths cost more than the
    rest of a stamp taken by stat stamps."""
    digest = hashlib.sha256(f"python {python}\n".encode())
    top = os.fspath(root)
    rels = [name for name in files if os.path.isfile(os.path.join(top, name))]
    for folder in folders:
        for here, subfolders, names in os.walk(os.path.join(top, folder)):  # symlinked folders not followed, as rglob
            subfolders[:] = [name for name in subfolders if name != CACHE_FOLDER]
            inside = os.path.relpath(here, top).replace(os.sep, "/")
            rels += [f"{inside}/{name}" for name in names
                     if name.endswith(suffix) and name != CACHE_FOLDER and os.path.isfile(os.path.join(here, name))]
    for rel in sorted(rels, key=lambda rel: rel.split("/")):  # the order of the paths' parts, as Path sorts
        # The name's bytes as on disk: a name that is not UTF-8 is an input problem check reports, not a crash here.
        digest.update(os.fsencode(rel) + b"\0" + _content_digest(os.path.join(top, rel), known))
    return digest.hexdigest()


def ends_a_part(source_id: str, average: int = 64) -> bool:
    """Whether a run of sources (in id order) ends after this one: where its id hashes to a multiple
    of `average`. The parts this cuts a table into are fixed by the sources themselves, so an edited,
    added or removed source changes its own part only, and a part made before is found again."""
    return int.from_bytes(hashlib.sha256(source_id.encode("utf-8")).digest()[:4], "big") % average == 0


def stat_stamp(info: os.stat_result) -> tuple:
    """What changes whenever a file's content does (its change time is set by the kernel on every
    write and cannot be set back)."""
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _content_digest(path: str, known: dict | None) -> bytes:
    if known is None:
        return hashlib.sha256(_read(path)).digest()
    stamp = stat_stamp(os.stat(path))
    seen = known.get(path)
    if seen is not None and seen[0] == stamp:
        return seen[1]
    value = hashlib.sha256(_read(path)).digest()
    known[path] = (stamp, value)
    known.changed = True
    return value


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def arrow_digest(table) -> str:
    """SHA-256 of a pyarrow Table's rows as Arrow IPC bytes: the same rows in the same layout give
    the same digest (another chunking of them may not, which only makes a kept part again). The
    stream is hashed as it is written, never held: collecting it in a growing buffer first took ten
    times longer than hashing it (0.7 s for the columns the taxonomy reads at 2,000 sources)."""
    import pyarrow as pa

    hashing = _HashingSink()
    with pa.ipc.new_stream(pa.PythonFile(hashing, mode="w"), table.schema) as stream:
        stream.write_table(table)
    return hashing.hash.hexdigest()


class _HashingSink:
    """A write-only file that keeps nothing but the sha256 of what is written to it."""

    def __init__(self):
        self.hash, self.closed = hashlib.sha256(), False

    def write(self, data) -> int:
        self.hash.update(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def file_digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size of a file, read a MiB at a time."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
