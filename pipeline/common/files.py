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
import shutil
import stat
from functools import lru_cache
from pathlib import Path

from .digests import stat_stamp
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


def _outside(path: str, boundary: Path) -> bool:
    """Whether `path`, followed through any symlink on its way, ends outside `boundary`. A plain file
    in a folder that is itself inside is inside: only symlinks need resolving (thousands of inputs)."""
    real_boundary = _real(str(boundary))
    if os.path.islink(path):
        target = os.path.realpath(path)
    else:
        head, tail = os.path.split(os.path.abspath(path))
        target = os.path.join(_real(head), tail)
    return target != real_boundary and not target.startswith(real_boundary.rstrip(os.sep) + os.sep)


_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def read_input(path: Path, kind: str, layout: Layout, problems: Problems, *, inside: Path | None = None) -> bytes | None:
    """The bytes of `path`, or None with the reason recorded as a Problem at the file."""
    text = os.fspath(path)
    limit = MAX_BYTES[kind]
    boundary = inside if inside is not None else layout.root
    if _outside(text, boundary):
        if not os.path.lexists(text):
            problems.add(layout.rel(path), 1, f"{kind} not found; create it or fix the path that names it")
            return None
        problems.add(layout.rel(path), 1, f"{kind} resolves to {os.path.realpath(text)}, outside {layout.rel(boundary)}; "
                     "inputs must be regular files inside the repository: copy the file in instead of linking to it")
        return None
    try:
        fd = os.open(text, _OPEN_FLAGS)
    except FileNotFoundError:
        problems.add(layout.rel(path), 1, f"{kind} not found; create it or fix the path that names it")
        return None
    except OSError as err:
        problems.add(layout.rel(path), 1, f"cannot open the {kind}: {os.strerror(err.errno)}; check its permissions")
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            problems.add(layout.rel(path), 1, f"{kind} is {what}; it must be a regular file")
            return None
        if info.st_size > limit:
            problems.add(layout.rel(path), 1, f"{kind} is {info.st_size:,} bytes, more than the {limit:,} a {kind} may "
                         "have; split it or remove what does not belong")
            return None
        data = os.read(fd, info.st_size + 1)
        if len(data) > info.st_size:  # it grew while being read: read on, within the bound
            chunks, total = [data], len(data)
            while total <= limit:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            if total > limit:
                problems.add(layout.rel(path), 1, f"{kind} grew beyond {limit:,} bytes while being read; it must not "
                             "change during a build")
                return None
            data = b"".join(chunks)
        return data
    except OSError as err:
        if err.errno == errno.EISDIR:
            problems.add(layout.rel(path), 1, f"{kind} is a folder; it must be a regular file")
        else:
            problems.add(layout.rel(path), 1, f"cannot read the {kind}: {os.strerror(err.errno)}")
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


def list_inputs(folder: Path, pattern: str, problems: Problems | None = None, layout: Layout | None = None) -> list[Path]:
    """Entries of `folder` whose names match `pattern` (fnmatch), sorted by name; none for a missing
    folder. A name that is not UTF-8 (a file copied from a system with another encoding) cannot be
    an id or a path in the release: it is reported to `problems`, with its bytes, and left out."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError:
        return []
    good = []
    for name in names:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            if problems is not None:
                shown = os.fsencode(name).decode("utf-8", "backslashreplace")
                where = layout.rel(folder) if layout else str(folder)
                problems.add(f"{where}/{shown}", 1, f"the file name is not UTF-8 (its bytes: {os.fsencode(name)!r}); "
                             "rename it with UTF-8 characters (ids and paths of the release are UTF-8)")
            continue
        good.append(name)
    return [folder / name for name in fnmatch.filter(good, pattern)]


def read_inputs(paths: list[Path], kind: str, layout: Layout, problems: Problems, *,
                inside: Path | None = None) -> list[tuple[Path, bytes | None, bytes]]:
    """(path, bytes or None, sha256 of the bytes) of many inputs, in the order given. Two threads
    each take half: reading and hashing release the interpreter lock, so they overlap."""
    def part(chunk: list[Path]) -> tuple[list, Problems]:
        found, out = Problems(), []
        for path in chunk:
            data = read_input(path, kind, layout, found, inside=inside)
            out.append((path, data, hashlib.sha256(data).digest() if data is not None else b""))
        return out, found

    if len(paths) < 256:
        chunks = [part(paths)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        half = len(paths) // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            chunks = list(pool.map(part, [paths[:half], paths[half:]]))
    out = []
    for results, found in chunks:
        problems.extend(found)
        out.extend(results)
    return out


def survey(paths: list[Path], kind: str, layout: Layout, problems: Problems, known, *,
           inside: Path | None = None) -> list[tuple[Path, bytes | None]]:
    """(path, sha256 of its bytes, or None when refused) of many inputs, without reading the files
    whose content was hashed before and has not changed since.

    As git's index does, a file whose device, inode, size, modification and change times are those
    recorded when its content was last hashed is not read again: any write to a file sets its change
    time to the present, which no tool can set back. Every other check of an input (inside the
    repository, a regular file, within its size bound) is made on every run. `known` maps a path to
    (its stat key, its digest) and is updated.
    """
    boundary = inside if inside is not None else layout.root
    out, unread = [], []
    for path in paths:
        text = os.fspath(path)
        try:
            info = os.stat(text)
        except OSError:
            info = None
        if info is None or _outside(text, boundary) or not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES[kind]:
            data = read_input(path, kind, layout, problems, inside=inside)  # says why, at the file
            out.append((path, None if data is None else hashlib.sha256(data).digest()))
            continue
        stamp = stat_stamp(info)
        seen = known.get(text)
        if seen is not None and seen[0] == stamp:
            out.append((path, seen[1]))
        else:
            out.append((path, None))
            unread.append((len(out) - 1, path, stamp))
    for (index, path, stamp), (_, data, digest) in zip(unread, read_inputs([p for _, p, _ in unread], kind, layout,
                                                                             problems, inside=inside)):
        if data is not None:
            known[os.fspath(path)] = (stamp, digest)
            known.changed = True
            out[index] = (path, digest)
    return out


def link_or_copy(src: Path, dest: Path) -> None:
    """Give `dest` the bytes of `src`, a file that is never changed in place (a frozen release, a
    kept file of the cache): a hard link shares them at no cost; where one cannot be made (another
    file system, one without links, too many links) they are copied."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)
