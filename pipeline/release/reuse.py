"""What a build takes back from the last one: the parts of the release made from one source alone.

A source's page in the explorer and its chunks of annotations.jsonld depend on its own rows, its
text and sidecar, and on what every page shares (the registry, the taxonomies, the concepts that
have pages, the release's name and version, the code). Their bytes are kept in the cache under a key
of exactly those: the key of the source's partition (which already hashes the mapping, the text,
its language, the registry and the code, partitions.py), the source's sidecar row, and a digest of
what is shared. After one mapping is edited, only its source's page and chunks are made again; the
rest is read back, and the release is the bytes a forced build writes (tests/test_cache.py compares
them). A cache that cannot be written only makes the next build slower.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa

from ..common.cache import Cache, key
from ..registry.model import Registry


@dataclass(frozen=True)
class Reuse:
    folder: Path | None                 # the cache's folder for these parts; None: make everything
    entries: dict[str, str] = field(default_factory=dict)  # source_id -> the key of its partition
    shared: str = ""                    # digest of what every part shares

    def sharing(self, *parts: str) -> Reuse:
        """The same, with more that every part depends on."""
        return replace(self, shared=key(self.shared, *parts))

    def bytes(self, kind: str, source_id: str, detail: str, make: Callable[[], bytes]) -> bytes:
        """The part `kind` of a source (and `detail`, e.g. its sidecar row or the table of a chunk):
        read back when made before from the same inputs, else made now and kept."""
        entry = self.entries.get(source_id)
        if entry is None:
            return make()
        return self.keyed(kind, key(entry, source_id, detail), make, entry[:2])

    def keyed(self, kind: str, inputs: str, make: Callable[[], bytes], group: str = "") -> bytes:
        """A part of `kind` whose inputs, besides what every part shares, are all in `inputs`; kept
        in the folder `group` (a source's parts together, under its partition's key)."""
        if self.folder is None:
            return make()
        name = key(self.shared, kind, inputs)
        path = self.folder / kind / (group or name[:2]) / name
        try:
            kept = path.read_bytes()
            if hashlib.sha256(kept[32:]).digest() == kept[:32]:  # a damaged file is made again
                return kept[32:]
        except OSError:
            pass
        data = make()
        try:
            Cache.write_bytes(path, hashlib.sha256(data).digest() + data)
        except OSError:
            pass
        return data


def shared_digest(reg: Registry, tables: dict[str, pa.Table], meta: dict) -> str:
    """What every page and chunk depends on besides its source: the registry, the release's name,
    title and version, every taxonomy (labels, definitions, links) and which concepts have evidence."""
    parts = [reg.digest, repr((meta.get("name"), meta.get("title"), meta.get("version"))),
             repr(sorted((meta.get("licenses") or [{}])[0].items()))]
    for table in reg.taxonomy_tables():
        parts.append(table.name + repr(tables[table.name].to_pylist()))
    for table in reg.derived_tables():
        if table.primary_key == ("concept_type", "concept_id"):
            parts.append(repr(tables[table.name].select(["concept_type", "concept_id"]).to_pylist()))
    return key(*parts)
