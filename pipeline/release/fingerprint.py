"""A checksum of everything a build reads (raw/, schemas/, the pipeline's code, the lock file,
the citation and licence, and the Python version), so `make build` with nothing changed returns
at once, as OWID's etl does. It is computed before pandas or Great Expectations are imported: a
no-op build costs a hash of a few hundred kilobytes."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from ..common.paths import Layout

INPUTS = ("raw", "schemas", "pipeline")
FILES = ("requirements.lock", "CITATION.cff", "LICENSE.md")
STAMP = ".build-inputs"


def compute(layout: Layout) -> str:
    digest = hashlib.sha256(f"python {sys.version_info[:2]}\n".encode())
    files = [layout.root / name for name in FILES if (layout.root / name).is_file()]
    for top in INPUTS:
        files += [p for p in (layout.root / top).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted(files):
        digest.update(path.relative_to(layout.root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def is_current(layout: Layout, out: Path) -> bool:
    """True when `out` was built from exactly these inputs and is complete."""
    stamp = out / STAMP
    complete = (out / "SHA256SUMS").is_file() and (out / "validation" / "index.html").is_file()
    try:
        return complete and stamp.read_text().strip() == compute(layout)
    except (OSError, UnicodeDecodeError):
        return False
