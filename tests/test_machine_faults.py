"""A fault of the machine is said as one: a full disk, a read-only folder, too many open files, too
little memory, a worker killed by the kernel, the cache deleted underneath. Each is one line naming
the cause, the path where there is one, and what to do; it is never blamed on an input (no
`file:line`), never called a bug, and output/ stays exactly as it was.

The faults are raised where the operating system would raise them (the same OSError with its
errno, the same MemoryError, the same SIGKILL of a worker), in this process and in the workers it
forks, since a test machine cannot be made to run out of disk or memory on demand."""
from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from conftest import digest, run


def _fails_as_machine_fault(repo, expected: str, *args: str) -> str:
    before = digest(repo / "output")
    result = run(repo, *(args or ("build", "--force")))
    assert result.code == 3, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "a fault of the machine, not of your input" in lines[0] and expected in lines[0], lines[0]
    assert "bug" not in lines[0] and "internal error" not in lines[0] and "schemas/" not in lines[0]
    assert digest(repo / "output") == before, "a machine fault changed output/"
    return lines[0]


def test_a_full_disk_while_writing_the_release_is_named_with_its_path(repo, monkeypatch):
    from pipeline.release import write

    real = write.Written.bytes

    def full(self, rel, data):
        if rel == "datapackage.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(self.folder / rel))
        return real(self, rel, data)

    monkeypatch.setattr(write.Written, "bytes", full)
    line = _fails_as_machine_fault(repo, "the disk is full at ")
    assert "datapackage.json" in line and "free space" in line


def test_a_read_only_folder_says_where_to_write_instead(repo, monkeypatch):
    from pipeline.release import write

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(repo / "output"))

    monkeypatch.setattr(write, "write_parquet", read_only)
    line = _fails_as_machine_fault(repo, "the file system is read-only at ")
    assert "--out" in line


def test_too_many_open_files_says_how_to_raise_the_limit(repo, monkeypatch):
    from pipeline.release import write

    def no_files(*args, **kwargs):
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(write, "write_annotations", no_files)
    assert "ulimit -n" in _fails_as_machine_fault(repo, "too many files are open")


def test_too_little_memory_in_the_release_gate_is_not_blamed_on_the_registry(repo, monkeypatch, tmp_path):
    from pipeline.validation import gate

    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cache"))  # no verdict kept: the gate judges every batch

    def out_of_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(gate, "run_suites", out_of_memory)  # the gate's worker is forked with it
    _fails_as_machine_fault(repo, "the machine ran out of memory")


def test_a_gate_worker_killed_by_the_kernel_is_said_to_be_short_of_memory(repo, monkeypatch, tmp_path):
    from pipeline.validation import gate

    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cache"))  # no verdict kept: the gate judges every batch

    def killed_by_the_kernel(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(gate, "run_suites", killed_by_the_kernel)
    _fails_as_machine_fault(repo, "was killed (signal 9), most likely by the kernel for lack of memory")


def test_the_cache_deleted_while_the_build_runs_is_named_as_such(repo, monkeypatch, shared_cache):
    import shutil

    from pipeline import build

    validate = build.validate_partitions

    def then_delete_the_cache(*args, **kwargs):  # after the check found every partition's rows
        verdict = validate(*args, **kwargs)
        shutil.rmtree(shared_cache)
        return verdict

    monkeypatch.setattr(build, "validate_partitions", then_delete_the_cache)
    line = _fails_as_machine_fault(repo, "a file of the verification cache disappeared while the command ran")
    assert str(shared_cache) in line and "run the command again" in line


@pytest.mark.parametrize("message, cause", [("database or disk is full", "the disk is full"),
                                            ("attempt to write a readonly database", "the file system is read-only")])
def test_sqlite_saying_the_disk_is_full_or_read_only_is_a_machine_fault(repo, monkeypatch, message, cause):
    import sqlite3

    from pipeline.release import write

    def sqlite_fails(*args, **kwargs):
        raise sqlite3.OperationalError(message)

    monkeypatch.setattr(write, "write_sqlite", sqlite_fails)  # in the forked writer, as it would fail there
    _fails_as_machine_fault(repo, cause)


def test_a_defect_of_the_pipeline_is_still_called_one(repo, monkeypatch):
    from pipeline.release import write

    def defect(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(write, "write_annotations", defect)
    result = run(repo, "build", "--force")
    assert result.code == 2 and "internal error" in result.stderr and "fault of the machine" not in result.stderr


# --- the real thing, where this machine lets a test mount a small or read-only file system ---------

def _mount(*args: str) -> bool:
    import subprocess

    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(path) -> None:
    import subprocess

    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def tiny_disk(tmp_path):
    disk = tmp_path / "tiny"
    disk.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)):
        pytest.skip("this machine does not let a test mount a file system")
    yield disk
    _umount(disk)


def test_publishing_to_a_full_disk_is_said_to_be_a_full_disk_and_leaves_nothing_behind(repo, tiny_disk):
    from conftest import run_process

    done = run_process(repo, "build", "--force", "--out", str(tiny_disk / "release"))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "a fault of the machine, not of your input: the disk is full" in done.stderr
    assert "Traceback" not in done.stderr and "bug" not in done.stderr
    assert [p.name for p in tiny_disk.iterdir() if not p.name.startswith(".build")] == []  # no half release


