"""Stage 1: the verbatim source texts and their origin sidecars (raw/sources/).

A raw text is evidence: its bytes must still be the bytes its sidecar recorded. The sha256 is
re-checked on every run, so an accidental edit (an editor stripping a BOM, normalising line ends)
is caught before any offset is computed against the changed text. A sidecar is checked like any
curated record, against the registry's `sources` table, at its own lines.
"""
from __future__ import annotations

import bisect
import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

from ..common import yamlfile
from ..common.cache import Cache, key
from ..common.digests import stat_stamp
from ..common.files import decode_utf8, list_inputs, read_input, survey
from ..common.paths import Layout
from ..common.problems import Problems, StageFailed
from ..registry.model import Registry
from .records import Known, check_record, check_rules

SEEDS_FOLDER = ("shared", "seeds")
# The sidecar line of each key, kept beside its values, so a problem only the whole build can see
# (a translation basis no flagged row supports) is still reported at its line.
LINES = "_lines"


@dataclass(frozen=True)
class Source:
    source_id: str
    raw_path: str       # repository-relative
    sidecar_path: str   # repository-relative
    meta: dict          # the sidecar's values, by column
    sha256: str         # of the raw bytes, checked against the sidecar
    root: Path          # the checkout, to read the text when it is needed
    stamp: tuple | None = None  # the raw file's stat stamp when those bytes were hashed, if known

    def unchanged(self) -> bool:
        """Whether the raw file is still the one whose bytes were checked (its stat stamp the one they
        were hashed under, common/files.survey): a release may then take the text's copy from the
        last release, which it holds to the same sha256, without reading the raw file again. A text
        changed since is read, and reported (`text`)."""
        try:
            return self.stamp is not None and stat_stamp(os.stat(self.root / self.raw_path)) == self.stamp
        except OSError:
            return False

    @cached_property
    def text(self) -> str:
        """The raw text, read when a mapping of it must be verified or the release written; its bytes
        are checked against the sha256 the sidecar records every time they are read, so a text
        changed while a build runs (an editor, a `git switch`) is reported, never published."""
        data = (self.root / self.raw_path).read_bytes()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            problems = Problems()
            problems.add(self.raw_path, 1, "the text changed while the command ran (its bytes no longer match the "
                         "sha256 its sidecar records); nothing was published: run the command again once it is settled")
            raise StageFailed(problems)
        return data.decode("utf-8")

    def __getstate__(self) -> dict:
        """Handed to a worker without its text: the worker reads it again, checking its sha256."""
        return {k: v for k, v in self.__dict__.items() if k not in ("text", "line_starts")}

    @cached_property
    def line_starts(self) -> list[int]:
        starts, at = [0], self.text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = self.text.find("\n", at + 1)
        return starts

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        """1-based line holding code point `offset`."""
        return bisect.bisect_right(self.line_starts, offset)

    def line_text(self, number: int) -> str:
        start = self.line_starts[number - 1]
        end = self.line_starts[number] - 1 if number < len(self.line_starts) else len(self.text)
        return self.text[start:end]

    @property
    def text_path(self) -> str:
        """Where the release carries the text: release readers check quotes without the repository."""
        return f"sources/{self.source_id}.txt"

    @property
    def origin_id(self) -> str:
        """Texts derived from one original are one origin: the original's address where it was
        found, else the address this text was copied from, else the text itself."""
        return self.meta.get("original_url") or self.meta.get("url") or self.source_id

    def line_of_key(self, key: str) -> int:
        """The sidecar line of `key` (1 when the sidecar does not write it)."""
        return self.meta.get(LINES, {}).get(key, 1)

    def row(self, table) -> dict:
        computed = {"raw_path": self.raw_path, "text_path": self.text_path, "char_count": self.meta["char_count"],
                    "line_count": self.meta["line_count"], "origin_id": self.origin_id}
        return {c: computed.get(c, self.meta.get(c)) for c in table.columns}


def _seed_problem(seed_file: str) -> str | None:
    path = PurePosixPath(seed_file)
    if path.is_absolute() or ".." in path.parts or path.parts[:2] != SEEDS_FOLDER or len(path.parts) != 3:
        return (f"seed_file {seed_file!r} must name a file directly in {'/'.join(SEEDS_FOLDER)}/, "
                f"e.g. shared/seeds/000_36f0c5611bdc6da1.txt")
    return None


