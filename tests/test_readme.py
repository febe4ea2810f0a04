"""Every Python snippet of the README runs, from the repository root, against the release."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

SNIPPETS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_shows_pandas_polars_duckdb_and_sqlite3():
    text = "\n".join(SNIPPETS)
    for library in ("import pandas", "import polars", "import duckdb", "import sqlite3", "char_start"):
        assert library in text


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.split("\n")[0] for s in SNIPPETS])
def test_readme_snippet_runs(snippet):
    result = subprocess.run([sys.executable, "-c", snippet], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the snippet printed nothing"
