"""Command line of the pipeline. Problems are printed as `file:line: what is wrong; how to fix it`
and the exit status is 1; bad input never produces a traceback. A fault of the machine (a full
disk, a read-only folder, too many open files, too little memory) is said as such in one line, with
the path and what to do, and the exit status is 3; anything else unexpected is a defect (2).

  check    verify sources, mappings and schemas (fast: no Great Expectations, nothing written)
  build    check, run the release gate, publish output/ all at once (skipped when nothing changed)
  counts   record the current row counts in schemas/row_counts.csv (after reviewing the change)
  release  freeze output/ as output/releases/<version>/ with checksums, changelog entry and diff
  diff     compare two releases (folders with parquet/), e.g. output/releases/1.0.0 output
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from .common.faults import machine_fault
from .common.paths import Layout
from .common.problems import Problems, StageFailed


def _report(problems: Problems) -> int:
    items = problems.sorted()
    for p in items:
        print(p, file=sys.stderr)
    print(f"\n{len(items)} problem(s); nothing was published, output/ is unchanged.", file=sys.stderr)
    return 1


def _clean(layout: Layout, target: Path) -> None:
    """Remove what a killed build left behind, unless another build is running right now."""
    from .release.publish import clean_leftovers, locked

    if target.is_symlink():
        target = target.resolve()  # output/ on another disk: its leftovers are beside the folder it points to
    if not target.parent.is_dir():
        return
    try:
        lock = locked(target.parent, wait=False)
        held = lock.__enter__()
    except OSError:  # a read-only checkout: nothing can have been left there by a build of ours
        return
    try:
        if held:
            for what in clean_leftovers(target):
                if what.startswith("not "):
                    print(f"could not clean up after an interrupted build: {what[4:]}", file=sys.stderr)
                else:
                    print(f"cleaned up after an interrupted build: {what}", file=sys.stderr)
    finally:
        lock.__exit__(None, None, None)


def _refuse_target(layout: Layout, target: Path) -> None:
    from .release.publish import target_problem

    problem = target_problem(layout, target)
    if problem:
        problems = Problems()
        problems.add(str(target), 1, f"--out {target} {problem}")
        raise StageFailed(problems)


def _check(layout: Layout, args) -> str:
    from .build import check

    checked = check(layout)
    return "ok\n  rows: " + ", ".join(f"{n} {c}" for n, c in checked.counts.items())


def _build(layout: Layout, args) -> str:
    from .build import build, check
    from .common.cache import Cache
    from .release import fingerprint

    target = Path(args.out) if args.out else layout.output
    # The build stamp, once: from the digests the cache keeps of the inputs by stat stamp, so that
    # only the files changed since are read (at 2,000 sources, 60 MB are not).
    cache = Cache(layout)
    stamp = fingerprint.compute(layout, cache.files)
    if not args.force and args.out is None and fingerprint.is_current(layout, target, stamp):
        try:
            check(layout, cache=cache)  # the stamp says nothing changed; the inputs must still pass (a second, cached)
        finally:
            cache.close()
        return "output/ is up to date (no input changed); `make rebuild` forces a build"
    checked = build(layout, target, cache, stamp)
    return f"published {layout.rel(target)}\n  rows: " + ", ".join(f"{n} {c}" for n, c in checked.counts.items())


def _counts(layout: Layout, args) -> str:
    from .build import assemble, check, observed_counts
    from .common.cache import Cache
    from .curation import row_counts
    from .transform.evidence import derive

    cache = Cache(layout)
    try:
        checked = check(layout, compare_counts=False, cache=cache)
        tables = assemble(checked)
    finally:
        cache.close()
    tables.update(derive(checked.registry, tables))
    path = layout.schemas / "row_counts.csv"
    path.write_text(row_counts.render(observed_counts(checked, tables)), encoding="utf-8")
    return f"wrote {layout.rel(path)}; review the change with git diff and commit it"


def _release(layout: Layout, args) -> str:
    from .release.freeze import freeze

    return f"froze {layout.rel(freeze(layout))}"


def _diff(layout: Layout, args) -> str:
    from .release.diff import diff_releases, render
    from .release.freeze import published_versions

    versions = published_versions(layout.output)
    old = Path(args.old) if args.old else (layout.output / "releases" / versions[-1] if versions else None)
    problems = Problems()
    for folder in filter(None, (old, Path(args.new))):
        if not (folder / "parquet").is_dir():
            problems.add(str(folder), 1, "not a release folder (no parquet/ inside); give a folder such as "
                         "output/releases/1.0.0 or output")
    if problems:
        raise StageFailed(problems)
    sys.stdout.write(render(diff_releases(old, Path(args.new)), str(old or "nothing"), args.new))
    return ""


COMMANDS = {"check": _check, "build": _build, "counts": _counts, "release": _release, "diff": _diff}


def main(argv: list[str] | None = None, layout: Layout | None = None) -> int:
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
    if argv is None and args.command == "diff" and hasattr(signal, "SIGPIPE"):
        # `make diff | head` ends the diff quietly, as Unix tools do. Only there: a command with worker
        # processes must outlive a pipe to a worker that died (it says why the worker died instead).
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    layout = layout or Layout.default()
    started = time.perf_counter()
    try:
        target = Path(args.out) if getattr(args, "out", None) else layout.output
        if target != layout.output:
            _refuse_target(layout, target)
        _clean(layout, target)  # on a read-only checkout there is nothing to clean, and nothing is tried
        done = COMMANDS[args.command](layout, args)
    except StageFailed as failed:
        return _report(failed.problems)
    except KeyboardInterrupt:
        print(f"{args.command}: interrupted; output/ is unchanged", file=sys.stderr)
        return 130
    except Exception as err:  # a fault of the machine, or a defect of the pipeline; never the input's
        fault = machine_fault(err, layout.cache)
        if fault is not None:
            print(f"{args.command}: {fault}. output/ is unchanged.", file=sys.stderr)
            return 3
        print(f"{args.command}: internal error ({type(err).__name__}: {err}). This is a bug in the pipeline, not in "
              "your input; output/ is unchanged. Please report it with the command you ran "
              "(PIPELINE_TRACEBACK=1 shows the traceback).", file=sys.stderr)
        import os

        if os.environ.get("PIPELINE_TRACEBACK"):
            raise
        return 2
    if done:
        print(f"{args.command}: {done} ({time.perf_counter() - started:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
