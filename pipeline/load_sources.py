"""Stage 1: load the verbatim source texts and their origin sidecars.

A raw text is evidence: its bytes must still be the bytes its sidecar recorded. The sha256 is
re-checked on every run, so an accidental edit (an editor stripping a BOM, normalising line ends)
is caught before any offset is computed against the changed text.
"""
from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .paths import ROOT, SOURCES, rel
from .problems import Problems
from . import yamlfile

SIDECAR_KEYS = {"source_id": True, "seed_file": True, "sha256": True, "lang": True, "title": True,
                "title_en": True, "publisher": False, "published": False, "url": False,
                "description_en": True, "licence": True}


@dataclass(frozen=True)
class Source:
    source_id: str
    raw_path: Path
    sidecar_path: Path
    text: str
    meta: dict

    @cached_property
    def line_starts(self) -> list[int]:
        starts = [0]
        for i, ch in enumerate(self.text):
            if ch == "\n":
                starts.append(i + 1)
        return starts

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def line_of(self, offset: int) -> int:
        """1-based line holding code point `offset`."""
        return bisect.bisect_right(self.line_starts, offset)

    def row(self) -> dict:
        m = self.meta
        return {
            "source_id": self.source_id, "raw_path": rel(self.raw_path), "seed_file": m["seed_file"],
            "sha256": m["sha256"], "lang": m["lang"], "title": m["title"], "title_en": m["title_en"],
            "publisher": m.get("publisher"), "published": m.get("published"),
            "url": m.get("url"), "description_en": " ".join(str(m["description_en"]).split()),
            "licence": m["licence"], "char_count": len(self.text), "line_count": len(self.lines),
        }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_one(sidecar: Path, problems: Problems) -> Source | None:
    where = rel(sidecar)
    meta = yamlfile.load(sidecar, problems)
    if meta is None:
        return None
    if not isinstance(meta, dict):
        problems.add(where, 1, "a source sidecar must be a mapping of keys (source_id, sha256, lang, title, ...)")
        return None
    ok = True
    for key, required in SIDECAR_KEYS.items():
        if required and meta.get(key) in (None, ""):
            problems.add(where, yamlfile.line_of(meta), f"missing required key {key!r}")
            ok = False
    for key in meta:
        if key not in SIDECAR_KEYS:
            problems.add(where, yamlfile.line_of(meta, key), f"unknown key {key!r}; allowed: {', '.join(SIDECAR_KEYS)}")
            ok = False
    if not ok:
        return None
    source_id = str(meta["source_id"])
    if source_id != sidecar.stem:
        problems.add(where, yamlfile.line_of(meta, "source_id"),
                     f"source_id {source_id!r} differs from the file name; name the files {source_id}.txt and {source_id}.yaml")
        return None
    raw = sidecar.with_suffix(".txt")
    if not raw.exists():
        problems.add(where, 1, f"raw text {rel(raw)} is missing; copy it byte-identical from {meta['seed_file']}")
        return None
    actual = _sha256(raw)
    if actual != meta["sha256"]:
        problems.add(where, yamlfile.line_of(meta, "sha256"),
                     f"sha256 of {rel(raw)} is {actual}, but the sidecar records {meta['sha256']}: the raw text "
                     f"changed. Raw texts are never edited: restore it from {meta['seed_file']} "
                     f"(cp {meta['seed_file'].replace('shared/', '../shared/')} {rel(raw)}), or add a changed source as a new source")
        return None
    seed = ROOT.parent / meta["seed_file"]
    if seed.exists() and _sha256(seed) != actual:
        problems.add(where, yamlfile.line_of(meta, "seed_file"), f"{rel(raw)} is not byte-identical to its seed file {meta['seed_file']}")
    try:
        text = raw.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        problems.add(rel(raw), 1, f"not valid UTF-8 at byte {err.start}")
        return None
    if str(meta["title"]) not in text:
        problems.add(where, yamlfile.line_of(meta, "title"), "title does not occur in the raw text; copy it from the text")
    published = meta.get("published")
    if published is not None and not isinstance(published, dt.date):
        problems.add(where, yamlfile.line_of(meta, "published"), f"published {published!r} is not a date; write YYYY-MM-DD or null")
    if isinstance(published, dt.date):
        meta["published"] = published.isoformat()
    return Source(source_id, raw, sidecar, text, dict(meta))


def load_sources(problems: Problems, directory: Path = SOURCES) -> dict[str, Source]:
    """Every source in raw/sources, keyed by source_id, in sorted order."""
    sources = {}
    for sidecar in sorted(directory.glob("*.yaml")):
        src = _load_one(sidecar, problems)
        if src:
            sources[src.source_id] = src
    for raw in sorted(directory.glob("*.txt")):
        if not raw.with_suffix(".yaml").exists():
            problems.add(rel(raw), 1, f"raw text without an origin sidecar; write {rel(raw.with_suffix('.yaml'))}")
    return sources
