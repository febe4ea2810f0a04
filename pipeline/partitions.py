"""What each mapping contributes to the release, computed once per content and side by side.

A mapping is verified against its source (stage 2) and its facts normalized into rows with their
ids (stage 3) as one unit: a partition of the fact tables. Its rows become Arrow there, in the
worker that verified them, and are kept in the cache in one Arrow file with those of the other
mappings of its chunk (transform/partition_file.py); from then on a build only maps that file:
pandera validates the partition's rows (stage 4, once per content, its verdict cached the same
way), and the final tables are assembled from the files of all partitions.
Its result depends only on the mapping's bytes, its source's text and language, the registry, the
concept ids of the taxonomies and the pipeline's code, so it is cached under a key of those
contents (common/cache.py) and computed again only when one of them changes. A curator who edits
one mapping waits for that mapping.

Two facts keep the cache sound without making every taxonomy edit a full re-check: a partition
without problems stays valid while every concept it uses still exists (adding a concept cannot
break it), and a partition with problems is reused only with exactly the same ids and sources
(its hints name them).

Partitions that must be computed or validated are split into chunks for the build's worker pool
(common/workers.py); each task is handed what it needs (the registry, the sources, the ids) and
reads or writes the partition files itself. A chunk is validated by pandera in one pass per table.
"""
from __future__ import annotations

import errno
import hashlib
import operator
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from .common.cache import Cache, key
from .common.faults import MachineFault
from .common.files import list_inputs, read_input, survey
from .common.paths import Layout
from .common.problems import Problem, Problems
from .common.workers import Workers
from .curation.mappings import verify_mapping
from .curation.records import Known
from .curation.sources import Source
from .registry.model import REVIEWS, Registry
from .transform import partition_file


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
    rows: str = ""  # the Arrow file holding its rows (transform/partition_file.py), with the others of its chunk
    row: int = 0    # its row in that file
    size: int = 0   # of that file


def _ids_fingerprint(known: Known, sources: dict[str, Source]) -> str:
    parts = [f"{t}:{','.join(sorted(ids))}" for t, ids in sorted(known.ids.items())]
    return hashlib.sha256("\n".join([*parts, ",".join(sorted(sources))]).encode()).hexdigest()


def _valid(part: Partition, known: Known, fingerprint: str) -> bool:
    if part.problems:
        return part.fingerprint == fingerprint
    return all(set(ids) <= known.ids.get(table, set()) for table, ids in part.used.items())


# --- computing partitions (in a worker, or in this process) ----------------------------------------

@dataclass
class Context:
    """What a worker needs to verify mappings, handed to it with each chunk."""
    reg: Registry
    sources: dict[str, Source]
    known: Known
    layout: Layout
    fingerprint: str
    rows: Path  # where the partitions' Arrow files are kept (the cache's, or this run's own)


def rows_path(folder: Path, name: str) -> Path:
    return folder / name[:2] / f"{name}.arrow"


def _compute_one(path: Path, data: bytes, entry: str, ctx: Context) -> tuple[Partition, tuple | None]:
    """Verify one mapping and normalize its facts into rows: its summary, and its rows (as tuples
    in column order, with the line of each row's record) when it has no problem."""
    from .transform.normalize import normalize_facts

    reg, sources = ctx.reg, ctx.sources
    problems = Problems()
    payload = None
    verified = verify_mapping(path, data, reg, sources, ctx.known, ctx.layout, problems)
    rows, origins = normalize_facts(reg, verified.facts, problems)
    part = Partition(ctx.layout.rel(path), entry, verified.source_id)
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
        tuples, lines = {}, {}
        for name, table_rows in rows.items():
            table = reg.tables[name]
            as_tuple = operator.itemgetter(*table.columns)  # every table has two or more columns
            key_of = operator.itemgetter(*table.primary_key)
            tuples[name] = [as_tuple(r) for r in table_rows]
            lines[name] = [origins[name][key_of(r)][1] for r in table_rows]
            part.counts[name] = len(table_rows)
            for fk in table.foreign_keys:
                if fk.table in ctx.known.ids:
                    part.used.setdefault(fk.table, set()).update(r[fk.field] for r in table_rows if r[fk.field] is not None)
        if not problems.items:
            payload = (tuples, lines)
    part.used = {t: sorted(ids) for t, ids in part.used.items()}
    part.problems = problems.items
    return part, payload


