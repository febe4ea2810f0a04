"""Faults of the machine, said as such: a full disk, a read-only folder, too many open files, too
little memory, a folder deleted while the build ran. None of them is a problem of an input or a bug
of the pipeline, and each is told in one line that names the path, the cause and what to do.

The operating system says what went wrong in an error number; this module turns the ones a build
can meet into that line. An error it does not know stays what it was (the command line calls it a
defect of the pipeline), so a real bug is never disguised as a machine fault.
"""
from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

# errno -> (what happened, what to do)
CAUSES = {
    errno.ENOSPC: ("the disk is full", "free space on that disk (or publish elsewhere with --out), then run the command again"),
    errno.EDQUOT: ("the disk quota is exhausted", "free space within your quota, then run the command again"),
    errno.EROFS: ("the file system is read-only", "publish to a writable folder with --out, or point PIPELINE_CACHE at one"),
    errno.EACCES: ("permission denied", "make the folder writable for this user, or use --out / PIPELINE_CACHE to write elsewhere"),
    errno.EPERM: ("the operation is not permitted", "make the folder writable for this user, or use --out / PIPELINE_CACHE to write elsewhere"),
    errno.EMFILE: ("too many files are open in this process",
                   "raise the limit (ulimit -n 4096) and run the command again"),
    errno.ENFILE: ("the system has too many files open", "close other programs or raise the system's limit, then run again"),
    errno.ENOMEM: ("the machine ran out of memory", "free memory or build on a machine with more, then run again"),
    errno.EIO: ("the disk reported an input/output error", "check the disk (dmesg) before running again"),
    errno.EBUSY: ("the folder is busy or a mount point, which cannot be replaced by renaming it",
                  "mount the folder above it instead, or make output/ a symlink to the mounted folder, or publish "
                  "with --out into a new folder inside it; then run the command again"),
}
# SQLite reports these faults in words, not error numbers.
SQLITE_CAUSES = (("database or disk is full", errno.ENOSPC), ("readonly database", errno.EROFS),
                 ("disk I/O error", errno.EIO), ("unable to open database file", errno.EACCES))


class MachineFault(Exception):
    """A fault of the machine, with the path it struck, the cause and what to do."""

    def __init__(self, cause: str, path: str | None, advice: str):
        super().__init__(cause)
        self.cause, self.path, self.advice = cause, path, advice

    def __reduce__(self):  # sent whole from a worker process to the build
        return MachineFault, (self.cause, self.path, self.advice)

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"a fault of the machine, not of your input: {self.cause}{where}; {self.advice}"


def _path(err: OSError) -> str | None:
    return os.fsdecode(err.filename) if err.filename is not None else None


def machine_fault(err: BaseException, cache: Path | None = None) -> MachineFault | None:
    """The machine fault `err` is, or None when it is not one (a defect, an input problem)."""
    if isinstance(err, MachineFault):
        return err
    if isinstance(err, MemoryError):
        cause, advice = CAUSES[errno.ENOMEM]
        return MachineFault(cause, None, advice)
    if isinstance(err, sqlite3.OperationalError):
        text = str(err).lower()
        for words, number in SQLITE_CAUSES:
            if words in text:
                cause, advice = CAUSES[number]
                return MachineFault(cause, None, advice)
        return None
    if isinstance(err, FileNotFoundError) and cache is not None and err.filename is not None:
        path = Path(os.fsdecode(err.filename))
        if path == cache or cache in path.parents:
            return MachineFault("a file of the verification cache disappeared while the command ran (was the cache "
                                "deleted by another process?)", str(path), "run the command again; the cache is rebuilt")
    if isinstance(err, OSError) and err.errno in CAUSES:
        cause, advice = CAUSES[err.errno]
        return MachineFault(cause, _path(err), advice)
    cause = err.__cause__ or err.__context__
    return machine_fault(cause, cache) if isinstance(cause, BaseException) and cause is not err else None


def killed(exitcode: int | None, who: str) -> MachineFault | None:
    """A worker that ended by SIGKILL without saying why was, on a build machine, almost always
    stopped by the kernel for lack of memory (the out-of-memory killer)."""
    if exitcode is not None and exitcode == -9:
        return MachineFault(f"{who} was killed (signal 9), most likely by the kernel for lack of memory", None,
                            "free memory or build on a machine with more, then run the command again")
    return None
