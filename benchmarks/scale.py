"""How cost grows with the number of sources: `make bench-scale N="500 5000"`, and how one
revision's code compares with another's on the same machine in one run: `make bench-scale N=2000
BASE=HEAD` (or `scale.py --base REV 2000`).

For each N, a temporary copy of the project is made (never touching raw/) with N synthetic
sources: each of the five real sources replicated with its sidecar and its mapping under a new
source_id, and schemas/row_counts.csv scaled to match. On it we measure, each in a fresh process
with PIPELINE_CACHE unset (so each copy has its own cache, in its .cache/):

- a cold check (empty verification cache),
- a first build, `build --out DIR` into an empty folder,
- a build after editing one mapping: `build --out DIR` again, into the release of the first build,
  with exactly one mapping changed since (and not checked: the build verifies it),
- a forced build of the same inputs into another folder, `build --force --out DIR2`,
- whether the release after the edit is byte-identical to that forced build: every file of the
  two folders compared byte for byte, `.build-inputs` (the stamp of the inputs) and SHA256SUMS
  included, and every file SHA256SUMS lists present with that sha256 in each folder,
- a check after editing another mapping (the curator's loop),

with wall time, peak memory (PSS) of all processes together, and fact rows per second. With two or
more values of N the last lines compare the cost per row of the largest with the smallest: 1.0 is
perfectly linear.

With a base revision, a second copy is synthesized the same way from that revision's files (its
raw/, schemas/ and pipeline/, exported with `git archive`) and every step runs on both copies in
turn, base first, so both see the same load of this shared machine; the table gives both rows and
the ratio current/base. The current side is the working tree, or `--current REV` (a clean export
of that revision, e.g. while pipeline/ is being changed). Both sides run with this virtual
environment: the script says so when the two revisions' requirements.lock differ.

At N >= 2,000 (or with --targets) the issue's targets are printed beside the figures.
"""
from __future__ import annotations

import argparse
import csv
import filecmp
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from measure import RunFailed, run

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("schemas", "pipeline", "requirements.lock", "CHANGELOG.md", "CITATION.cff", "LICENSE.md")
EXPORTED = ("raw", *COPIED)  # what a copy is made from, taken from a revision with `git archive`

TARGETS_FROM = 2000
TIME_TARGETS = {"check after editing one mapping": 2.0, "build after editing one mapping": 12.0, "forced build": 35.0}
PEAK_TARGET = 2048  # MiB
IDENTICAL = "release after the edit vs forced build"


def fact_tables(root: Path) -> set[str]:
    """The fact tables of the registry of the checkout at `root`, asked of its own code in a process
    of its own (the code of another revision cannot be imported beside this one)."""
    code = "from pipeline.registry.model import registry; print(*(t.name for t in registry().fact_tables()))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if done.returncode != 0:
        raise SystemExit(f"reading the registry of {root} failed:\n{done.stderr[-3000:]}")
    return set(done.stdout.split())


def synthesize(dest: Path, n: int, root: Path = ROOT, facts: set[str] | None = None) -> int:
    """A copy of the project at `root` with n sources; returns the number of fact rows it holds."""
    facts = fact_tables(root) if facts is None else facts
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    shutil.copytree(root / "raw" / "taxonomy", dest / "raw" / "taxonomy")
    shutil.copytree(root / "raw" / "reference", dest / "raw" / "reference")
    (dest / "raw" / "sources").mkdir(parents=True)
    (dest / "raw" / "mappings").mkdir(parents=True)
    originals = sorted(p.stem for p in (root / "raw" / "sources").glob("*.yaml"))
    with (root / "schemas" / "row_counts.csv").open(encoding="utf-8") as fh:
        counts = [r for r in csv.DictReader(fh)]
    per_source = {(r["table"], r["source_id"]): int(r["rows"]) for r in counts if r["source_id"] != "*"}
    totals = {r["table"]: int(r["rows"]) for r in counts if r["source_id"] == "*"}
    rows: dict[tuple[str, str], int] = {}
    fact_rows = 0
    for k in range(n):
        base = originals[k % len(originals)]
        new = f"{base}-x{k:05d}"
        text = (root / "raw/sources" / f"{base}.txt").read_bytes()
        (dest / "raw/sources" / f"{new}.txt").write_bytes(text)
        for folder in ("sources", "mappings"):
            body = (root / "raw" / folder / f"{base}.yaml").read_text(encoding="utf-8")
            body = re.sub(rf"^source_id: {re.escape(base)}$", f"source_id: {new}", body, count=1, flags=re.M)
            (dest / "raw" / folder / f"{new}.yaml").write_text(body, encoding="utf-8")
        for (table, source), count in per_source.items():
            if source == base:
                rows[(table, new)] = count
                if table in facts:
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


