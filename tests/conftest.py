"""Shared fixtures.

- `release`: the release as the current code builds it from the current inputs, built once per
  session into a temporary folder and shared by every test that needs one.
- `repo`: a throw-away copy of the repository (real raw texts, real mappings, the committed
  release) in which a test breaks one thing, runs the real command line in this process, and looks
  at what a curator would see and at what happened to output/.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.__main__ import main
from pipeline.common.paths import Layout

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("raw", "schemas", "pipeline", "requirements.lock", "output", "CHANGELOG.md", "CITATION.cff", "LICENSE.md")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run(root: Path, *args: str) -> Run:
    """The command line, in this process, on the checkout at `root`. Before a build, Great
    Expectations is imported here once: a build's workers are forked from this process, so the many
    builds of a session inherit it instead of each importing it again in every worker (the build
    itself is the same either way)."""
    if args and args[0] == "build":
        import great_expectations  # noqa: F401
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args), layout=Layout(root))
    return Run(code, out.getvalue(), err.getvalue())


def run_process(root: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """The command line in its own process (for what must not share this one: signals, kills)."""
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=root, capture_output=True, text=True,
                          timeout=timeout)


def digest(folder: Path) -> dict[str, str]:
    """Every file of a folder with the sha256 of its bytes: to prove a failed build changed nothing."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_repo(dest: Path, with_output: bool = True) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = ROOT / name
        if name == "output" and not with_output:
            continue
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def csv_cells_differing_from_parquet(out: Path) -> list[str]:
    """Every cell of every CSV file read back against the same cell of its Parquet file: null is
    the empty field, a text is itself, a number reads back to the same number, a date is ISO."""
    import csv
    import datetime

    import pyarrow.parquet as pq

    differing = []
    for parquet in sorted((out / "parquet").glob("*.parquet")):
        table = pq.read_table(parquet)
        with open(out / "csv" / f"{parquet.stem}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        if rows[0] != table.column_names or len(rows) - 1 != table.num_rows:
            differing.append(f"{parquet.stem}: header or row count")
            continue
        for j, (name, values) in enumerate(table.to_pydict().items()):
            for i, value in enumerate(values):
                text = rows[i + 1][j]
                if value is None:
                    same = text == ""
                elif isinstance(value, float):
                    same = text != "" and float(text) == value
                elif isinstance(value, int):
                    same = text == str(value)
                elif isinstance(value, datetime.date):
                    same = text == value.isoformat()
                else:
                    same = text == value != ""
                if not same:
                    differing.append(f"{parquet.stem}.{name} row {i + 1}: {value!r} vs {text!r}")
    return differing


@pytest.fixture(scope="session", autouse=True)
def shared_cache(tmp_path_factory):
    """One verification cache for every copy of the repository a test makes: entries are keyed by
    content, so a copy with one file broken re-verifies that file only."""
    import os

    folder = tmp_path_factory.mktemp("cache")
    old = os.environ.get("PIPELINE_CACHE")
    os.environ["PIPELINE_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("PIPELINE_CACHE", None)
    else:
        os.environ["PIPELINE_CACHE"] = old


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo")


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    """The release as the current code builds it from the current inputs, in a temporary place."""
    out = tmp_path_factory.mktemp("release") / "output"
    result = run(ROOT, "build", "--out", str(out))
    assert result.code == 0, result.stderr
    return out


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one per test process: Playwright allows one sync session
    per process, so every test that needs a browser shares this one (never a downloaded browser)."""
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).is_file() else None)
    if path is None:
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser` (installs Debian's chromium and the CJK fonts), "
                    "or set CHROMIUM=/path/to/chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