def check_source(sidecar: Path, data: bytes, raw_bytes: bytes | None, reg: Registry, layout: Layout,
                 problems: Problems, released: str | None = None) -> dict | None:
    """The sidecar's values (with the text's length in code points and lines), or None.
    `released` is the release date (YYYY-MM-DD): no source can be published after it."""
    where = layout.rel(sidecar)
    doc = yamlfile.parse_input(data, where, "sidecar", problems,
                               "the sidecar is empty; write source_id, seed_file, sha256, lang, title, ...")
    if doc is None:
        return None
    if not isinstance(doc, dict):
        problems.add(where, yamlfile.line_of(doc), "a source sidecar must be a mapping of keys "
                     "(source_id, seed_file, sha256, lang, title, ...)")
        return None
    table = reg.sidecar_table()
    found = Problems()
    meta = check_record(doc, table, reg, Known(), where, 1, found, what="a source sidecar")
    if meta is not None:
        check_rules(meta, table, where, 1, found)
    problems.extend(found)
    if meta is None or found:
        return None
    source_id = meta["source_id"]
    if source_id != sidecar.stem:
        problems.add(where, yamlfile.line_of(doc, "source_id"), f"source_id {source_id!r} differs from the file name; "
                     f"name the files {source_id}.txt and {source_id}.yaml")
        return None
    published = meta.get("published")
    if published is not None and released is not None and str(published) > released:
        problems.add(where, yamlfile.line_of(doc, "published"),
                     f"published {published} is after the release date {released} (date_published in "
                     "schemas/dataset.yaml): no source can be published after the release that cites it; "
                     "check the date the text states")
        return None
    seed_problem = _seed_problem(meta["seed_file"])
    if seed_problem:
        problems.add(where, yamlfile.line_of(doc, "seed_file"), seed_problem)
        return None
    raw = sidecar.with_suffix(".txt")
    if raw_bytes is None:
        return None
    actual = hashlib.sha256(raw_bytes).hexdigest()
    if actual != meta["sha256"]:
        problems.add(where, yamlfile.line_of(doc, "sha256"),
                     f"sha256 of {layout.rel(raw)} is {actual}, but the sidecar records {meta['sha256']}: the raw text "
                     f"changed. Raw texts are never edited: restore it from {meta['seed_file']} "
                     f"(cp ../{meta['seed_file']} {layout.rel(raw)}), or add a changed source as a new source")
        return None
    seed = layout.root.parent / meta["seed_file"]
    if seed.is_file():
        seed_bytes = read_input(seed, "source text", layout, Problems(), inside=layout.seeds)
        if seed_bytes is not None and hashlib.sha256(seed_bytes).hexdigest() != actual:
            problems.add(where, yamlfile.line_of(doc, "seed_file"),
                         f"{layout.rel(raw)} is not byte-identical to its seed file {meta['seed_file']}")
    raw_text = decode_utf8(raw_bytes, layout.rel(raw), "source text", problems)
    if raw_text is None:
        return None
    if meta["title_basis"] == "stated" and meta["title"] not in raw_text:
        problems.add(where, yamlfile.line_of(doc, "title"), "title does not occur in the raw text; copy it from the text, "
                     "or, for a text that states no title, write one and say title_basis: given_by_curator")
        return None
    lines = {k: yamlfile.line_of(doc, k) for k in doc if isinstance(k, str)}
    return {**meta, "char_count": len(raw_text), "line_count": raw_text.count("\n") + 1, LINES: lines}


def load_source(sidecar: Path, digest: bytes, raw_digest: bytes, reg: Registry, layout: Layout,
                problems: Problems, cache: Cache, released: str | None = None, stamp: tuple | None = None) -> Source | None:
    """One source, its sidecar checked once per content of sidecar and text (their sha256s given,
    the text's taken under the stat stamp `stamp`) and release date."""
    where = layout.rel(sidecar)
    raw = sidecar.with_suffix(".txt")
    entry = key(cache.salt, reg.digest, where, digest, raw_digest, released or "")
    hit = cache.get("sources", entry, tuple)
    if hit is None:
        data = read_input(sidecar, "sidecar", layout, problems, inside=layout.sources)
        raw_bytes = read_input(raw, "source text", layout, problems, inside=layout.sources)
        if data is None or raw_bytes is None:
            return None
        found = Problems()
        meta = check_source(sidecar, data, raw_bytes, reg, layout, found, released)
        hit = (meta, found.items)
        cache.put("sources", entry, hit)
    meta, items = hit
    problems.items.extend(items)
    if meta is None:
        return None
    return Source(meta["source_id"], layout.rel(raw), where, meta, meta["sha256"], layout.root, stamp)


def load_sources(reg: Registry, layout: Layout, problems: Problems, cache: Cache,
                 released: str | None = None) -> dict[str, Source]:
    """Every source in raw/sources, keyed by source_id, in sorted order; `released` is the
    release date of schemas/dataset.yaml, when it could be read."""
    folder = layout.sources
    names = [p.name for p in list_inputs(folder, "*", problems, layout)]
    present = set(names)
    stems = [n[:-5] for n in names if n.endswith(".yaml")]
    for name in names:
        stem, dot, suffix = name.rpartition(".")
        if suffix == "txt" and dot and f"{stem}.yaml" not in present:
            problems.add(layout.rel(folder / name), 1, f"raw text without an origin sidecar; write raw/sources/{stem}.yaml")
        elif suffix not in ("yaml", "txt") and not name.startswith("."):
            problems.add(layout.rel(folder / name), 1, "raw/sources holds <source_id>.txt and <source_id>.yaml only; "
                         "move this file elsewhere")
    with_text = []
    for stem in stems:
        if f"{stem}.txt" in present:
            with_text.append(stem)
        else:
            problems.add(layout.rel(folder / f"{stem}.yaml"), 1, f"raw text raw/sources/{stem}.txt is missing; copy it "
                         "byte-identical from the seed file its sidecar names")
    known = cache.files
    sidecars = survey([folder / f"{s}.yaml" for s in with_text], "sidecar", layout, problems, known, inside=folder)
    texts = survey([folder / f"{s}.txt" for s in with_text], "source text", layout, problems, known, inside=folder)
    sources = {}
    for (sidecar, digest), (text, text_digest) in zip(sidecars, texts):
        if digest is None or text_digest is None:
            continue
        seen = known.get(os.fspath(text))  # the stamp the text's digest was taken under
        stamp = seen[0] if seen is not None and seen[1] == text_digest else None
        src = load_source(sidecar, digest, text_digest, reg, layout, problems, cache, released, stamp)
        if src:
            sources[src.source_id] = src
    return sources
