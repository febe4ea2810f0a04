"""Stage 6: publish the release with no window in which output/ is incomplete.

The release's files are written into a staging folder beside output/ (same filesystem), frozen
releases are carried over as hard links (they never change), and the staging folder is swapped
with output/ in one atomic step: Linux renameat2(RENAME_EXCHANGE) exchanges the two names, so at
every instant output/ is either the complete previous release or the complete new one. The old
release, now under the staging name, is then deleted.

A build killed at any moment leaves at most a `.build-tmp-*` folder (a half-written staging
folder, or the previous release after the swap); every command of the pipeline removes such
leftovers when it starts, under a lock, so concurrent builds never collide.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import platform
import shutil
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from ..common.files import link_or_copy
from ..common.paths import Layout

STAGING_PREFIX = ".build-tmp-"
LOCK_NAME = ".build.lock"
LEGACY_PREVIOUS = ".output-previous"  # what the two-rename fallback leaves while it swaps
RENAME_EXCHANGE = 2
AT_FDCWD = -100
_SYSCALL_RENAMEAT2 = {"x86_64": 316, "aarch64": 276}


def target_problem(layout: Layout, target: Path) -> str | None:
    """Why `target` cannot receive a release, or None. A build replaces its target whole, so the
    target must be a folder of its own: never the repository or a folder holding it, never one of
    its input or code folders, never a frozen release, never an existing file or a folder that is
    not a release (a typo in --out must not delete someone's files)."""
    root, output, resolved = layout.root.resolve(), layout.output, target.resolve()
    if resolved == root or root.is_relative_to(resolved):
        return "is the repository or a folder that holds it; publish into a folder of its own, e.g. /tmp/release"
    inside = layout.written_inside(target)
    if inside is not None:
        return (f"is inside {inside.name}/, which the pipeline never writes; publish into output/ (the default) "
                "or a folder of its own, e.g. /tmp/release")
    if resolved.is_relative_to(output.resolve() / "releases") or (resolved.parent.name == "releases"
                                                                    and (resolved / "DIFF.md").is_file()):
        return "is a frozen release, which is never rewritten; publish into a folder of its own"
    if resolved == output.resolve():
        return None
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            return "exists and is not a folder; give the path of a new folder, e.g. /tmp/release"
        if any(target.iterdir()) and not (target / "SHA256SUMS").is_file():
            return ("is a folder that holds files but no release (no SHA256SUMS); a build replaces its target "
                    "whole, so give a new or empty folder, or remove this one first")
    return None


def _renameat2(a: Path, b: Path) -> bool:
    """Atomically exchange two paths. False where the kernel or filesystem cannot."""
    libc = ctypes.CDLL(None, use_errno=True)
    args = (AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    fn = getattr(libc, "renameat2", None)
    if fn is not None:
        fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
        result = fn(*args)
    elif platform.machine() in _SYSCALL_RENAMEAT2:
        result = libc.syscall(_SYSCALL_RENAMEAT2[platform.machine()], ctypes.c_int(AT_FDCWD), ctypes.c_char_p(args[1]),
                              ctypes.c_int(AT_FDCWD), ctypes.c_char_p(args[3]), ctypes.c_uint(RENAME_EXCHANGE))
    else:
        return False
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))  # the folder the reader named (a mount point refuses with EBUSY)


@contextmanager
def locked(parent: Path, wait: bool = True):
    """Hold the build lock of `parent`; yields False instead when `wait` is off and it is taken."""
    parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(parent / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def clean_leftovers(target: Path) -> list[str]:
    """Remove what killed builds left beside `target`; call it holding the lock. Returns what went."""
    parent, removed = target.parent, []
    previous = parent / LEGACY_PREVIOUS
    if previous.is_dir() and not target.exists():
        previous.rename(target)  # a two-rename swap was killed between its renames: restore the old release
        removed.append(f"restored {target.name}/ from {LEGACY_PREVIOUS}")
    for leftover in sorted(parent.glob(STAGING_PREFIX + "*")) + [previous]:
        if leftover.is_dir() and not leftover.is_symlink():
            kept = remove_tree(leftover)
            removed.append(leftover.name if kept is None else f"not {leftover.name}: {kept}")
    releases = target / "releases"
    if releases.is_dir():
        for partial in releases.glob(".*.tmp"):
            kept = remove_tree(partial)
            removed.append(f"releases/{partial.name}" if kept is None else f"not releases/{partial.name}: {kept}")
    return removed


def remove_tree(path: Path) -> str | None:
    """Remove a folder the pipeline made, even where a read-only folder inside it stands in the way
    (it was ours: make it writable and go on); None when it is gone, else why it is still there."""
    def writable_and_again(function, name, _):
        try:
            os.chmod(os.path.dirname(name) or ".", 0o755)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, 0o755)
            function(name)
        except OSError:
            pass
    try:
        shutil.rmtree(path, onerror=writable_and_again)
    except OSError as err:
        return f"{err.strerror or err}; remove it by hand (rm -rf {path})"
    if path.exists() or path.is_symlink():
        return f"it could not be removed (a read-only folder or file system?); remove it by hand (rm -rf {path})"
    return None


def _link_tree(src: Path, dest: Path) -> None:
    """Frozen releases are immutable: share their bytes instead of copying them."""
    shutil.copytree(src, dest, copy_function=link_or_copy)


def swap_in(staging: Path, target: Path) -> None:
    """Make `staging` the new `target` in one step; the old target ends up at `staging`."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _renameat2(staging, target):
        return
    # No RENAME_EXCHANGE here: two renames, with LEGACY_PREVIOUS left for clean_leftovers to
    # restore should the build die between them.
    previous = target.parent / LEGACY_PREVIOUS
    os.rename(target, previous)
    os.rename(staging, target)
    os.rename(previous, staging)


@contextmanager
def publishing(target: Path):
    """A staging folder for the new release; on leaving without an error it is swapped in for
    `target`, keeping the frozen releases, and the old release is removed. On any error (or a
    kill) `target` is exactly as it was. A `target` that is a symlink (output/ on another disk)
    stays one: the release is published into the folder it points to. A `target` that is a mount
    point cannot be swapped (the kernel refuses to rename it): that is said as the machine's fault
    it is, before anything is written."""
    target = Path(target)
    if target.is_symlink():
        target = target.resolve()
    if os.path.ismount(target):  # said before anything is written (a bind mount within one file system
        # is not seen here, and is said when the swap is refused)
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(target))
    with locked(target.parent):
        clean_leftovers(target)
        staging = target.parent / f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            yield staging
            if (target / "releases").is_dir():
                _link_tree(target / "releases", staging / "releases")
            os.chmod(staging, 0o755)
            swap_in(staging, target)
        finally:
            kept = remove_tree(staging)  # the old release, or a staging folder that failed
            if kept is not None:
                print(f"the previous release is left at {staging}: {kept}", file=sys.stderr)


def publish(files: dict[str, bytes], target: Path) -> Path:
    """Publish a release given as its files' bytes (small releases, and tests)."""
    with publishing(target) as staging:
        for rel, data in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return Path(target)