def edit_one_mapping(repo: Path, position: float = 0.5) -> str:
    """Append " (edited)" to the first English text of the mapping at `position` (0 to 1) in name
    order; returns its name. The same file and the same edit on every copy of the same N."""
    paths = sorted((repo / "raw" / "mappings").glob("*.yaml"))
    path = paths[min(int(len(paths) * position), len(paths) - 1)]
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"^(\s*text_en: )(.+)$", lambda m: m.group(1) + m.group(2) + " (edited)", text, count=1, flags=re.M)
    if edited == text:
        raise SystemExit(f"{path}: no text_en line to edit")
    path.write_text(edited, encoding="utf-8")
    return path.name


# --- revisions ------------------------------------------------------------------------------------

def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed:\n{done.stderr.strip()}")
    return done.stdout.strip()


def resolve(rev: str) -> tuple[str, str]:
    """(full commit, short commit) of a revision, or a clear stop."""
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{rev!r} is not a commit of {ROOT} (git rev-parse); give a branch, tag or commit, e.g. HEAD")
    full = done.stdout.strip()
    return full, git("rev-parse", "--short", full)


def export(commit: str, dest: Path) -> Path:
    """The files a copy is made from, as they are at `commit` (git archive: nothing uncommitted)."""
    present = set(git("ls-tree", "--name-only", commit).splitlines())
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "--",
                              *[p for p in EXPORTED if p in present]], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def working_tree_note() -> str:
    changed = git("status", "--porcelain", "--", *EXPORTED)
    head = git("rev-parse", "--short", "HEAD")
    return f"working tree at {head}" + (f", with uncommitted changes in {len(changed.splitlines())} file(s)" if changed else "")


# --- comparing two releases ------------------------------------------------------------------------

def _files(tree: Path) -> dict[str, Path]:
    out = {}
    for folder, dirs, names in os.walk(tree):
        for name in names + [d for d in dirs if Path(folder, d).is_symlink()]:
            path = Path(folder, name)
            out[path.relative_to(tree).as_posix()] = path
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _listing_problems(tree: Path, files: dict[str, Path], side: str) -> list[str]:
    """Every file SHA256SUMS lists must be there with that sha256."""
    sums = tree / "SHA256SUMS"
    if not sums.is_file():
        return [f"SHA256SUMS: missing in the {side}"]
    problems = []
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        if not sep:
            problems.append(f"SHA256SUMS line {number}: not `sha256  path` in the {side}")
        elif rel not in files or files[rel].is_symlink():
            problems.append(f"{rel}: listed in SHA256SUMS but missing in the {side}")
        elif _sha256(files[rel]) != digest:
            problems.append(f"{rel}: its sha256 is not the one SHA256SUMS lists, in the {side}")
    return problems


def release_differences(edited: Path, forced: Path) -> list[str]:
    """What differs between the release built after the edit and the forced build of the same
    inputs: nothing is ignored. The build writes every file SHA256SUMS lists, SHA256SUMS itself, and
    `.build-inputs`, the digest of the inputs (raw/, schemas/, pipeline/, the lock file, the citation,
    the licence, the Python version) and nothing else: the same inputs give the same stamp, so it
    is compared like every other file."""
    a, b = _files(edited), _files(forced)
    problems = _listing_problems(edited, a, "release after the edit") + _listing_problems(forced, b, "forced build")
    for rel in sorted(a.keys() | b.keys()):
        if rel not in b:
            problems.append(f"{rel}: only in the release after the edit")
        elif rel not in a:
            problems.append(f"{rel}: only in the forced build")
        elif a[rel].is_symlink() or b[rel].is_symlink():
            if not (a[rel].is_symlink() and b[rel].is_symlink() and os.readlink(a[rel]) == os.readlink(b[rel])):
                problems.append(f"{rel}: a symbolic link in one release and not the same in the other")
        elif not filecmp.cmp(a[rel], b[rel], shallow=False):
            problems.append(f"{rel}: bytes differ")
    return problems


