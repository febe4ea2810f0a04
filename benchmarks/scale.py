"""How cost grows with the number of sources: `make bench-scale N="500 5000"`.

For each N, a temporary copy of the project is made (never touching raw/) with N synthetic
sources: each of the five real sources replicated with its sidecar and its mapping under a new
source_id, and schemas/row_counts.csv scaled to match. On it we measure, each in a fresh process:

- a cold check (empty verification cache),
- a check after editing one mapping (the curator's loop),
- a forced build (gate and publishing included, into a temporary folder),

with wall time, peak memory of all processes together, and fact rows per second. With two or more
values of N the last line compares the cost per row of the largest with the smallest: 1.0 is
perfectly linear.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from measure import run

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipeline.registry.model import registry  # noqa: E402

FACT_TABLES = {t.name for t in registry().fact_tables()}
COPIED = ("schemas", "pipeline", "requirements.lock", "CHANGELOG.md", "CITATION.cff", "LICENSE.md")


def synthesize(dest: Path, n: int) -> int:
    """A copy of the project with n sources; returns the number of fact rows it holds."""
    for name in COPIED:
        src = ROOT / name
        (shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__")) if src.is_dir()
         else shutil.copy2(src, dest / name))
    shutil.copytree(ROOT / "raw" / "taxonomy", dest / "raw" / "taxonomy")
    shutil.copytree(ROOT / "raw" / "reference", dest / "raw" / "reference")
    (dest / "raw" / "sources").mkdir(parents=True)
    (dest / "raw" / "mappings").mkdir(parents=True)
    originals = sorted(p.stem for p in (ROOT / "raw" / "sources").glob("*.yaml"))
    with (ROOT / "schemas" / "row_counts.csv").open(encoding="utf-8") as fh:
        counts = [r for r in csv.DictReader(fh)]
    per_source = {(r["table"], r["source_id"]): int(r["rows"]) for r in counts if r["source_id"] != "*"}
    totals = {r["table"]: int(r["rows"]) for r in counts if r["source_id"] == "*"}
    rows: dict[tuple[str, str], int] = {}
    fact_rows = 0
    for k in range(n):
        base = originals[k % len(originals)]
        new = f"{base}-x{k:05d}"
        text = (ROOT / "raw/sources" / f"{base}.txt").read_bytes()
        (dest / "raw/sources" / f"{new}.txt").write_bytes(text)
        for folder in ("sources", "mappings"):
            body = (ROOT / "raw" / folder / f"{base}.yaml").read_text(encoding="utf-8")
            body = re.sub(rf"^source_id: {re.escape(base)}$", f"source_id: {new}", body, count=1, flags=re.M)
            (dest / "raw" / folder / f"{new}.yaml").write_text(body, encoding="utf-8")
        for (table, source), count in per_source.items():
            if source == base:
                rows[(table, new)] = count
                if table in FACT_TABLES:
                    fact_rows += count
    for table, total in totals.items():
        scaled = sum(c for (t, _), c in rows.items() if t == table)
        rows[(table, "*")] = n if table == "sources" else (scaled if scaled or table in {t for t, _ in per_source} else total)
    with (dest / "schemas" / "row_counts.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["table", "source_id", "rows"])
        for (table, source), count in sorted(rows.items()):
            w.writerow([table, source, count])
    return fact_rows


def edit_one_mapping(repo: Path) -> None:
    path = sorted((repo / "raw" / "mappings").glob("*.yaml"))[len(list((repo / "raw" / "mappings").glob("*.yaml"))) // 2]
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^(\s*text_en: )(.+)$", lambda m: m.group(1) + m.group(2) + " (edited)", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    sizes = [int(x) for x in (sys.argv[1:] or os.environ.get("N", "500").split())]
    py = sys.executable
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    print("| N sources | fact rows | step | wall time | peak memory | fact rows per second |")
    print("| ---: | ---: | --- | ---: | ---: | ---: |")
    per_row = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-scale-{n}-") as tmp:
            repo = Path(tmp) / "repo"
            facts = synthesize(repo, n)
            env = {k: v for k, v in os.environ.items() if k != "PIPELINE_CACHE"}
            steps = [("cold check", ["check"], None), ("check after editing one mapping", ["check"], edit_one_mapping),
                     ("forced build", ["build", "--force", "--out", f"{tmp}/output"], None)]
            for label, args, before in steps:
                if before:
                    before(repo)
                seconds, peak, _ = run([py, "-m", "pipeline", *args], repo, env)
                print(f"| {n:,} | {facts:,} | {label} | {seconds:.1f} s | {peak:,.0f} MiB | {facts / seconds:,.0f} |",
                      flush=True)
                per_row.setdefault(label, {})[n] = seconds / facts
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        print(f"\ncost per fact row, N = {large:,} over N = {small:,} (1.0 = linear):")
        for label, by_n in per_row.items():
            print(f"- {label}: {by_n[large] / by_n[small]:.2f}")


if __name__ == "__main__":
    main()
