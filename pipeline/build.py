"""The build, in the order it runs: load inputs, verify, normalize, validate, then publish.

`check` is everything up to the tables validated by pandera and the cross-table checks: what a
curator runs after every edit. `build` is `check`, the Great Expectations release gate on the final
tables, and publishing: every file rendered in memory, written into staging and swapped in at
once. Nothing is written before every check has passed.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .common.files import decode_utf8, list_inputs, read_input
from .common.paths import Layout
from .common.problems import Problems, StageFailed
from .curation.dataset import load_dataset
from .curation.mappings import Verified, verify_mapping
from .curation.reference import load_reference
from .curation.row_counts import check_counts, load_expected, totals
from .curation.sources import Source, load_sources
from .curation.taxonomy import known_ids, load_taxonomies
from .registry.model import Registry, registry
from .transform.frames import to_frame
from .transform.normalize import normalize_facts, sort_key
from .validation.tables import validate

# Published beside the data: how to cite it and under which terms.
COPIED = ("CITATION.cff", "LICENSE.md")


@dataclass
class Checked:
    """The validated tables and what they were made from."""
    registry: Registry
    meta: dict
    sources: dict[str, Source]
    frames: dict[str, pd.DataFrame]
    expected_counts: dict
    copied: dict[str, bytes]


def per_source_tables(reg: Registry) -> set[str]:
    """Tables whose row counts are kept per source too: every table with a source_id but theirs."""
    return {t.name for t in reg.tables.values() if "source_id" in t.columns and not t.sidecar}


def _stop_if(problems: Problems) -> None:
    if problems:
        raise StageFailed(problems)


def load_copied(layout: Layout, problems: Problems) -> dict[str, bytes]:
    out = {}
    for name in COPIED:
        data = read_input(layout.root / name, "release file", layout, problems)
        if data is not None and decode_utf8(data, name, "file", problems) is not None:
            out[name] = data
    return out


def verify_mappings(reg: Registry, sources: dict[str, Source], known, layout: Layout,
                    problems: Problems) -> list[Verified]:
    results, mapped = [], {}
    for path in list_inputs(layout.mappings, "*"):
        if path.name == "README.md":
            continue
        if path.suffix != ".yaml":
            problems.add(layout.rel(path), 1, "raw/mappings holds <source_id>.yaml files (and README.md); "
                         f"rename it to {path.stem}.yaml or move it elsewhere")
            continue
        verified = verify_mapping(path, reg, sources, known, layout, problems)
        if verified.source_id in mapped:
            problems.add(layout.rel(path), 1, f"a second mapping of {verified.source_id} (the first is "
                         f"{mapped[verified.source_id]}); keep one mapping per source")
            continue
        if verified.source_id:
            mapped[verified.source_id] = layout.rel(path)
        results.append(verified)
    present = {p.stem for p in list_inputs(layout.mappings, "*.yaml")}
    for source_id, source in sources.items():
        if source_id not in mapped and source_id not in present:
            problems.add(source.sidecar_path, 1, f"source has no mapping; write raw/mappings/{source_id}.yaml "
                         "(see raw/mappings/README.md)")
    return results


def _tables(reg: Registry, sources, taxonomies, verified: list[Verified], problems: Problems):
    """Rows of every table in primary-key order, and the input each row came from."""
    rows, origins = normalize_facts(reg, [fact for v in verified for fact in v.facts], problems)
    sidecar = reg.sidecar_table()
    rows[sidecar.name] = [s.row(sidecar) for s in sources.values()]
    origins[sidecar.name] = {s.source_id: (s.sidecar_path, 1) for s in sources.values()}
    for name, entries in taxonomies.items():
        rows[name] = [e.values for e in entries.values()]
        origins[name] = {ident: (e.file, e.line) for ident, e in entries.items()}
    reviews = reg.tables["line_reviews"]
    rows[reviews.name] = [r.__dict__ for v in verified for r in v.reviews]
    origins[reviews.name] = {(r.source_id, r.line): (v.file, 1) for v in verified for r in v.reviews}
    for name, table in reg.tables.items():
        rows[name] = sorted(({c: r.get(c) for c in table.columns} for r in rows.get(name, [])), key=sort_key(table))
    return rows, origins


def check(layout: Layout, compare_counts: bool = True) -> Checked:
    """Load, verify, normalize and validate; StageFailed carries every problem found on the way."""
    problems = Problems()
    # Load inputs.
    reg = registry(layout)
    meta = load_dataset(layout, problems)
    sources = load_sources(reg, layout, problems)
    reference = load_reference(layout, problems)
    taxonomies = load_taxonomies(reg, reference, layout, problems)
    expected = load_expected(layout, set(reg.tables), problems) if compare_counts else {}
    copied = load_copied(layout, problems)
    _stop_if(problems)  # offsets and ids mean nothing against a changed source or a broken taxonomy
    # Verify the mappings against their sources and the taxonomies.
    verified = verify_mappings(reg, sources, known_ids(taxonomies, reg), layout, problems)
    # Normalize into the rows of every table.
    rows, origins = _tables(reg, sources, taxonomies, verified, problems)
    _stop_if(problems)
    frames = {name: to_frame(reg.tables[name], rows[name]) for name in reg.tables}
    # Validate every table and the tables together.
    validate(reg, frames, sources, origins, problems)
    if compare_counts:
        check_counts(expected, frames, per_source_tables(reg), problems)
    _stop_if(problems)
    return Checked(reg, meta, sources, frames, expected, copied)


def build(layout: Layout, target) -> Checked:
    """Check, gate, and publish the release at `target` (default output/)."""
    from .release import fingerprint
    from .release.publish import publish
    from .release.render import checksums, render_release
    from .release.report import render_report
    from .validation import gate

    stamp = fingerprint.compute(layout)
    with gate.start() as release_gate:  # imports Great Expectations in a worker while we check
        checked = check(layout)
        release_gate.submit(checked.registry, checked.frames, totals(checked.expected_counts))
        # Render every file in memory while the gate validates the final tables.
        files = render_release(checked.registry, checked.frames, checked.meta, checked.copied)
        verdict = release_gate.result()
    files["validation/index.html"] = render_report(verdict, checked.meta)
    files["SHA256SUMS"] = checksums(files)
    files[fingerprint.STAMP] = (stamp + "\n").encode()
    publish(files, target)
    return checked
