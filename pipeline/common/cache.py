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
import sys
import tempfile
from functools import cache
from pathlib import Path

from .paths import Layout


@cache
def salt(root: Path) -> str:
    """A digest of what every cached result also depends on: the code, the locked libraries."""
    digest = hashlib.sha256(f"python {sys.version_info[:3]}\n".encode())
    files = sorted((root / "pipeline").rglob("*.py"))
    for path in [*files, root / "requirements.lock"]:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


class Cache:
    def __init__(self, layout: Layout, enabled: bool = True):
        self.folder = layout.cache
        self.salt = salt(layout.root)
        self.enabled = enabled

    def _path(self, kind: str, entry: str) -> Path:
        return self.folder / kind / entry[:2] / entry

    def get(self, kind: str, entry: str):
        if not self.enabled:
            return None
        try:
            with open(self._path(kind, entry), "rb") as fh:
                return pickle.load(fh)
        except Exception:  # missing, truncated or unreadable: computed again
            return None

    def put(self, kind: str, entry: str, value) -> bool:
        """Keep `value`; False when it could not be kept (a cache that cannot be written only
        makes the next run slower)."""
        if not self.enabled:
            return False
        path = self._path(kind, entry)
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