# --- the run ------------------------------------------------------------------------------------------

@dataclass
class Side:
    name: str  # "base" or "current"
    label: str  # as the table shows it
    source: Path  # the checkout the copy is made from
    work: Path = Path()
    facts: int = 0
    failed: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    peaks: dict[str, float] = field(default_factory=dict)
    differences: list[str] | None = None

    @property
    def repo(self) -> Path:
        return self.work / "repo"


STEPS = [  # (label, what to do to the copy first, the command's arguments; {release} and {forced} are folders)
    ("cold check", None, ["check"]),
    ("first build (into an empty folder)", None, ["build", "--out", "{release}"]),
    ("build after editing one mapping", lambda repo: edit_one_mapping(repo, 0.25), ["build", "--out", "{release}"]),
    ("forced build", None, ["build", "--force", "--out", "{forced}"]),
    (IDENTICAL, None, None),
    ("check after editing one mapping", lambda repo: edit_one_mapping(repo, 0.5), ["check"]),
]


def _target(label: str, seconds: float | None, peak: float | None, identical: bool | None = None) -> str:
    parts = []
    if label in TIME_TARGETS and seconds is not None:
        parts.append(f"≤ {TIME_TARGETS[label]:g} s: {'met' if seconds <= TIME_TARGETS[label] else 'MISSED'}")
    if peak is not None:
        parts.append(f"≤ 2 GiB: {'met' if peak <= PEAK_TARGET else 'MISSED'}")
    if identical is not None:
        parts.append(f"identical to forced: {'met' if identical else 'MISSED'}")
    return "; ".join(parts)