def _compute_chunk(chunk: list[tuple[Path, str]], ctx: Context) -> list[Partition]:
    """Verify a chunk of mappings, and keep the rows of each one that passed as its Arrow file."""
    out, passed = [], []
    for path, entry in chunk:
        found = Problems()
        data = read_input(path, "mapping", ctx.layout, found, inside=ctx.layout.mappings)
        if data is None:  # changed since it was surveyed: say why, compute nothing
            out.append(Partition(ctx.layout.rel(path), entry, path.stem, found.items))
            continue
        part, payload = _compute_one(path, data, entry, ctx)
        if part.problems:
            part.fingerprint = ctx.fingerprint
        elif payload is not None:
            passed.append((entry, payload))
        out.append(part)
    if passed:
        name = key(*(entry for entry, _ in passed))
        data = partition_file.to_bytes(ctx.reg, [payload for _, payload in passed])
        Cache.write_bytes(rows_path(ctx.rows, name), data)
        where = {entry: row for row, (entry, _) in enumerate(passed)}
        for part in out:
            if part.entry in where:
                part.rows, part.row, part.size = name, where[part.entry], len(data)
    return out


def _kept(path: Path, part: Partition) -> bool:
    """Whether the partition's rows file is still there, whole (as large as when it was written): a
    file removed or cut short since is computed again rather than trusted. A stat, not a read, so a
    check of thousands of mappings stays quick."""
    try:
        return path.stat().st_size == part.size
    except OSError:
        return False


MIN_CHUNK = 25  # fewer mappings than this are verified in this process: a worker would cost more


