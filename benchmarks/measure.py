"""Wall time and peak memory of one command, its worker processes included.

Peak memory is the largest sum of the proportional set size (PSS) of the command and all its
descendants, sampled every 20 ms from /proc: the release gate and the verification workers are
separate processes, and what a machine must hold is all of them at once. PSS counts a page shared
by several processes (a forked worker's copy-on-write memory, a library) once in all, where summing
resident sizes would count it in every process.

Reading PSS makes the kernel walk every page of the process (about 50 ms for 2 GiB), so sampling
every 20 ms regardless would take most of one of the two cores from the command it measures at
scale. The sampler waits nine times as long as its last sample took (at least 20 ms): it never
takes more than a tenth of one core, and a build's memory plateaus last far longer than that wait.
"""
from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path


def _tree_rss(root: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
    for pid in _descendants(root, parents):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    rss[pid] = int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return sum(rss.values())


def _descendants(root: int, parents: dict[int, int]) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return out


class RunFailed(SystemExit):
    """A measured command failed: ends the benchmark as before, unless the caller catches it."""

    def __init__(self, message: str, returncode: int, stderr: str) -> None:
        super().__init__(message)
        self.returncode, self.stderr = returncode, stderr


def run(args: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak MiB, stderr) of a command that must succeed (RunFailed otherwise)."""
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            began = time.perf_counter()
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(max(0.02, 9 * (time.perf_counter() - began)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RunFailed(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}", proc.returncode, err)
    return elapsed, peak / 2**20, err
