"""Publishing: at every instant output/ is the complete previous release or the complete new one;
a killed build leaves at most leftovers that the next command removes; two builds of the same
inputs are byte-identical."""
from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_repo, digest, run

from pipeline.release import publish as publish_module


def complete(out: Path) -> bool:
    """Every file SHA256SUMS lists is there with its checksum, and nothing else but what it
    leaves out by design (frozen releases, the build stamp)."""
    sums = out / "SHA256SUMS"
    if not sums.is_file():
        return False
    listed = dict(reversed(line.split("  ", 1)) for line in sums.read_text(encoding="utf-8").splitlines())
    for rel, digest_ in listed.items():
        if hashlib.sha256((out / rel).read_bytes()).hexdigest() != digest_:
            return False
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    extra = {p for p in present - set(listed) - {"SHA256SUMS", ".build-inputs"} if not p.startswith("releases/")}
    return not extra


def test_the_swap_exchanges_two_folders_in_one_step(tmp_path):
    old, new = tmp_path / "output", tmp_path / ".build-tmp-x"
    old.mkdir()
    new.mkdir()
    (old / "which").write_text("old")
    (new / "which").write_text("new")
    publish_module.swap_in(new, old)
    assert (old / "which").read_text() == "new" and (new / "which").read_text() == "old"


def test_a_swap_killed_between_two_renames_is_repaired_by_the_next_command(tmp_path):
    """Where RENAME_EXCHANGE is missing the swap takes two renames; dying between them leaves the
    old release under .output-previous and no output/, which the next command restores."""
    target, previous = tmp_path / "output", tmp_path / ".output-previous"
    previous.mkdir()
    (previous / "SHA256SUMS").write_text("last good release\n")
    with publish_module.locked(tmp_path):
        publish_module.clean_leftovers(target)
    assert (target / "SHA256SUMS").read_text() == "last good release\n"
    assert not previous.exists()


def test_any_command_removes_what_a_killed_build_left(repo):
    (repo / ".build-tmp-12345-deadbeef" / "csv").mkdir(parents=True)
    (repo / "output" / "releases" / ".9.9.9.tmp").mkdir(parents=True)
    result = run(repo, "check")
    assert result.code == 0, result.stderr
    assert "cleaned up after an interrupted build: .build-tmp-12345-deadbeef" in result.stderr
    assert not list(repo.glob(".build-tmp-*")) and not (repo / "output/releases/.9.9.9.tmp").exists()


PUBLISH_FOREVER = """
import hashlib, sys
from pathlib import Path
from pipeline.release.publish import publish
target, n = Path(sys.argv[1]), 0
while True:
    n += 1
    files = {f"csv/t{i}.csv": (f"release {n} file {i}\\n" * 2000).encode() for i in range(40)}
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(d).hexdigest()}  {p}\\n" for p, d in sorted(files.items())).encode()
    publish(files, target)
"""


def test_publishing_killed_at_random_moments_never_leaves_an_incomplete_output(tmp_path):
    """A process publishes release after release; SIGKILL lands at random moments (writing the
    staging folder, linking frozen releases, swapping, deleting the old one). After every kill
    output/ is one complete release, and the next publish cleans up what the kill left."""
    target = tmp_path / "output"
    (target / "releases" / "1.0.0").mkdir(parents=True)
    (target / "releases" / "1.0.0" / "frozen.txt").write_text("never changes\n")
    rnd = random.Random(20261125)
    for attempt in range(12):
        proc = subprocess.Popen([sys.executable, "-c", PUBLISH_FOREVER, str(target)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rnd.uniform(0.15, 0.45))  # interpreter start-up, then publishing for a while
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        assert b"Traceback" not in err, err.decode()
        if (target / "SHA256SUMS").exists():
            assert complete(target), f"output/ incomplete after kill {attempt}"
            assert (target / "releases/1.0.0/frozen.txt").read_text() == "never changes\n"
    with publish_module.locked(tmp_path):
        publish_module.clean_leftovers(target)
    assert not list(tmp_path.glob(".build-tmp-*"))


def test_a_build_killed_at_random_moments_leaves_the_old_release_or_the_new_one_whole(tmp_path):
    """The killed builds publish a CHANGED release (one translation edited), so a kill that lands
    after the swap is told apart from one before it: after every kill output/ is, file for file,
    either the old release or the new one, never a mix; a build left to finish gives the new one."""
    repo = copy_repo(tmp_path / "repo")
    def release_files(folder):  # the release itself: the frozen versions beside it are not rebuilt
        return {k: v for k, v in digest(folder).items() if k != ".build-inputs" and not k.startswith("releases/")}

    old = release_files(repo / "output")
    mapping = repo / "raw/mappings/ru-csr-duties-and-responsibilities.yaml"
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text.replace("text_en: Customer service representative", "text_en: Customer-service representative", 1),
                       encoding="utf-8")
    assert run(repo, "build", "--out", str(tmp_path / "new")).code == 0
    new = release_files(tmp_path / "new")
    assert new != old
    rnd = random.Random(7)
    found = []
    for delay in (rnd.uniform(0.3, 1.5), rnd.uniform(1.5, 4.0), rnd.uniform(4.0, 6.5), 600):
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "build", "--force"], cwd=repo,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        assert complete(repo / "output"), f"output/ incomplete after a kill at {delay:.2f}s"
        after = release_files(repo / "output")
        assert after in (old, new), f"after a kill at {delay:.2f}s output/ is neither the old release nor the new one"
        found.append("new" if after == new else "old")
    assert found[-1] == "new"  # the build that was let finish published the changed release
    result = run(repo, "check")
    assert result.code == 0 and not list(repo.glob(".build-tmp-*"))


