"""A checksum of everything a build reads (raw/, schemas/, the pipeline's code, the lock file,
the citation and licence, and the Python version), so `make build` with nothing changed returns
at once, as OWID's etl does. It is computed before pandas or Great Expectations are imported: a
no-op build costs a hash of a few hundred kilobytes."""
from __future__ import annotations

import sys
from pathlib import Path

from ..common.digests import tree_digest
from ..common.paths import Layout

INPUTS = ("raw", "schemas", "pipeline")
FILES = ("requirements.lock", "CITATION.cff", "LICENSE.md")
STAMP = ".build-inputs"


def compute(layout: Layout, known: dict | None = None) -> str:
    """The stamp; `known` is the cache's record of the inputs' digests by stat stamp (a build has
    it at hand; a no-op check reads a few hundred kilobytes anyway)."""
    return tree_digest(layout.root, INPUTS, FILES, python=sys.version_info[:2], known=known)


def is_current(layout: Layout, out: Path, stamp: str | None = None) -> bool:
    """True when `out` was built from exactly these inputs (whose stamp is `stamp`, computed here when
    not given) and is complete."""
    recorded = out / STAMP
    complete = (out / "SHA256SUMS").is_file() and (out / "validation" / "index.html").is_file()
    try:
        return complete and recorded.read_text().strip() == (stamp or compute(layout))
    except (OSError, UnicodeDecodeError):
        return False
