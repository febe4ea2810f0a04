"""What each mapping contributes to the release, computed once per content and side by side.

A mapping is verified against its source (stage 2) and its facts normalized into rows with their
ids (stage 3) as one unit: a partition of the fact tables. pandera validates a partition's rows
(stage 4) when a build needs them, and that verdict is cached the same way. Its result depends only on the mapping's bytes, its source's text and language, the
registry, the concept ids of the taxonomies and the pipeline's code, so it is cached under a key
of those contents (common/cache.py) and computed again only when one of them changes. A curator
who edits one mapping waits for that mapping.

Two facts keep the cache sound without making every taxonomy edit a full re-check: a partition
without problems stays valid while every concept it uses still exists (adding a concept cannot
break it), and a partition with problems is reused only with exactly the same ids and sources
(its hints name them).

Partitions that must be computed or validated are split into chunks handled by worker processes,
one per core; a chunk is validated by pandera in one pass per table.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import operator
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .common.cache import Cache, key
from .common.files import list_inputs, read_input, survey
from .common.paths import Layout
from .common.problems import Problem, Problems
from .curation.mappings import verify_mapping
from .curation.records import Known
from .curation.sources import Source
from .registry.model import REVIEWS, Registry

CHANGED_DURING_BUILD = ("this mapping changed while the build was running, after it was checked; run the "
                        "build again")


@dataclass
class Partition:
    """The summary of one mapping's result: enough for `make check`, without its rows."""
    file: str
    entry: str
    source_id: str | None = None
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    used: dict[str, list] = field(default_factory=dict)
    fingerprint: str = ""  # of the ids and sources its problems mention, when it has problems
    quotes: dict[str, int] = field(default_factory=dict)  # fact table -> rows whose quote is raw[char_start:char_end]


@dataclass
class PartitionRows:
    """One mapping's rows (tuples in registry column order), and the record each row came from."""
    tables: dict = field(default_factory=dict)   # table name -> list of row tuples
    origins: dict = field(default_factory=dict)  # table name -> {row id: (file, line)}


def _ids_fingerprint(known: Known, sources: dict[str, Source]) -> str:
    parts = [f"{t}:{','.join(sorted(ids))}" for t, ids in sorted(known.ids.items())]
    return hashlib.sha256("\n".join([*parts, ",".join(sorted(sources))]).encode()).hexdigest()


def _valid(part: Partition, known: Known, fingerprint: str) -> bool:
    if part.problems:
        return part.fingerprint == fingerprint
    return all(set(ids) <= known.ids.get(table, set()) for table, ids in part.used.items())


# --- computing partitions (in a worker, or in this process) ----------------------------------------

_CONTEXT: dict = {}


def _compute_one(path: Path, data: bytes, entry: str, ctx: dict) -> tuple[Partition, PartitionRows]:
    from .transform.normalize import normalize_facts

    reg, sources, known, layout = ctx["reg"], ctx["sources"], ctx["known"], ctx["layout"]
    problems = Problems()
    verified = verify_mapping(path, data, reg, sources, known, layout, problems)
    rows, origins = normalize_facts(reg, verified.facts, problems)
    part = Partition(layout.rel(path), entry, verified.source_id)
    out = PartitionRows()
    if verified.source_id in sources:
        source = sources[verified.source_id]
        for name, table_rows in rows.items():
            found = 0
            for row in table_rows:
                if source.text[row["char_start"]:row["char_end"]] == row["quote"]:
                    found += 1
                    continue
                file, line = origins[name][row[reg.tables[name].primary_key[0]]]
                problems.add(file, line, f"{name}: raw[char_start:char_end] != quote")
            part.quotes[name] = found  # shown in the validation report
        reviews = reg.tables[REVIEWS]
        rows[REVIEWS] = [{c: getattr(r, c) for c in reviews.columns} for r in verified.reviews]
        origins[REVIEWS] = {(r.source_id, r.line): (part.file, 1) for r in verified.reviews}
        for name, table_rows in rows.items():
            table = reg.tables[name]
            as_tuple = operator.itemgetter(*table.columns)  # every table has two or more columns
            out.tables[name] = [as_tuple(r) for r in table_rows]
            part.counts[name] = len(table_rows)
            for fk in table.foreign_keys:
                if fk.table in known.ids:
                    part.used.setdefault(fk.table, set()).update(r[fk.field] for r in table_rows if r[fk.field] is not None)
    part.used = {t: sorted(ids) for t, ids in part.used.items()}
    out.origins = origins
    part.problems = problems.items
    return part, out


