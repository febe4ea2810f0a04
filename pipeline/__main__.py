"""Command line of the pipeline. Problems are printed as `file:line: what is wrong` and the exit
status is 1; a curator never sees a traceback for bad input.

  check    verify sources, mappings and schemas (fast: no Great Expectations, nothing written)
  build    check, compare row counts, run the release gate, publish output/ all at once
  counts   record the current row counts in schemas/row_counts.csv (after reviewing the change)
  release  freeze output/ as output/releases/<version>/ with checksums, changelog entry and diff
  diff     compare two releases (folders with parquet/), e.g. output/releases/1.0.0 output
"""
from __future__ import annotations

import argparse
import sys
import time

from .problems import Problems, StageFailed


def _report(failed: StageFailed) -> int:
    items = failed.problems.sorted()
    for p in items:
        print(p, file=sys.stderr)
    print(f"\n{len(items)} problem(s); nothing was published, output/ is unchanged.", file=sys.stderr)
    return 1


def _build(assembled, out: str | None, force: bool) -> str:
    from pathlib import Path

    from . import fingerprint, row_counts
    from .gate import run_gate
    from .publish import publish

    problems = Problems()
    for diff in row_counts.differences(assembled.frames):
        problems.add("schemas/row_counts.csv", 1, diff + "; if the change is intended, run `make counts` and commit it")
    if problems:
        raise StageFailed(problems)
    totals = {t: n for (t, s), n in (row_counts.expected() or {}).items() if s == row_counts.ALL}
    stamp = fingerprint.compute()

    def gate_and_docs(folder: Path) -> None:
        run_gate(assembled.registry, assembled.frames, totals, folder / "validation")
        fingerprint.write(folder, stamp)

    target = publish(assembled, out, extra=gate_and_docs)
    return f"published {target}"


def _release_or_diff(args) -> int:
    from pathlib import Path

    from .release import freeze, published_versions
    from .paths import OUTPUT

    try:
        if args.command == "release":
            print(f"release: froze {freeze()}")
            return 0
        from .diff import diff_releases, render

        versions = published_versions()
        old = Path(args.old) if args.old else (OUTPUT / "releases" / versions[-1] if versions else None)
        for folder in filter(None, (old, Path(args.new))):
            if not (folder / "parquet").is_dir():
                print(f"{folder}: not a release folder (no parquet/ inside)", file=sys.stderr)
                return 1
        print(render(diff_releases(old, Path(args.new)), str(old or "nothing"), args.new), end="")
        return 0
    except StageFailed as failed:
        return _report(failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="verify sources, mappings and schemas; print every problem (fast)")
    build = sub.add_parser("build", help="check, gate, then publish output/ all at once")
    build.add_argument("--out", default=None, help="publish here instead of output/")
    build.add_argument("--force", action="store_true", help="build even when no input changed")
    sub.add_parser("counts", help="write the current row counts to schemas/row_counts.csv")
    sub.add_parser("release", help="freeze output/ as output/releases/<version>/")
    diff = sub.add_parser("diff", help="compare two releases")
    diff.add_argument("old", nargs="?", default=None, help="older release folder (default: the latest frozen release)")
    diff.add_argument("new", nargs="?", default="output", help="newer release folder (default: output)")
    args = parser.parse_args(argv)
    if args.command in ("release", "diff"):
        return _release_or_diff(args)
    started = time.perf_counter()
    if args.command == "build" and not args.force and args.out is None:
        from . import fingerprint

        if fingerprint.is_current():
            print("build: output/ is up to date (no input changed); `make rebuild` forces a build")
            return 0
    try:
        from .assemble import assemble

        assembled = assemble()
        done = "ok"
        if args.command == "build":
            done = _build(assembled, args.out, args.force)
        elif args.command == "counts":
            from . import row_counts

            row_counts.PATH.write_text(row_counts.render(row_counts.observed(assembled.frames)), encoding="utf-8")
            done = f"wrote {row_counts.PATH.name}"
    except StageFailed as failed:
        return _report(failed)
    counts = ", ".join(f"{n} {len(df)}" for n, df in assembled.frames.items())
    print(f"{args.command}: {done} in {time.perf_counter() - started:.2f}s\n  rows: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
