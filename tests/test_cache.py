"""The verification cache (.cache/) makes a check fast and never makes it wrong: an entry is found
only under the content of everything its result depends on, so whatever a curator changes (a
mapping, a taxonomy, the registry) is verified again, a damaged cache is computed again, and a
build from a cold cache and from a warm one publish the same bytes. Many mappings are verified in
worker processes with exactly the problems one process finds."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import ROOT, copy_repo, digest, run

sys.path.insert(0, str(ROOT / "benchmarks"))
from scale import synthesize  # noqa: E402  (the benchmark's synthetic sources: real mappings, new ids)

RU = "raw/mappings/ru-csr-duties-and-responsibilities.yaml"


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    """A cache of this test's own, empty at the start."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PIPELINE_CACHE", str(folder))
    return folder


@pytest.fixture
def warm(tmp_path, own_cache) -> Path:
    """A copy of the repository whose check passed once, so every result is in the cache."""
    repo = copy_repo(tmp_path / "repo", with_output=False)
    result = run(repo, "check")
    assert result.code == 0, result.stderr
    assert any(own_cache.rglob("*")), "a passing check keeps its results"
    return repo


def _edit(repo: Path, rel: str, old: str, new: str) -> int:
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, (rel, old)
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def _first_quote_line(repo: Path, rel: str) -> tuple[int, str]:
    lines = (repo / rel).read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.strip().startswith(("- quote:", "quote:")))
    return number, lines[number - 1]


def test_an_edited_mapping_is_verified_again_and_its_old_result_is_used_again_once_restored(warm):
    line, text = _first_quote_line(warm, RU)
    _edit(warm, RU, text, text.replace("quote:", "quote: НЕТ ТАКИХ СЛОВ", 1))
    broken = run(warm, "check")
    assert broken.code == 1 and f"{RU}:{line}:" in broken.stderr and "quote" in broken.stderr
    _edit(warm, RU, text.replace("quote:", "quote: НЕТ ТАКИХ СЛОВ", 1), text)
    assert run(warm, "check").code == 0


def test_a_concept_removed_from_its_taxonomy_fails_every_cached_mapping_that_uses_it(warm):
    path = warm / "raw/taxonomy/duties.yaml"
    path.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                            if "duty_id: escalate_issues" not in line), encoding="utf-8")
    result = run(warm, "check")
    users = {p.relative_to(warm).as_posix() for p in (warm / "raw/mappings").glob("*.yaml")
             if "duty: escalate_issues" in p.read_text(encoding="utf-8")}
    assert result.code == 1 and len(users) >= 2
    reported = {line.split(":", 1)[0] for line in result.stderr.splitlines() if "unknown duty_id 'escalate_issues'" in line}
    assert reported == users


def test_a_tighter_rule_in_the_registry_reaches_every_cached_mapping(warm):
    _edit(warm, "schemas/fields.yaml", "constraints: {required: true, max_length: 2000}",
          "constraints: {required: true, max_length: 12}")
    result = run(warm, "check")
    assert result.code == 1
    files = {line.split(":", 1)[0] for line in result.stderr.splitlines() if "text_en" in line}
    assert files == {f"raw/mappings/{p.name}" for p in (warm / "raw/mappings").glob("*.yaml")}


def test_a_changed_source_text_is_refused_although_its_sidecar_was_cached(warm):
    text = warm / "raw/sources/ru-csr-duties-and-responsibilities.txt"
    text.write_bytes(text.read_bytes().replace("клиент".encode(), "КЛИЕНТ".encode(), 1))
    result = run(warm, "check")
    assert result.code == 1
    assert "raw/sources/ru-csr-duties-and-responsibilities.yaml:" in result.stderr and "sha256" in result.stderr


def test_a_damaged_cache_is_computed_again_and_the_build_publishes_the_same_bytes(warm, own_cache, release, tmp_path):
    out = tmp_path / "out"
    assert run(warm, "build", "--out", str(out)).code == 0  # every kind of entry is in the cache now
    damaged = [p for p in own_cache.rglob("*") if p.is_file()]
    assert {p.relative_to(own_cache).parts[0] for p in damaged} >= {"index", "rows", "validated"}
    for i, path in enumerate(damaged):  # emptied, garbage, or a pickle of something else
        path.write_bytes([b"", b"\x80\x05not a pickle", b"\x80\x05K\x07."][i % 3])
    assert run(warm, "check").code == 0
    for path in damaged:
        path.write_bytes(b"\x80\x05K\x07.") if path.exists() else None
    result = run(warm, "build", "--force", "--out", str(out))
    assert result.code == 0, result.stderr
    assert digest(out) == digest(release)


