"""Reading an input file the way a hostile or careless curator cannot abuse.

Every input the pipeline reads goes through `read_input`: it must be a regular file (not a folder,
a FIFO that would block forever, or a device), it must resolve to a place inside the repository
(a symlink pointing out of it is refused), and it is read with a size bound, so a multi-gigabyte
file is refused instead of exhausting memory. Every refusal is a Problem at the file, never an
exception.
"""
from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import stat
from functools import lru_cache
from pathlib import Path

from .paths import Layout
from .problems import Problems

KiB, MiB = 1024, 1024 * 1024

# The largest file of each kind the pipeline reads. Generous for what people write by hand, small
# enough that no input can exhaust memory.
MAX_BYTES = {
    "source text": 8 * MiB,
    "sidecar": 256 * KiB,
    "mapping": 16 * MiB,
    "taxonomy": 8 * MiB,
    "reference list": 64 * MiB,
    "registry": 4 * MiB,
    "row counts": 16 * MiB,
    "release file": 64 * MiB,
}


@lru_cache(maxsize=1024)
def _real(folder: str) -> str:
    return os.path.realpath(folder)


def _outside(path: Path, boundary: Path) -> bool:
    """Whether `path`, followed through any symlink on its way, ends outside `boundary`. A plain file
    in a folder that is itself inside is inside: only symlinks need resolving (thousands of inputs)."""
    real_boundary = _real(str(boundary))
    parent = _real(os.path.dirname(os.path.abspath(path)))
    if not os.path.islink(path):
        target = os.path.join(parent, os.path.basename(path))
    else:
        target = os.path.realpath(path)
    return os.path.commonpath([target, real_boundary]) != real_boundary


def read_input(path: Path, kind: str, layout: Layout, problems: Problems, *, inside: Path | None = None) -> bytes | None:
    """The bytes of `path`, or None with the reason recorded as a Problem at the file."""
    where = layout.rel(path)
    limit = MAX_BYTES[kind]
    if not os.path.lexists(path):
        problems.add(where, 1, f"{kind} not found; create it or fix the path that names it")
        return None
    boundary = inside if inside is not None else layout.root
    if _outside(path, boundary):
        target = os.path.realpath(path)
        problems.add(where, 1, f"{kind} resolves to {target}, outside {layout.rel(boundary) or '.'}; inputs must be "
                     "regular files inside the repository: copy the file in instead of linking to it")
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        problems.add(where, 1, f"cannot open the {kind}: {os.strerror(err.errno)}; check its permissions")
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            problems.add(where, 1, f"{kind} is {what}; it must be a regular file")
            return None
        if info.st_size > limit:
            problems.add(where, 1, f"{kind} is {info.st_size:,} bytes, more than the {limit:,} a {kind} may have; "
                         "split it or remove what does not belong")
            return None
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                problems.add(where, 1, f"{kind} grew beyond {limit:,} bytes while being read; it must not change during a build")
                return None
        return b"".join(chunks)
    except OSError as err:
        if err.errno == errno.EISDIR:
            problems.add(where, 1, f"{kind} is a folder; it must be a regular file")
        else:
            problems.add(where, 1, f"cannot read the {kind}: {os.strerror(err.errno)}")
        return None
    finally:
        os.close(fd)


def decode_utf8(data: bytes, where: str, kind: str, problems: Problems) -> str | None:
    """Strict UTF-8, with the line of the first bad byte, so an editor's mistake is found at once."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        problems.add(where, line, f"the {kind} is not valid UTF-8 ({err.reason} at byte {err.start}); save it as UTF-8")
        return None


def list_inputs(folder: Path, pattern: str) -> list[Path]:
    """Entries of `folder` whose names match `pattern` (fnmatch), sorted by name; none for a missing folder."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError:
        return []
    return [folder / name for name in fnmatch.filter(names, pattern)]


def read_inputs(paths: list[Path], kind: str, layout: Layout, problems: Problems, *,
                inside: Path | None = None) -> list[tuple[Path, bytes | None, bytes]]:
    """(path, bytes or None, sha256 of the bytes) of many inputs, read and hashed on a few threads
    (both release the interpreter lock), in the order given; refusals go to `problems` in that order."""
    from concurrent.futures import ThreadPoolExecutor

    def one(path: Path):
        found = Problems()
        data = read_input(path, kind, layout, found, inside=inside)
        return path, data, (hashlib.sha256(data).digest() if data is not None else b""), found

    if len(paths) < 64:
        results = [one(p) for p in paths]
    else:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(one, paths))
    out = []
    for path, data, digest, found in results:
        problems.extend(found)
        out.append((path, data, digest))
    return out
