"""One way to hash the files a result depends on: the build stamp (release/fingerprint.py) and the
verification cache (common/cache.py) both ask "did any of these files change?"."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


def tree_digest(root: Path, folders: tuple[str, ...], files: tuple[str, ...], suffix: str = "",
                python: tuple = sys.version_info[:3], known: dict | None = None) -> str:
    """SHA-256 over the Python version and, in path order, the path and content of every file in
    `folders` (ending in `suffix`, caches left out) and of each of `files` that exists. `known`
    (path -> (stat stamp, sha256), the cache's, as files.survey keeps it) spares reading a file
    whose stamp is the one recorded, and learns the others."""
    digest = hashlib.sha256(f"python {python}\n".encode())
    paths = [root / name for name in files if (root / name).is_file()]
    for top in folders:
        paths += [p for p in (root / top).rglob(f"*{suffix}") if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted(paths):
        # The name's bytes as on disk: a name that is not UTF-8 is an input problem check reports, not a crash here.
        digest.update(os.fsencode(path.relative_to(root).as_posix()) + b"\0" + _content_digest(path, known))
    return digest.hexdigest()


def stat_stamp(info: os.stat_result) -> tuple:
    """What changes whenever a file's content does (its change time is set by the kernel on every
    write and cannot be set back)."""
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _content_digest(path: Path, known: dict | None) -> bytes:
    if known is None:
        return hashlib.sha256(path.read_bytes()).digest()
    text = os.fspath(path)
    stamp = stat_stamp(os.stat(text))
    seen = known.get(text)
    if seen is not None and seen[0] == stamp:
        return seen[1]
    value = hashlib.sha256(path.read_bytes()).digest()
    known[text] = (stamp, value)
    known.changed = True
    return value


def arrow_digest(table) -> str:
    """SHA-256 of a pyarrow Table's rows as Arrow IPC bytes: the same rows in the same layout give
    the same digest (another chunking of them may not, which only makes a kept part again)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def file_digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size of a file, read a MiB at a time."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