def test_a_fresh_clone_builds_once_then_builds_are_no_ops(repo):
    """The build stamp records the inputs the release was built from; with it missing (or stale)
    `make build` rebuilds, with it current `make build` returns at once."""
    from pipeline.common.paths import Layout
    from pipeline.release import fingerprint

    assert fingerprint.is_current(Layout(repo), repo / "output")
    assert "up to date" in run(repo, "build").stdout
    (repo / "output" / ".build-inputs").unlink()
    assert not fingerprint.is_current(Layout(repo), repo / "output")
    (repo / "output" / ".build-inputs").write_text("stale\n")
    assert not fingerprint.is_current(Layout(repo), repo / "output")


def _everything(folder: Path) -> dict[str, str]:
    """Every file below `folder` (symlinks as their target) with a digest: what a refused build must leave."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


@pytest.mark.parametrize("where, expected", [
    ("raw/x", "is inside raw/, which the pipeline never writes"),
    ("schemas", "is inside schemas/, which the pipeline never writes"),
    ("LICENSE.md", "exists and is not a folder"),
    (".", "is the repository or a folder that holds it"),
    ("raw/..", "is the repository or a folder that holds it"),
    ("..", "is the repository or a folder that holds it"),
    ("output/releases/2.0.0", "is a frozen release, which is never rewritten"),
    ("../elsewhere", "is a folder that holds files but no release"),
    ("../dangling", "exists and is not a folder"),
])
def test_a_build_into_a_target_it_would_destroy_is_refused_and_nothing_changes(tmp_path, where, expected):
    repo = copy_repo(tmp_path / "repo")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "notes.txt").write_text("someone's file")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    before = _everything(tmp_path)
    target = repo / where
    result = run(repo, "build", "--force", "--out", str(target))
    assert result.code == 1, result.stdout + result.stderr
    assert f"{target}:1: --out {target} {expected}" in result.stderr, result.stderr
    assert _everything(tmp_path) == before


def test_a_build_into_a_new_or_empty_folder_or_a_release_it_made_is_allowed(tmp_path, release):
    empty = tmp_path / "empty"
    empty.mkdir()
    for target in (tmp_path / "new" / "release", empty, empty):  # the second time, it holds a release
        result = run(ROOT, "build", "--out", str(target))
        assert result.code == 0, result.stderr
        assert digest(target) == digest(release)


def test_the_build_stamp_reads_only_the_inputs_whose_stat_stamp_changed(tmp_path, monkeypatch):
    """A build's stamp hashes every input; with the cache's record of their digests by stat stamp it
    reads only the files changed since (at 2,000 sources, 60 MB it need not read again), and still
    changes with any of them, the same as a stamp computed from scratch."""
    from pipeline.common.cache import FileDigests
    from pipeline.common.paths import Layout
    from pipeline.release import fingerprint

    for rel, text in {"raw/sources/a.txt": "one", "schemas/tables.yaml": "t: 1", "pipeline/x.py": "x = 1"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    layout, known = Layout(tmp_path), FileDigests()
    first = fingerprint.compute(layout, known)
    assert first == fingerprint.compute(layout) and known.changed and len(known) == 3
    from pipeline.common import digests

    reads = []
    real = digests._read
    monkeypatch.setattr(digests, "_read", lambda path: reads.append(Path(path).name) or real(path))
    assert fingerprint.compute(layout, known) == first and reads == []
    time.sleep(0.01)  # a write in the same clock tick as the last one keeps its times (as for check's inputs)
    (tmp_path / "raw/sources/a.txt").write_text("two")  # same size
    again = fingerprint.compute(layout, known)
    assert reads == ["a.txt"] and again != first and again == fingerprint.compute(layout)
    (tmp_path / "pipeline/__pycache__").mkdir()
    (tmp_path / "pipeline/__pycache__/x.cpython-311.pyc").write_bytes(b"compiled")  # never an input
    assert fingerprint.compute(layout, known) == again
    (tmp_path / "raw/sources/a-b.txt").write_text("new")  # any new input changes it
    assert fingerprint.compute(layout, known) not in (first, again)