def test_a_cache_that_cannot_be_written_only_makes_the_check_slower(tmp_path, monkeypatch):
    import tempfile

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("PIPELINE_CACHE", str(blocker / "cache"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the run's own rows folder goes
    repo = copy_repo(tmp_path / "repo", with_output=False)
    assert run(repo, "check").code == 0
    assert run(repo, "counts").code == 0
    assert list(scratch.iterdir()) == []  # the rows folder of each run's own is removed when it ends
    line, text = _first_quote_line(repo, RU)
    _edit(repo, RU, text, text.replace("quote:", "quote: НЕТ ТАКИХ СЛОВ", 1))
    broken = run(repo, "check")
    assert broken.code == 1 and f"{RU}:{line}:" in broken.stderr


def test_a_build_from_a_cold_cache_publishes_the_bytes_of_one_from_a_warm_cache(release, tmp_path, own_cache):
    cold = tmp_path / "cold"
    result = run(ROOT, "build", "--out", str(cold))
    assert result.code == 0, result.stderr
    assert digest(cold) == digest(release)


_RECORDING: dict = {}


def _recorded_chunk(chunk, context):
    """partitions._compute_chunk, noting which process ran it (a module-level function, so the
    worker pool can send it to its workers)."""
    with open(_RECORDING["log"], "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return _RECORDING["real"](chunk, context)


def test_many_mappings_are_verified_in_workers_with_the_problems_one_process_finds(tmp_path, monkeypatch):
    repo = tmp_path / "many"
    synthesize(repo, 60)  # 60 mappings: more than one chunk, so worker processes share them
    broken_file = sorted((repo / "raw/mappings").glob("ru-*.yaml"))[5]
    rel = broken_file.relative_to(repo).as_posix()
    line, text = _first_quote_line(repo, rel)
    _edit(repo, rel, text, text.replace("quote:", "quote: НЕТ ТАКИХ СЛОВ", 1))
    from pipeline import partitions
    from pipeline.common import workers

    log = tmp_path / "verified-by"
    monkeypatch.setitem(_RECORDING, "real", partitions._compute_chunk)
    monkeypatch.setitem(_RECORDING, "log", log)
    monkeypatch.setattr(partitions, "_compute_chunk", _recorded_chunk)
    outcomes, processes = [], []
    for cores in (2, 1, 0):  # 0: Workers(0), every task in this process, as its docstring says
        log.write_text("")
        monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / f"cache-{cores}"))
        monkeypatch.setattr(workers, "cores", lambda cores=cores: cores)
        outcomes.append(run(repo, "check"))
        processes.append(set(log.read_text().split()))
    in_workers, in_one, in_none = outcomes
    assert len(processes[0]) == 2 and str(os.getpid()) not in processes[0]  # two worker processes did the work
    assert processes[1] == processes[2] == {str(os.getpid())}  # and on one core, or none, this process alone
    assert in_workers.code == in_one.code == in_none.code == 1
    assert in_workers.stderr == in_one.stderr == in_none.stderr
    problems = [line for line in in_workers.stderr.splitlines() if line.startswith("raw/")]
    assert problems and all(p.startswith(f"{rel}:{line}:") for p in problems)


def test_a_cache_pointed_into_the_inputs_is_refused_and_nothing_is_written_there(tmp_path, monkeypatch):
    repo = copy_repo(tmp_path / "repo", with_output=False)
    before = sorted(p.relative_to(repo).as_posix() for p in (repo / "raw").rglob("*"))
    monkeypatch.setenv("PIPELINE_CACHE", str(repo / "raw" / "cache"))
    result = run(repo, "check")
    assert result.code == 1
    assert f"{repo / 'raw' / 'cache'}:1: PIPELINE_CACHE points inside raw/, where a cache cannot live" in result.stderr
    assert sorted(p.relative_to(repo).as_posix() for p in (repo / "raw").rglob("*")) == before


def test_a_cache_pointed_into_the_release_is_refused(tmp_path, monkeypatch):
    repo = copy_repo(tmp_path / "repo")
    before = digest(repo / "output")
    monkeypatch.setenv("PIPELINE_CACHE", str(repo / "output" / "cache"))
    result = run(repo, "check")
    assert result.code == 1 and "PIPELINE_CACHE points inside output/, where a cache cannot live" in result.stderr
    assert digest(repo / "output") == before


def test_a_shared_cache_folder_keeps_files_that_are_not_the_caches_own(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    (shared / "index").mkdir(parents=True)
    (shared / "index" / "notes.txt").write_text("someone's file")
    (shared / "index" / ("0" * 63 + "x")).write_text("not an index name")
    monkeypatch.setenv("PIPELINE_CACHE", str(shared))
    repo = copy_repo(tmp_path / "repo", with_output=False)
    assert run(repo, "check").code == 0
    assert (shared / "index" / "notes.txt").read_text() == "someone's file"
    assert (shared / "index" / ("0" * 63 + "x")).exists()
    assert len([p for p in (shared / "index").iterdir()]) == 3  # the two files and this code's index
