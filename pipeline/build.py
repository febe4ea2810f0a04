"""The build, in the order it runs: load inputs, verify, normalize, validate, then publish.

`check` is what a curator runs after every edit: every input read and checked, every curated value
and rule of every record held to the registry at its file and line, facts normalized into rows,
row counts compared. It works mapping by mapping (partitions.py): a mapping whose inputs have not
changed is not verified again, and those that must be are verified on both cores.

`build` is `check`, then validation of the tables (pandera, on each partition once per content and
on the small tables; foreign keys and keys across tables; the Great Expectations release gate on
the final tables), then publishing: every file written into a staging folder and swapped in at
once. Nothing is written before every check has passed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .common.cache import Cache, key
from .common.files import decode_utf8, list_inputs, read_input
from .common.paths import Layout
from .common.problems import Problems, StageFailed
from .common.timings import stage
from .common.workers import Workers
from .curation.crosswalks import check_crosswalks
from .curation.dataset import load_dataset
from .curation.reference import load_code_lists, load_reference
from .curation.row_counts import ALL, load_expected, totals
from .curation.row_counts import WHERE as COUNTS
from .curation.sources import Source, load_sources
from .curation.taxonomy import Entry, known_ids, load_taxonomies
from .partitions import Partition, compute_partitions, read_rows, validate_partitions
from .registry.model import Registry, registry

# Published beside the data: how to cite it and under which terms.
COPIED = ("CITATION.cff", "LICENSE.md")


@dataclass
class Checked:
    """The validated inputs, and what each mapping contributes."""
    registry: Registry
    meta: dict
    sources: dict[str, Source]
    taxonomies: dict[str, dict[str, Entry]]
    partitions: list[Partition]
    expected_counts: dict
    copied: dict[str, bytes]
    cache: Cache
    counts: dict[str, int] = field(default_factory=dict)


def _stop_if(problems: Problems) -> None:
    if problems:
        raise StageFailed(problems)


def per_source_tables(reg: Registry) -> set[str]:
    """Tables whose row counts are kept per source too: every table with a source_id but theirs."""
    return {t.name for t in reg.tables.values() if "source_id" in t.columns and not t.sidecar}


def load_copied(layout: Layout, problems: Problems) -> dict[str, bytes]:
    out = {}
    for name in COPIED:
        data = read_input(layout.root / name, "release file", layout, problems)
        if data is not None and decode_utf8(data, name, "file", problems) is not None:
            out[name] = data
    return out


def small_tables(reg: Registry, sources: dict[str, Source], taxonomies) -> tuple[dict, dict]:
    """Rows of the tables that are not partitions (sources, taxonomies), and where each row came from."""
    sidecar = reg.sidecar_table()
    rows = {sidecar.name: [s.row(sidecar) for s in sources.values()]}
    origins = {sidecar.name: {s.source_id: (s.sidecar_path, 1) for s in sources.values()}}
    for name, entries in taxonomies.items():
        rows[name] = [e.values for e in entries.values()]
        origins[name] = {ident: (e.file, e.line) for ident, e in entries.items()}
    return rows, origins


def _validate_small_tables(reg: Registry, rows: dict, origins: dict, cache: Cache, problems: Problems) -> None:
    """pandera on the sources and taxonomy tables; skipped when their rows have not changed."""
    entry = key(cache.salt, reg.digest, "small tables", repr(sorted((n, repr(r)) for n, r in rows.items())))
    hit = cache.get("small-tables", entry, list)
    if hit is None:
        from .transform.frames import to_arrow, to_frame
        from .validation.tables import validate_table

        found = Problems()
        for name, table_rows in rows.items():
            table = reg.tables[name]
            validate_table(table, to_frame(table, to_arrow(table, table_rows)), origins[name], found)
        hit = found.items
        cache.put("small-tables", entry, hit)
    problems.items.extend(hit)


def _mapping_problems(reg: Registry, sources, taxonomies, partitions: list[Partition], layout: Layout,
                      problems: Problems) -> None:
    """What only all mappings together can say: every source mapped once, every concept used."""
    mapped: dict[str, str] = {}
    for part in partitions:
        if part.source_id in mapped:
            problems.add(part.file, 1, f"a second mapping of {part.source_id} (the first is {mapped[part.source_id]}); "
                         "keep one mapping per source")
        elif part.source_id:
            mapped[part.source_id] = part.file
    present = {p.stem for p in list_inputs(layout.mappings, "*.yaml")}
    for source_id, source in sources.items():
        if source_id not in mapped and source_id not in present:
            problems.add(source.sidecar_path, 1, f"source has no mapping; write raw/mappings/{source_id}.yaml "
                         "(see raw/mappings/README.md)")
    if any(part.problems for part in partitions):
        return  # a refused record would have used concepts; do not report them as unused on top
    used: dict[str, set] = {}
    for part in partitions:
        for table, ids in part.used.items():
            used.setdefault(table, set()).update(ids)
    for table in reg.taxonomy_tables():
        if table.field(table.primary_key[0]).origin == "computed":  # rows of links (crosswalks), not concepts
            continue
        for ident, entry in taxonomies.get(table.name, {}).items():
            if ident not in used.get(table.name, set()):
                problems.add(entry.file, entry.line, f"{table.primary_key[0]} {ident!r} is used by no mapping record; "
                             "map a statement to it or remove it")


def _counts(reg: Registry, partitions: list[Partition], small: dict) -> dict[tuple[str, str], int]:
    counts = {(name, ALL): 0 for name in reg.tables}
    for name, table_rows in small.items():
        counts[(name, ALL)] = len(table_rows)
    per_source = per_source_tables(reg)
    for part in partitions:
        for name, n in part.counts.items():
            counts[(name, ALL)] += n
            if name in per_source and n:
                counts[(name, part.source_id)] = n
    return counts


def _check_counts(expected: dict, observed: dict, problems: Problems, tables: set[str]) -> None:
    differing = {k for k, (n, _) in expected.items() if observed.get(k, 0) != n}
    differing |= {k for k, n in observed.items() if n and k not in expected}
    for k in sorted(k for k in differing if k[0] in tables):
        want, line = expected.get(k, (0, 1))
        got = observed.get(k, 0)
        if want != got:
            table, source_id = k
            scope = "in all" if source_id == ALL else f"from {source_id}"
            problems.add(COUNTS, line, f"{table} has {got} rows {scope}; the file expects {want}; if the change is "
                         "intended, run `make counts` and commit schemas/row_counts.csv")


def check(layout: Layout, compare_counts: bool = True, cache: Cache | None = None,
          workers: Workers | None = None) -> Checked:
    """Load, verify, normalize and validate; StageFailed carries every problem found on the way.
    Mappings are verified in `workers` (a pool of this check's own when none is given)."""
    inside = layout.written_inside(layout.cache)
    if inside is None and layout.cache.resolve().is_relative_to(layout.output.resolve()):
        inside = layout.output  # replaced whole by every build
    if inside is not None:  # PIPELINE_CACHE set to a folder people write, or to the release
        problems = Problems()
        problems.add(str(layout.cache), 1, f"PIPELINE_CACHE points inside {inside.name}/, where a cache cannot live "
                     "(people's inputs and the code are never written; the release is replaced whole); point it "
                     "at a folder of its own (or unset it to use .cache/)")
        raise StageFailed(problems)
    given, cache = cache, cache or Cache(layout)
    try:
        if workers is None:
            with Workers() as own:
                return _check(layout, compare_counts, cache, own)
        return _check(layout, compare_counts, cache, workers)
    finally:  # what was verified is kept, even when a later step finds a problem
        cache.save_index()
        if given is None:
            cache.close()  # a folder of this run's own, if the cache could not be written, is not needed after


def _check(layout: Layout, compare_counts: bool, cache: Cache, workers: Workers) -> Checked:
    problems = Problems()
    # Load inputs.
    reg = registry(layout)
    meta = load_dataset(layout, problems)
    sources = load_sources(reg, layout, problems, cache, str(meta["date_published"]) if meta else None)
    reference = load_reference(layout, problems)
    taxonomies = load_taxonomies(reg, reference, layout, problems)
    expected = load_expected(layout, set(reg.tables), problems) if compare_counts else {}
    copied = load_copied(layout, problems)
    _stop_if(problems)  # offsets and ids mean nothing against a changed source or a broken taxonomy
    # Verify every mapping, normalize its facts into rows, validate them (cached, on both cores).
    partitions = compute_partitions(reg, sources, known_ids(taxonomies, reg), layout, problems, cache, workers)
    _mapping_problems(reg, sources, taxonomies, partitions, layout, problems)
    check_crosswalks(taxonomies, load_code_lists(layout, problems, reference), problems)
    _stop_if(problems)
    # The row counts under review.
    small, _ = small_tables(reg, sources, taxonomies)
    observed = _counts(reg, partitions, small)
    if compare_counts:  # the derived tables exist only once a build has assembled the facts
        _check_counts(expected, observed, problems, {t.name for t in reg.tables.values() if not t.derived})
    _stop_if(problems)
    derived = {t.name for t in reg.tables.values() if t.derived}  # reported by build, once assembled
    counts = {name: n for (name, source_id), n in observed.items() if source_id == ALL and name not in derived}
    return Checked(reg, meta, sources, taxonomies, partitions, expected, copied, cache, counts)


def observed_counts(checked: Checked, tables: dict) -> dict[tuple[str, str], int]:
    """Rows per table and per source, from the assembled tables (derived ones included)."""
    small, _ = small_tables(checked.registry, checked.sources, checked.taxonomies)
    counts = _counts(checked.registry, checked.partitions, small)
    per_source = per_source_tables(checked.registry)
    for table in checked.registry.derived_tables():
        data = tables[table.name]
        counts[(table.name, ALL)] = data.num_rows
        if table.name in per_source:
            for entry in data.column("source_id").value_counts().to_pylist():
                counts[(table.name, entry["values"])] = entry["counts"]
    return counts


def quotes_found(checked: Checked) -> dict[str, int]:
    """Per fact table, the rows whose quote was found at its offsets when its mapping was verified."""
    found = {t.name: 0 for t in checked.registry.fact_tables()}
    for part in checked.partitions:
        for name, n in part.quotes.items():
            found[name] = found.get(name, 0) + n
    return found


def assemble(checked: Checked) -> dict:
    """The final tables, as Arrow, in primary-key order: the partitions' files and the small tables
    put together in DuckDB (transform/assemble.py)."""
    from .transform.assemble import assemble as in_duckdb
    from .transform.frames import to_arrow

    reg = checked.registry
    small, _ = small_tables(reg, checked.sources, checked.taxonomies)
    folder = checked.cache.rows_folder()
    return in_duckdb(reg, read_rows(folder, checked.partitions),
                     {name: to_arrow(reg.tables[name], rows) for name, rows in small.items()})


def build(layout: Layout, target, cache: Cache | None = None, stamp: str | None = None) -> Checked:
    """Check, gate, and publish the release at `target` (default output/); `stamp` is the build
    stamp of the inputs, computed here when not given (from `cache`, which the build closes)."""
    from .release import fingerprint
    from .release.publish import publishing
    from .release.report import render_report
    from .release.reuse import Reuse, published_record, record_published
    from .release.verdicts import keep_verdicts, kept_verdicts
    from .release.write import write_parquet_files, write_release
    from .transform.evidence import derive
    from .validation import gate
    from .validation.tables import Coverage, artefact_problems, foreign_key_problems

    cache = cache or Cache(layout)
    stamp = stamp or fingerprint.compute(layout, cache.files)  # the inputs' digests the check keeps, by stat stamp
    with Workers() as workers:
        reserved = gate.reserve(workers)  # a worker imports Great Expectations while the inputs are checked
        try:
            with stage("check"):
                checked = check(layout, cache=cache, workers=workers)
            reg = checked.registry
            # Validate every table with pandera (partitions validated once per content), then across tables.
            problems = Problems()
            with stage("pandera"):
                validated = validate_partitions(reg, checked.partitions, cache, problems, workers)
                small, origins = small_tables(reg, checked.sources, checked.taxonomies)
                _validate_small_tables(reg, small, origins, cache, problems)
            # The tables are assembled, and the evidence tables derived, while a worker may still be
            # validating the partitions of an edit; its verdict is in before anything is held to them.
            try:
                if problems:
                    raise StageFailed(problems)
                with stage("assemble"):
                    tables = assemble(checked)
                # Derive the evidence tables, and hold them to their counts under review too.
                with stage("derive evidence"):
                    tables.update(derive(reg, tables))
            except Exception:
                validated()  # rows pandera refuses are said as such, whatever assembling them raised
                _stop_if(problems)
                raise
            with stage("pandera verdict"):
                validated()
            _stop_if(problems)
            derived = [t.name for t in reg.derived_tables()]  # registry order, for a stable report
            checked.counts.update({name: tables[name].num_rows for name in derived})
            with stage("counts and foreign keys"):
                _check_counts(checked.expected_counts, observed_counts(checked, tables), problems, set(derived))
                coverage = Coverage(quotes=quotes_found(checked), keys=foreign_key_problems(reg, tables, problems))
                artefact_problems(reg, tables, checked.sources, problems)
            _stop_if(problems)
            with publishing(target) as staging, stage("write and publish"):
                # The Parquet files first: the gate judges these very files while the rest is written.
                with stage("write parquet"):
                    written = write_parquet_files(staging, reg, tables, checked.meta)
                parts = cache.folder_for("parts")
                reuse = Reuse(parts, {p.source_id: p.entry for p in checked.partitions if p.source_id},
                              shared=reg.digest, tables={n: written.sums[f"parquet/{n}.parquet"] for n in reg.tables},
                              previous=Path(target).resolve(), published=published_record(parts, target))
                row_counts = totals(checked.expected_counts)
                known, judged = kept_verdicts(reuse, reg, row_counts)
                judging = gate.submit(workers, reg, staging / "parquet", {n: t.num_rows for n, t in tables.items()},
                                      row_counts, list(judged), reuse.kept("gate-parts"), reuse.entries, reserved)

                def report() -> bytes:
                    with stage("release gate"):
                        verdict = gate.verdict(workers, judging, reg, known)
                    keep_verdicts(reuse, verdict, judged)
                    return render_report(verdict, checked.meta, coverage)

                try:
                    write_release(written, reg, tables, checked.meta, checked.copied, report, stamp, checked.sources,
                                  workers, reuse)
                except BaseException:
                    workers.close(failed=True)  # no worker writes on into the staging folder being removed
                    raise
            record_published(reuse.folder, target, written.sums)  # the release in place, the one before it gone
        finally:
            gate.release(reserved)
            cache.close()
    return checked
