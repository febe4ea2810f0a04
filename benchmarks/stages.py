"""Wall time and peak memory of the curator's commands on the real sources, side by side in one
run (this machine is shared and noisy: compare ratios, not seconds across runs).

Speed is measured here, never asserted in tests. Run with `make bench`. Every command runs in a
fresh process; its verification cache is cleared where the row says "cold".
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from measure import run

ROOT = Path(__file__).resolve().parent.parent


def best(label: str, args: list[str], repeat: int, env: dict, before=None) -> float:
    times, peaks = [], []
    for _ in range(repeat):
        if before:
            before()
        seconds, peak, _ = run([sys.executable, "-m", "pipeline", *args], ROOT, env)
        times.append(seconds)
        peaks.append(peak)
    print(f"| {label} | {min(times):.2f} s | {max(times):.2f} s | {max(peaks):.0f} MiB |")
    return min(times)


def main() -> None:
    repeat = int(os.environ.get("REPEAT", "3"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; best and worst of {repeat} runs\n")
    print("| command | best wall time | worst | peak memory (all processes) |")
    print("| --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PIPELINE_CACHE": f"{tmp}/cache"}
        clear = lambda: shutil.rmtree(f"{tmp}/cache", ignore_errors=True)  # noqa: E731
        cold = best("make check, cold (no cache)", ["check"], repeat, env, before=clear)
        warm = best("make check, nothing changed", ["check"], repeat, env)
        forced = best("make rebuild (build --force, into a temporary folder)",
                      ["build", "--force", "--out", f"{tmp}/output"], repeat, env)
        best("make build with nothing changed (no-op)", ["build"], repeat, env)
    print(f"\nforced build / cold check: {forced / cold:.1f}x; forced build / warm check: {forced / warm:.1f}x")


if __name__ == "__main__":
    main()
