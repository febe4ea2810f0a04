"""A build that fails or is interrupted leaves the last good release exactly as it was; two
builds of the same inputs are byte-identical."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_pipeline, snapshot
from pipeline import publish as publish_module
from pipeline.assemble import assemble


def test_a_build_that_fails_while_writing_leaves_output_untouched(tmp_path):
    target = tmp_path / "output"
    assembled = assemble()
    publish_module.publish(assembled, str(target))
    before = snapshot(target)

    def explode(folder: Path) -> None:
        raise KeyboardInterrupt("interrupted after the files were staged")

    with pytest.raises(KeyboardInterrupt):
        publish_module.publish(assembled, str(target), extra=explode)
    assert snapshot(target) == before
    assert not list(tmp_path.glob(".build-tmp-*")), "the staging folder was left behind"


def test_a_swap_interrupted_between_its_renames_is_repaired_by_the_next_run(tmp_path):
    target = tmp_path / "output"
    previous = tmp_path / ".output-previous"
    previous.mkdir()
    (previous / "SHA256SUMS").write_text("last good release\n")
    publish_module.recover(target)
    assert (target / "SHA256SUMS").read_text() == "last good release\n"
    assert not previous.exists()


def test_two_builds_of_the_same_inputs_are_byte_identical(fresh_build, tmp_path):
    again = tmp_path / "again"
    result = run_pipeline(ROOT, "build", "--out", str(again))
    assert result.returncode == 0, result.stderr
    published = lambda folder: {k: v for k, v in snapshot(folder).items() if not k.startswith(("validation/", ".build"))}
    assert published(again) == published(fresh_build)


def test_a_fresh_clone_gets_its_data_docs_from_the_first_build_and_then_builds_are_no_ops(repo_copy):
    """output/validation/ is not committed, so a clone's output/ is incomplete until built once."""
    shutil.rmtree(repo_copy / "output" / "validation", ignore_errors=True)
    sums = (repo_copy / "output" / "SHA256SUMS").read_bytes()
    first = run_pipeline(repo_copy, "build")
    assert first.returncode == 0, first.stderr
    assert "published" in first.stdout
    assert (repo_copy / "output" / "validation" / "index.html").is_file()
    assert (repo_copy / "output" / "SHA256SUMS").read_bytes() == sums  # same inputs, same bytes
    second = run_pipeline(repo_copy, "build")
    assert second.returncode == 0 and "up to date" in second.stdout
