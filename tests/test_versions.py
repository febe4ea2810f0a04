"""Versioned releases: frozen versions never change, a version is frozen only once, row counts
are under review, and the diff reports exactly what changed."""
from __future__ import annotations

import csv
import hashlib
import re

import pandas as pd
from conftest import ROOT, run
from ruamel.yaml import YAML

from pipeline.build import per_source_tables
from pipeline.curation.dataset import dataset_meta
from pipeline.registry.model import registry

RELEASES = ROOT / "output/releases"


def test_every_file_of_every_published_version_matches_its_recorded_checksum():
    versions = [p for p in RELEASES.iterdir() if p.is_dir()] if RELEASES.exists() else []
    assert versions, "no release has been frozen yet (make release)"
    for folder in versions:
        listed = {}
        for line in (folder / "SHA256SUMS").read_text().splitlines():
            digest, rel = line.split("  ", 1)
            listed[rel] = digest
            assert hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest, f"{folder.name}/{rel} changed"
        on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"SHA256SUMS"}
        assert on_disk == set(listed), f"{folder.name}: files not covered by its SHA256SUMS"
        assert (folder / "CHANGELOG.md").read_text().startswith(f"## [{folder.name}]")
        assert (folder / "DIFF.md").exists()


def test_the_declared_version_is_frozen_with_its_changelog_and_citation():
    version = dataset_meta()["version"]
    assert (RELEASES / version / "SHA256SUMS").exists()
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()
    assert YAML(typ="safe").load((ROOT / "CITATION.cff").read_text())["version"] == version


def test_freezing_a_version_that_exists_is_refused_and_changes_nothing(repo):
    version = dataset_meta()["version"]
    frozen = repo / "output/releases" / version
    before = {p: p.read_bytes() for p in frozen.rglob("*") if p.is_file()}
    result = run(repo, "release")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert re.search(rf"release {re.escape(version)} already exists .* never rewritten", result.stderr)
    assert {p: p.read_bytes() for p in frozen.rglob("*") if p.is_file()} == before


def test_row_counts_of_the_committed_release_match_the_counts_under_review():
    reg = registry()
    observed = {}
    for name in reg.tables:
        rows = pd.read_csv(ROOT / "output/csv" / f"{name}.csv", dtype=str, keep_default_na=False)
        observed[(name, "*")] = len(rows)
        if name in per_source_tables(reg):
            for source_id, n in rows["source_id"].value_counts().items():
                observed[(name, source_id)] = int(n)
    with (ROOT / "schemas/row_counts.csv").open(encoding="utf-8") as fh:
        expected = {(r["table"], r["source_id"]): int(r["rows"]) for r in csv.DictReader(fh)}
    assert observed == expected


def test_the_diff_reports_exactly_one_edited_mapping_record(repo, tmp_path):
    mapping = sorted((repo / "raw/mappings").glob("*.yaml"))[0]
    doc = YAML().load(mapping.read_text(encoding="utf-8"))
    record = doc["duties"][0]
    line = record.lc.key("text_en")[0] + 1
    lines = mapping.read_text(encoding="utf-8").split("\n")
    assert "text_en:" in lines[line - 1]
    lines[line - 1] = lines[line - 1].split("text_en:")[0] + "text_en: An edited translation."
    mapping.write_text("\n".join(lines), encoding="utf-8")
    result = run(repo, "build", "--out", str(tmp_path / "edited"))
    assert result.code == 0, result.stderr
    result = run(repo, "diff", str(ROOT / "output"), str(tmp_path / "edited"))
    assert result.code == 0, result.stderr
    report = result.stdout
    changed = {row.split("`")[1]: row for row in report.splitlines() if row.startswith("| `") and "| changed |" in row}
    # The edited row, and the derived list of attested wordings that quotes its translation: nothing else.
    assert set(changed) == {"duty_mentions", "attested_labels"}, report
    assert all(re.search(r"\| 0 \| 0 \| 1 \|", row) for row in changed.values()), report
    assert re.search(r"Changed `[^`]+`: text_en$", report, flags=re.M), report


def test_a_release_is_not_frozen_from_an_output_that_differs_from_its_checksums(repo):
    """A file changed by hand after the build must never become a published version."""
    dataset = repo / "schemas/dataset.yaml"
    text = dataset.read_text(encoding="utf-8")
    current = re.search(r"^version: (\d+)\.(\d+)\.(\d+)$", text, flags=re.M)
    major, minor, patch = (int(g) for g in current.groups())
    following = f"{major}.{minor}.{patch + 1}"
    dataset.write_text(text.replace(current.group(0), f"version: {following}"), encoding="utf-8")
    changelog = repo / "CHANGELOG.md"
    old_entry = f"## [{major}.{minor}.{patch}]"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace(old_entry, f"## [{following}] - 2026-11-26\n\nTest.\n\n{old_entry}", 1),
                         encoding="utf-8")
    edited = repo / "output/csv/salaries.csv"
    edited.write_bytes(edited.read_bytes().replace(b"36300", b"36301", 1))
    result = run(repo, "release")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert re.search(r"output/SHA256SUMS:\d+: output/csv/salaries.csv is not what the build wrote", result.stderr), result.stderr
    assert not (repo / "output/releases" / following).exists()
