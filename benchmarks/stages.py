"""Wall time and peak memory of the curator's commands, measured on the real sources.

Speed is measured here, not asserted in tests: a slow machine must not fail the suite.
Run with `make bench`; each command runs in a fresh process so its peak RSS is its own.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(label: str, *args: str, repeat: int = 3) -> None:
    times, peaks = [], []
    for _ in range(repeat):
        with tempfile.TemporaryFile(mode="w+") as err:
            started = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
            elapsed = time.perf_counter() - started
            if os.waitstatus_to_exitcode(status) != 0:
                err.seek(0)
                sys.exit(f"{label} failed:\n{err.read()}")
        times.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux
    print(f"| {label} | {min(times):.2f} s | {max(times):.2f} s | {max(peaks):.0f} MiB |")


def main() -> None:
    print(f"python {sys.version.split()[0]}, best and worst of 3 runs (2 for the full build)\n")
    print("| command | best wall time | worst | peak RSS |")
    print("| --- | ---: | ---: | ---: |")
    measure("check (verify sources, mappings, schemas)", "check")
    with tempfile.TemporaryDirectory() as tmp:
        measure("build --force into a temporary folder (full gate + publish)", "build", "--force", "--out", f"{tmp}/output", repeat=2)
    measure("build with no input changed (no-op)", "build")


if __name__ == "__main__":
    main()
