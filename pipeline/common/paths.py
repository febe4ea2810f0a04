"""Where things live in a checkout, so every stage agrees on one layout.

A `Layout` is rooted at a repository folder rather than fixed at import time: the command line
uses the checkout the package sits in, and tests and benchmarks point it at a copy.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def default(cls) -> Layout:
        return cls(PACKAGE_ROOT)

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def sources(self) -> Path:
        return self.raw / "sources"

    @property
    def mappings(self) -> Path:
        return self.raw / "mappings"

    @property
    def taxonomy(self) -> Path:
        return self.raw / "taxonomy"

    @property
    def reference(self) -> Path:
        return self.raw / "reference"

    @property
    def schemas(self) -> Path:
        return self.root / "schemas"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def cache(self) -> Path:
        """Verified results of unchanged inputs (git-ignored, safe to delete). PIPELINE_CACHE puts
        it elsewhere, e.g. to share it between checkouts: entries are keyed by content, so that is safe."""
        return Path(os.environ["PIPELINE_CACHE"]) if os.environ.get("PIPELINE_CACHE") else self.root / ".cache"

    def never_written(self) -> list[Path]:
        """Folders the pipeline never writes into: people's inputs, the code and the tools."""
        return [self.root / name for name in ("raw", "schemas", "pipeline", "tests", "benchmarks", "tools", ".git",
                                              ".venv", ".ci")]

    def written_inside(self, path: Path) -> Path | None:
        """The folder of `never_written` that `path` lies in, or None."""
        resolved = path.resolve()
        return next((f for f in self.never_written() if resolved.is_relative_to(f.resolve())), None)

    @property
    def seeds(self) -> Path:
        """Where a sidecar's `seed_file` must point: the shared seeds beside the checkout."""
        return self.root.parent / "shared" / "seeds"

    def rel(self, path: Path) -> str:
        """Repository-relative path with forward slashes: what people see in errors and tables."""
        text = os.path.abspath(path)
        prefix = self._prefix
        if text == prefix[:-1]:
            return "."
        if text.startswith(prefix):
            return text[len(prefix):].replace(os.sep, "/")
        return str(path)

    @property
    def _prefix(self) -> str:
        return os.path.abspath(self.root) + os.sep
