"""One data path: a mapping's rows are Arrow from the worker that verified them to the release's
files, a build after one edit remakes only what that edit changed, and the gate judges the very
Parquet files the release publishes."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import copy_repo, digest, run

RU = "raw/mappings/ru-csr-duties-and-responsibilities.yaml"


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PIPELINE_CACHE", str(folder))
    return folder


def _edit_first_translation(repo) -> None:
    path = repo / RU
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("text_en:"))
    lines[at] = lines[at] + " (edited)"
    path.write_text("\n".join(lines), encoding="utf-8")


def test_the_cache_keeps_the_rows_of_the_mappings_verified_together_as_one_arrow_file_whose_rows_are_released(
        tmp_path, own_cache):
    from pipeline.transform import partition_file

    repo = copy_repo(tmp_path / "repo", with_output=False)
    out = tmp_path / "out"
    assert run(repo, "build", "--out", str(out)).code == 0
    files = sorted((own_cache / "rows").rglob("*.arrow"))
    assert len(files) == 1  # the five mappings were verified together; nothing pickled beside them
    assert pa.ipc.open_file(pa.memory_map(str(files[0]))).get_batch(0).num_rows == 5  # a row per mapping
    assert not [p for p in (own_cache / "rows").rglob("*") if p.is_file() and p.suffix != ".arrow"]
    released = pq.read_table(out / "parquet" / "duty_mentions.parquet")
    from_files = partition_file.without_line(partition_file.as_table([partition_file.read(p)["duty_mentions"] for p in files]))
    assert from_files.num_rows == released.num_rows
    assert sorted(from_files.column("mention_id").to_pylist()) == released.column("mention_id").to_pylist()
    lines = partition_file.as_table([partition_file.read(p)["duty_mentions"] for p in files]).column("_line").to_pylist()
    assert min(lines) > 1  # each row knows the line of its record in the mapping


def test_a_build_after_one_edit_remakes_that_sources_parts_only_and_publishes_the_bytes_of_a_cold_forced_build(
        tmp_path, own_cache, monkeypatch):
    repo = copy_repo(tmp_path / "repo", with_output=False)
    first = tmp_path / "first"
    assert run(repo, "build", "--out", str(first)).code == 0
    (parts,) = (own_cache / "parts").iterdir()  # the folder of this code version
    kept = {p.relative_to(parts).as_posix() for p in parts.rglob("*") if p.is_file()}
    assert {k.split("/")[0] for k in kept} == {
        "site-source", "site-concept", "site-role", "annotations", "annotations-table", "csv", "workbook-sheet",
        "workbook-layout", "skos-turtle", "skos-jsonld", "sqlite", "gate", "gate-parts", "published",
        "site-statements", "workbook-rows"}
    _edit_first_translation(repo)
    edited = tmp_path / "edited"
    assert run(repo, "build", "--out", str(edited)).code == 0
    now = {p.relative_to(parts).as_posix() for p in parts.rglob("*") if p.is_file()}
    made = {k for k in now - kept if not k.endswith(".sha256")}  # a kept file's record beside it
    pages = [k for k in made if k.startswith("site-source/")]
    assert len(pages) == 1  # the edited source's page, no other
    statements = [k for k in made if k.startswith("site-statements/")]
    assert len(statements) == 1 and statements[0].split("/")[1] == pages[0].split("/")[1]  # that source's alone
    chunks = [k for k in made if k.startswith("annotations/")]
    assert chunks and {k.split("/")[1] for k in chunks} == {pages[0].split("/")[1]}  # that source's chunks only
    concepts = len([k for k in kept if k.startswith("site-concept/")])
    remade = len([k for k in made if k.startswith("site-concept/")])
    assert remade < concepts / 2  # the pages of the concepts whose statements changed, not the others
    # A file made from whole tables is made again for the tables whose rows changed, and only those.
    changed = {rel for rel, sha in digest(edited).items() if rel.startswith("parquet/") and digest(first)[rel] != sha}
    assert changed and len([k for k in made if k.startswith("csv/")]) == len(changed)
    assert 1 <= len([k for k in made if k.startswith("workbook-sheet/")]) <= len(changed)
    assert 1 <= len([k for k in made if k.startswith("workbook-layout/")]) <= len(changed)
    assert 1 <= len([k for k in made if k.startswith("workbook-rows/")]) <= len(changed)  # a run of sources each
    assert 1 <= len([k for k in made if k.startswith("gate/")]) <= len(changed) + 1  # and the batch of every fact table
    assert 1 <= len([k for k in made if k.startswith("annotations-table/")]) <= len(changed)
    assert len([k for k in made if k.startswith("gate-parts/")]) == 1  # the part of the fact batch holding that source
    # Built again over the release it replaces, an unchanged file is that release's file, linked.
    unchanged = ["site/sources/ar-customer-support-specialist-guide.html", "csv/roles.csv", "csv/skills.csv",
                 "sources/ar-customer-support-specialist-guide.txt"]
    inodes, before = {rel: (first / rel).stat().st_ino for rel in unchanged}, digest(first)
    assert run(repo, "build", "--out", str(first)).code == 0
    assert {rel: (first / rel).stat().st_ino for rel in unchanged} == inodes and digest(first) == digest(edited)
    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cold-cache"))
    cold = tmp_path / "cold"
    assert run(repo, "build", "--force", "--out", str(cold)).code == 0
    assert digest(edited) == digest(cold)
    assert digest(edited)["site/sources/ru-csr-duties-and-responsibilities.html"] != \
        before["site/sources/ru-csr-duties-and-responsibilities.html"]


def test_the_gate_judges_the_parquet_files_the_release_publishes(repo, monkeypatch):
    from pipeline.release import write

    real = write.write_parquet

    def loses_a_row(written, rel, table):
        if rel == "parquet/titles.parquet":
            table = table.slice(1)
        return real(written, rel, table)

    before = digest(repo / "output")
    monkeypatch.setattr(write, "write_parquet", loses_a_row)
    result = run(repo, "build", "--force")
    assert result.code == 1
    assert "release gate: titles:" in result.stderr
    assert digest(repo / "output") == before


def test_a_rows_file_damaged_on_disk_is_a_machine_fault_and_the_next_build_computes_it_again(tmp_path, own_cache):
    repo = copy_repo(tmp_path / "repo")
    assert run(repo, "build", "--force").code == 0
    (damaged,) = (own_cache / "rows").rglob("*.arrow")
    damaged.write_bytes(b"\0" * damaged.stat().st_size)  # same size: the check's stat cannot tell
    before = digest(repo / "output")
    result = run(repo, "build", "--force")
    assert result.code == 3
    assert "a fault of the machine, not of your input: a file of the verification cache is damaged" in result.stderr
    assert str(damaged) in result.stderr and "bug" not in result.stderr
    assert digest(repo / "output") == before
    assert run(repo, "build", "--force").code == 0 and digest(repo / "output") == before