@pytest.fixture
def read_only_checkout(repo, tmp_path):
    view = tmp_path / "read-only"
    view.mkdir()
    if not (_mount("--bind", str(repo), str(view)) and _mount("-o", "remount,bind,ro", str(view))):
        _umount(view)
        pytest.skip("this machine does not let a test mount a read-only view")
    yield view
    _umount(view)


def test_a_read_only_checkout_can_check_and_build_elsewhere(read_only_checkout, tmp_path):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_CACHE"}  # the cache falls back to .cache/, read-only
    checked = subprocess.run([sys.executable, "-m", "pipeline", "check"], cwd=read_only_checkout, env=env,
                             capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stderr
    out = tmp_path / "release"
    built = subprocess.run([sys.executable, "-m", "pipeline", "build", "--out", str(out)], cwd=read_only_checkout,
                           env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    sums = dict(line.split("  ")[::-1] for line in (out / "SHA256SUMS").read_text().splitlines())
    files = digest(out)
    assert sums and all(files[rel] == sha for rel, sha in sums.items())  # a whole release, as verified


def test_a_symlinked_output_stays_a_symlink_and_receives_the_release(repo, tmp_path):
    elsewhere = tmp_path / "other-disk" / "release"
    elsewhere.parent.mkdir()
    (repo / "output").rename(elsewhere)
    (repo / "output").symlink_to(elsewhere)
    before = {k: v for k, v in digest(elsewhere).items() if k != ".build-inputs"}
    result = run(repo, "build", "--force")
    assert result.code == 0, result.stderr
    assert (repo / "output").is_symlink() and (repo / "output").resolve() == elsewhere.resolve()
    assert {k: v for k, v in digest(elsewhere).items() if k != ".build-inputs"} == before  # rewritten in place
    assert sorted(p.name for p in elsewhere.parent.iterdir()) == [".build.lock", "release"]


def test_a_leftover_that_cannot_be_removed_is_said_so(repo, monkeypatch):
    from pipeline.release import publish

    leftover = repo / f"{publish.STAGING_PREFIX}123-deadbeef"
    (leftover / "parquet").mkdir(parents=True)
    monkeypatch.setattr(publish.shutil, "rmtree", lambda path, onerror=None: None)  # as if every file resisted
    result = run(repo, "build")
    assert f"could not clean up after an interrupted build: {leftover.name}" in result.stderr
    assert "remove it by hand" in result.stderr and "cleaned up after" not in result.stderr


def test_a_source_text_changed_while_the_build_runs_is_reported_never_published_torn(repo, monkeypatch):
    from pipeline.release import write

    real = write.write_parquet
    text = repo / "raw/sources/ru-csr-duties-and-responsibilities.txt"

    def meanwhile_an_editor_saves(*args, **kwargs):  # after the texts were verified, before they are copied
        text.write_bytes(text.read_bytes() + b"\nedited\n")
        monkeypatch.setattr(write, "write_parquet", real)
        return real(*args, **kwargs)

    monkeypatch.setattr(write, "write_parquet", meanwhile_an_editor_saves)
    from pipeline.curation import sources

    monkeypatch.setattr(sources.Source, "text", property(sources.Source.text.func))  # read when used, as in a cold build
    before = digest(repo / "output")
    result = run(repo, "build", "--force")
    assert result.code == 1 and "raw/sources/ru-csr-duties-and-responsibilities.txt:1: the text changed while" in result.stderr
    assert digest(repo / "output") == before


def test_a_task_handed_after_a_failed_build_closed_the_workers_forks_no_second_pool():
    """When a build fails, its workers are killed while a thread may still be handing writers to
    them; such a late task must be refused, not given a second pool of workers that nothing shuts
    (whose threads, at exit, printed a traceback after the build's own message)."""
    from pipeline.common.workers import Workers

    workers = Workers(2)
    assert workers.submit(os.getpid).result() != os.getpid()
    workers.close(failed=True)
    with pytest.raises(RuntimeError, match="closed"):
        workers.submit(os.getpid)
    assert not workers.started


def test_an_output_folder_that_is_a_mount_point_is_said_to_be_one_before_anything_is_written(repo, monkeypatch):
    """A volume mounted at output/ cannot be replaced by renaming (the kernel says EBUSY)."""
    from pipeline.release import publish

    real = publish.os.path.ismount
    monkeypatch.setattr(publish.os.path, "ismount", lambda path: Path(path) == repo / "output" or real(path))
    line = _fails_as_machine_fault(repo, "a mount point, which cannot be replaced by renaming it")
    assert str(repo / "output") in line and "symlink to the mounted folder" in line
    assert not list(repo.glob(".build-tmp-*"))


def test_a_busy_folder_met_when_the_release_is_swapped_in_is_a_machine_fault(repo, monkeypatch):
    import errno

    from pipeline.release import publish

    def busy(staging, target):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(target))

    monkeypatch.setattr(publish, "swap_in", busy)
    line = _fails_as_machine_fault(repo, "the folder is busy or a mount point")
    assert str(repo / "output") in line