def _validate_chunk(results: list[tuple[Partition, PartitionRows]], reg: Registry) -> None:
    """pandera on the rows of a chunk of partitions, one pass per table; each failure goes to
    the partition (and the record) it came from, as one of its problems."""
    from .transform.frames import arrow_to_frame, rows_to_arrow
    from .validation.tables import key_of, schema_failures

    clean = [(p, r) for p, r in results if not p.problems and r.tables]
    for name in sorted({n for _, r in clean for n in r.tables}):
        table = reg.tables[name]
        owners = [(p, r) for p, r in clean if name in r.tables]
        frame = arrow_to_frame(rows_to_arrow(table, [row for _, r in owners for row in r.tables[name]]))
        failures = schema_failures(table, frame)
        if not failures:
            continue
        bounds, start = [], 0
        for p, r in owners:
            bounds.append((start, start + len(r.tables[name]), p, r))
            start += len(r.tables[name])
        for index, message in failures:
            owner = next(((p, r) for lo, hi, p, r in bounds if index is not None and lo <= index < hi), None)
            if owner is None:  # a failure of the table as a whole: every partition of the chunk shares it
                for p, _ in owners:
                    p.problems.append(Problem("schemas/tables.yaml", table.line, message))
                continue
            p, r = owner
            row = key_of(table, frame, index)
            file, line = r.origins.get(name, {}).get(row, (p.file, 1))
            p.problems.append(Problem(file, line, f"{message} (row {row})"))


def _compute_chunk(chunk: list[tuple[Path, str]]) -> list[tuple[Partition, PartitionRows | None]]:
    """Compute and cache a chunk of partitions; the rows travel back only when the cache could
    not keep them."""
    ctx = _CONTEXT
    results = []
    for path, entry in chunk:
        found = Problems()
        data = read_input(path, "mapping", ctx["layout"], found, inside=ctx["layout"].mappings)
        if data is None:  # changed since it was surveyed: say why, compute nothing
            results.append((Partition(ctx["layout"].rel(path), entry, path.stem, found.items), PartitionRows()))
            continue
        results.append(_compute_one(path, data, entry, ctx))
    cache: Cache = ctx["cache"]
    out = []
    for part, rows in results:
        if part.problems:
            part.fingerprint = ctx["fingerprint"]
        kept = cache.put("rows", part.entry, rows) and cache.put("partitions", part.entry, part)
        out.append((part, None if kept else rows))
    return out


MIN_CHUNK = 25  # fewer mappings than this are verified in this process: a worker would cost more