def _chunks(items: list, workers: Workers) -> list[list]:
    size = max(MIN_CHUNK, min(500, -(-len(items) // (max(1, workers.processes) * 4))))  # Workers(0): all here
    return [items[i:i + size] for i in range(0, len(items), size)]


def _on_every_core(work, todo: list, context, workers: Workers) -> list:
    """`work(chunk, context)` over chunks of `todo`, in the pool when there is enough to share,
    else in this process; results in the order of `todo`. Where a worker is kept busy elsewhere (the
    release gate's, importing Great Expectations), this process takes the share of a worker."""
    chunks = _chunks(todo, workers)
    if workers.parallel and len(chunks) > 1:
        idle = workers.processes - len(workers.running())
        here = len(chunks) // (idle + 1) if idle < workers.processes else 0
        jobs = [workers.submit(work, chunk, context) for chunk in chunks[:len(chunks) - here]]
        mine = [r for chunk in chunks[len(chunks) - here:] for r in work(chunk, context)]
        return [r for job in jobs for r in workers.result(job)] + mine
    return [r for chunk in chunks for r in work(chunk, context)]


def compute_partitions(reg: Registry, sources: dict[str, Source], known: Known, layout: Layout, problems: Problems,
                       cache: Cache, workers: Workers) -> list[Partition]:
    """Every mapping's partition: found in the cache (with its rows file) or computed now."""
    fingerprint = _ids_fingerprint(known, sources)
    parts: dict[str, Partition] = {}
    todo: list[tuple[Path, str]] = []
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
    rows = cache.rows_folder()
    for path, digest in survey(paths, "mapping", layout, problems, cache.files, inside=layout.mappings):
        if digest is None:
            continue
        where = layout.rel(path)
        source = sources.get(path.stem)
        entry = key(cache.salt, reg.digest, where, digest, source.sha256 if source else "",
                    source.meta["lang"] if source else "")
        order.append(entry)
        hit = cache.get("partitions", entry, Partition)
        if hit is not None and _valid(hit, known, fingerprint) and (hit.problems or _kept(rows_path(rows, hit.rows), hit)):
            parts[entry] = hit
        else:
            todo.append((path, entry))
    if todo:
        context = Context(reg, sources, known, layout, fingerprint, rows)
        for part in _on_every_core(_compute_chunk, todo, context, workers):
            parts[part.entry] = part
            cache.put("partitions", part.entry, part)
    result = [parts[e] for e in order]
    for part in result:
        problems.items.extend(part.problems)
    return result


# --- validating partitions with pandera (stage 4, at build time) ----------------------------------

def _opened(folder: Path, name: str, read):
    """`read(path)` of a rows file. The check found each file whole; one gone or damaged since was
    removed or changed underneath the command."""
    path = rows_path(folder, name)
    try:
        return read(path)
    except (OSError, pa.ArrowException) as err:
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path)) from err
        path.unlink(missing_ok=True)  # so that the next run computes it again instead of trusting it
        raise MachineFault("a file of the verification cache is damaged (changed or corrupted on disk); it was "
                           "removed", str(path), "run the command again; the cache is rebuilt") from err


def _by_file(parts: list[Partition]) -> dict[str, list[Partition]]:
    by_file: dict[str, list[Partition]] = {}
    for part in parts:
        if part.rows:
            by_file.setdefault(part.rows, []).append(part)
    return by_file


def read_rows(folder: Path, parts: list[Partition]) -> dict[str, list[pa.StructArray]]:
    """The rows of the partitions, per table: an array of row structs per file they are kept in
    (with each row's `_line`), mapped from the files."""
    out: dict[str, list[pa.StructArray]] = {}
    for name, kept in _by_file(parts).items():
        rows = [p.row for p in kept]
        for table, structs in _opened(folder, name, lambda path, rows=rows: partition_file.read(path, rows)).items():
            out.setdefault(table, []).append(structs)
    return out


def _rows_of_each(folder: Path, parts: list[Partition]) -> list[tuple[Partition, dict[str, pa.StructArray]]]:
    """Each partition with its own tables, each file opened once."""
    out = []
    for name, kept in _by_file(parts).items():
        rows = [p.row for p in kept]
        out.extend(zip(kept, _opened(folder, name, lambda path, rows=rows: partition_file.read_each(path, rows))))
    return out


def _validate_chunk(chunk: list[Partition], context: tuple[Registry, Path]) -> list[tuple[str, list[Problem]]]:
    """pandera on the rows of a chunk of partitions, one pass per table; each failure goes to the
    partition, and the record, its row came from."""
    from .transform.frames import arrow_to_frame
    from .validation.tables import key_of, schema_failures

    reg, folder = context
    found: dict[str, list[Problem]] = {p.entry: [] for p in chunk}
    loaded = _rows_of_each(folder, chunk)
    for name in sorted({n for _, tables in loaded for n in tables}):
        table = reg.tables[name]
        owners = [(p, tables[name]) for p, tables in loaded if name in tables and len(tables[name])]
        if not owners:
            continue
        stacked = partition_file.as_table([data for _, data in owners])
        frame = arrow_to_frame(partition_file.without_line(stacked))
        failures = schema_failures(table, frame)
        if not failures:
            continue
        lines = stacked.column(partition_file.LINE).to_pylist()
        bounds, start = [], 0
        for p, data in owners:
            bounds.append((start, start + len(data), p))
            start += len(data)
        for index, message in failures:
            owner = next((p for lo, hi, p in bounds if index is not None and lo <= index < hi), None)
            if owner is None:  # a failure of the table as a whole: every partition of the chunk shares it
                for p, _ in owners:
                    found[p.entry].append(Problem("schemas/tables.yaml", table.line, message))
                continue
            found[owner.entry].append(Problem(owner.file, lines[index], f"{message} (row {key_of(table, frame, index)})"))
    return list(found.items())


def validate_partitions(reg: Registry, parts: list[Partition], cache: Cache, problems: Problems,
                        workers: Workers) -> Callable[[], None]:
    """pandera on every partition's rows, once per partition content: a verdict is cached with the
    partition's own key, so only partitions that changed since the last build are validated.
    Returns what adds the verdicts to `problems` once they are in. A few partitions (one chunk, as
    after an edit) are handed to an idle worker, and this process goes on meanwhile (it assembles
    the tables, which takes as long); more are shared out at once and waited for, as the memory of
    a first build's validation is better not held beside its assembly."""
    todo = []
    for part in parts:
        verdict = cache.get("validated", part.entry)
        if isinstance(verdict, list):
            problems.items.extend(verdict)
        else:
            todo.append(part)
    context = (reg, cache.rows_folder())

    def keep(verdicts) -> None:
        for entry, found in verdicts:
            cache.put("validated", entry, found)
            problems.items.extend(found)

    if todo and workers.parallel and len(_chunks(todo, workers)) == 1 and len(workers.running()) < workers.processes:
        job = workers.submit(_validate_chunk, todo, context)
        return lambda: keep(workers.result(job))
    if todo:
        keep(_on_every_core(_validate_chunk, todo, context, workers))
    return lambda: None