def measure_step(side: Side, label: str, before, args: list[str] | None, env: dict) -> tuple[str, str, str, str]:
    """Runs one step on one side; (wall time, peak, rate, target) cells of its row."""
    if side.failed:
        return "skipped (an earlier step failed)", "", "", ""
    if args is None:  # the comparison of the two releases
        side.differences = release_differences(side.work / "release", side.work / "forced")
        cell = "identical" if not side.differences else f"{len(side.differences)} difference(s), listed below"
        return cell, "—", "—", _target(label, None, None, not side.differences)
    if before:
        before(side.repo)
    command = [a.format(release=side.work / "release", forced=side.work / "forced") for a in args]
    try:
        seconds, peak, _ = run([sys.executable, "-m", "pipeline", *command], side.repo, env)
    except RunFailed as failed:
        side.failed = f"{label}: python -m pipeline {' '.join(command)} failed ({failed.returncode}):\n{failed.stderr[-3000:]}"
        return f"failed (exit {failed.returncode})", "", "", ""
    side.seconds[label], side.peaks[label] = seconds, peak
    return f"{seconds:.1f} s", f"{peak:,.0f} MiB", f"{side.facts / seconds:,.0f}", _target(label, seconds, peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, help="numbers of sources (default: $N, else 500)")
    parser.add_argument("--base", default=os.environ.get("BASE") or None,
                        help="also measure the pipeline of this git revision, side by side (default: $BASE)")
    parser.add_argument("--current", default=os.environ.get("CURRENT") or None,
                        help="measure this git revision as the current side instead of the working tree (default: $CURRENT)")
    parser.add_argument("--targets", action="store_true", help=f"print the targets even below N = {TARGETS_FROM:,}")
    opts = parser.parse_args()
    sizes = opts.sizes or [int(x) for x in os.environ.get("N", "").split()] or [500]
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_CACHE"}
    show_targets = opts.targets or max(sizes) >= TARGETS_FROM

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-scale-src-") as src:
        sides = []
        if opts.base:
            full, short = resolve(opts.base)
            sides.append(Side("base", f"base {short}", export(full, Path(src) / "base")))
            print(f"base: {opts.base} = {short}, exported with git archive")
        if opts.current:
            full, short = resolve(opts.current)
            sides.append(Side("current", f"current {short}", export(full, Path(src) / "current")))
            print(f"current: {opts.current} = {short}, exported with git archive")
        else:
            sides.append(Side("current", "current", ROOT))
            print(f"current: {working_tree_note()}")
        if len(sides) == 2 and (sides[0].source / "requirements.lock").read_bytes() != (sides[1].source / "requirements.lock").read_bytes():
            print(f"note: requirements.lock differs between the two sides; both run with {sys.executable}")
        facts = {side.name: fact_tables(side.source) for side in sides}
        print()
        paired = len(sides) == 2
        header = ["N sources", "fact rows", "step"] + (["code"] if paired else []) + ["wall time", "peak memory", "fact rows per second"]
        align = ["---:", "---:", "---"] + (["---"] if paired else []) + ["---:", "---:", "---:"]
        if paired:
            header += ["current / base, time", "current / base, peak"]
            align += ["---:", "---:"]
        if show_targets:
            header.append(f"target (N ≥ {TARGETS_FROM:,})")
            align.append("---")
        print("| " + " | ".join(header) + " |")
        print("| " + " | ".join(align) + " |")
        per_row: dict[str, dict[str, dict[int, float]]] = {}
        failures: list[str] = []
        peaks: list[str] = []
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix=f"bench-scale-{n}-") as tmp:
                for side in sides:
                    side.work, side.failed, side.differences = Path(tmp) / side.name, "", None
                    side.seconds, side.peaks = {}, {}
                    side.facts = synthesize(side.repo, n, side.source, facts[side.name])
                for label, before, args in STEPS:
                    for side in sides:  # base first, then current: one step at a time, in turn
                        time_cell, peak_cell, rate_cell, target_cell = measure_step(side, label, before, args, env)
                        row = [f"{n:,}", f"{side.facts:,}", label] + ([side.label] if paired else [])
                        row += [time_cell, peak_cell, rate_cell]
                        if paired:
                            base, current = sides
                            ratios = ["", ""]
                            if side is current and label in base.seconds and label in current.seconds:
                                ratios = [f"{current.seconds[label] / base.seconds[label]:.2f}",
                                          f"{current.peaks[label] / base.peaks[label]:.2f}" if base.peaks[label] else "—"]
                            row += ratios
                        if show_targets:
                            row.append(target_cell if n >= TARGETS_FROM or opts.targets else "")
                        print("| " + " | ".join(row) + " |", flush=True)
                for side in sides:
                    for label, seconds in side.seconds.items():
                        per_row.setdefault(side.label, {}).setdefault(label, {})[n] = seconds / side.facts
                    if side.differences:
                        failures.append(f"N = {n:,}, {side.label}: the release after the edit differs from the forced build:\n"
                                        + "\n".join(f"  - {d}" for d in side.differences))
                    if side.failed:
                        failures.append(f"N = {n:,}, {side.label}: {side.failed}")
                    if show_targets and side.peaks and (n >= TARGETS_FROM or opts.targets):
                        peak = max(side.peaks.values())
                        peaks.append(f"- N = {n:,}, {side.label}: {peak:,.0f} MiB (≤ 2 GiB: {'met' if peak <= PEAK_TARGET else 'MISSED'})")
    if peaks:
        print("\npeak memory over all steps:\n" + "\n".join(peaks))
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        for who, by_label in per_row.items():
            print(f"\ncost per fact row, N = {large:,} over N = {small:,} (1.0 = linear)" + (f", {who}:" if paired else ":"))
            for label, by_n in by_label.items():
                if small in by_n and large in by_n:
                    print(f"- {label}: {by_n[large] / by_n[small]:.2f}")
    for failure in failures:
        print(f"\n{failure}", file=sys.stderr)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