def _chunks(items: list, workers: int) -> list[list]:
    size = max(MIN_CHUNK, min(500, -(-len(items) // (workers * 4))))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _on_every_core(work, todo: list, workers: int | None) -> list:
    """`work` over chunks of `todo`, in forked workers (which inherit _CONTEXT) when there is
    enough to share, else in this process; results in the order of `todo`."""
    workers = workers or os.cpu_count() or 1  # as many workers as the machine has cores
    chunks = _chunks(todo, workers)
    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [r for rs in pool.map(work, chunks) for r in rs]
    return [r for chunk in chunks for r in work(chunk)]


def compute_partitions(reg: Registry, sources: dict[str, Source], known: Known, layout: Layout, problems: Problems,
                       cache: Cache, workers: int | None = None) -> tuple[list[Partition], dict[str, PartitionRows]]:
    """Every mapping's partition, and the rows of those computed in this run (by cache entry)."""
    fingerprint = _ids_fingerprint(known, sources)
    parts: dict[str, Partition] = {}
    todo: list[tuple[Path, bytes, str]] = []
    order: list[str] = []
    paths = []
    for path in list_inputs(layout.mappings, "*", problems, layout):
        if path.name == "README.md":
            continue
        if path.suffix != ".yaml":
            problems.add(layout.rel(path), 1, "raw/mappings holds <source_id>.yaml files (and README.md); "
                         f"rename it to {path.stem}.yaml or move it elsewhere")
            continue
        paths.append(path)
    for path, digest in survey(paths, "mapping", layout, problems, cache.files, inside=layout.mappings):
        if digest is None:
            continue
        where = layout.rel(path)
        source = sources.get(path.stem)
        entry = key(cache.salt, reg.digest, where, digest, source.sha256 if source else "",
                    source.meta["lang"] if source else "")
        order.append(entry)
        hit = cache.get("partitions", entry, Partition)
        if hit is not None and _valid(hit, known, fingerprint):
            parts[entry] = hit
        else:
            todo.append((path, entry))
    fresh: dict[str, PartitionRows] = {}
    _CONTEXT.update(reg=reg, sources=sources, known=known, layout=layout, fingerprint=fingerprint, cache=cache)
    if todo:
        computed = _on_every_core(_compute_chunk, todo, workers)
        for part, rows in computed:
            parts[part.entry] = part
            cache.remember("partitions", part.entry, part)
            if rows is not None:
                fresh[part.entry] = rows
    result = [parts[e] for e in order]
    for part in result:
        problems.items.extend(part.problems)
    return result, fresh


def partition_rows(part: Partition, fresh: dict[str, PartitionRows], cache: Cache) -> PartitionRows | None:
    """The rows of a partition: computed in this run, read from the cache, or, when the cached
    rows are gone or damaged, computed again from the mapping (None if it changed meanwhile)."""
    rows = fresh.get(part.entry) or cache.get("rows", part.entry, PartitionRows)
    return rows if rows is not None else _recompute(part)


def _recompute(part: Partition) -> PartitionRows | None:
    ctx = _CONTEXT
    layout, reg, sources, cache = ctx["layout"], ctx["reg"], ctx["sources"], ctx["cache"]
    path = layout.root / part.file
    data = read_input(path, "mapping", layout, Problems(), inside=layout.mappings)
    source = sources.get(path.stem)
    if data is None or source is None:
        return None
    if key(cache.salt, reg.digest, part.file, hashlib.sha256(data).digest(), source.sha256,
           source.meta["lang"]) != part.entry:
        return None  # the mapping changed after it was checked: the caller says to run again
    again, rows = _compute_one(path, data, part.entry, ctx)
    if again.problems:
        return None
    cache.put("rows", part.entry, rows)
    return rows


# --- validating partitions with pandera (stage 4, at build time) ----------------------------------

def _validate_entries(chunk: list[str]) -> list[tuple[str, list[Problem]]]:
    ctx = _CONTEXT
    cache: Cache = ctx["cache"]
    results = []
    for entry in chunk:
        part = ctx["parts"][entry]
        rows = partition_rows(part, ctx["fresh"], cache)
        if rows is None:
            part = Partition(part.file, entry, part.source_id,
                             [Problem(part.file, 1, CHANGED_DURING_BUILD)])
            rows = PartitionRows()
        else:
            part = Partition(part.file, entry, part.source_id)
        results.append((part, rows))
    _validate_chunk(results, ctx["reg"])
    out = []
    for part, _ in results:
        cache.put("validated", part.entry, part.problems)
        out.append((part.entry, part.problems))
    return out


def validate_partitions(reg: Registry, parts: list[Partition], fresh: dict[str, PartitionRows], cache: Cache,
                        problems: Problems, workers: int | None = None) -> None:
    """pandera on every partition's rows, once per partition content: a verdict is cached with the
    partition's own key, so only partitions that changed since the last build are validated."""
    todo = []
    for part in parts:
        verdict = cache.get("validated", part.entry)
        if isinstance(verdict, list):
            problems.items.extend(verdict)
        else:
            todo.append(part.entry)
    if not todo:
        return
    import pandera.pandas  # noqa: F401  # imported once here, inherited by the workers

    _CONTEXT.update(reg=reg, cache=cache, fresh=fresh, parts={p.entry: p for p in parts})
    verdicts = _on_every_core(_validate_entries, todo, workers)
    for _, found in verdicts:
        problems.items.extend(found)
