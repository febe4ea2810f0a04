"""Shared fixtures. Failure cases run the real command line on a throw-away copy of the
repository (real raw texts, real mappings, the committed release), break one thing, and look at
what a curator would see and what happened to output/."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("raw", "schemas", "pipeline", "requirements.lock", "output", "CHANGELOG.md", "CITATION.cff", "LICENSE.md")


def run_pipeline(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder with its bytes: to prove a failed build changed nothing."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    dest.mkdir()
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory) -> Path:
    """The release as the current code builds it from the current inputs, in a temporary place."""
    out = tmp_path_factory.mktemp("fresh") / "output"
    result = run_pipeline(ROOT, "build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out
