"""A checksum of everything a build reads (raw/, schemas/, the pipeline's code, the lock file and
the Python version), so `make build` with nothing changed returns at once, as OWID's etl does.

It is read before pandas or Great Expectations are imported: a no-op build costs a hash of a few
hundred kilobytes."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from .paths import OUTPUT, ROOT

INPUTS = ("raw", "schemas", "pipeline")
STAMP = ".build-inputs"


def compute() -> str:
    digest = hashlib.sha256(f"python {sys.version_info[:2]}\n".encode())
    files = [ROOT / "requirements.lock", ROOT / "CITATION.cff", ROOT / "LICENSE.md"]
    for top in INPUTS:
        files += [p for p in (ROOT / top).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted(files):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def is_current(out: Path = OUTPUT) -> bool:
    """True when output/ was built from exactly these inputs and is complete. The Data Docs are
    not committed (they embed run times), so a fresh clone's first `make build` writes them."""
    stamp = out / STAMP
    complete = (out / "SHA256SUMS").exists() and (out / "validation" / "index.html").exists()
    return complete and stamp.exists() and stamp.read_text().strip() == compute()


def write(folder: Path, value: str) -> None:
    (folder / STAMP).write_text(value + "\n")
