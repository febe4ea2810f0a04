"""The build's worker processes: one pool, sized to the machine's cores, for every stage.

A build has work for every core at several moments: verifying mappings, validating their rows with
pandera, the release gate's Great Expectations suites, and the writers of the larger files. All of
it goes to one pool of forked workers, started when the command starts (before anything large is
in memory, so forking costs nothing), and each task receives what it needs as its arguments or
reads it from a file whose path it is given (the cache's Arrow partitions, the staged Parquet). No
worker inherits state it was not handed, and none outlives its build: each dies with its parent,
leaves Ctrl-C to the build, and is killed the moment the build fails.

A worker that vanishes without a word was, on a build machine, almost always stopped by the
kernel for lack of memory; that is said as a fault of the machine (common/faults.py).
"""
from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .faults import MachineFault, killed
from .processes import die_with_parent


def _started() -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def give_back_memory(collect: bool = True) -> None:
    """Return to the system what a finished task freed: the collector's garbage, Arrow's pool and
    the C allocator's free pages. A worker lives on to the next task, and memory a task freed but
    the process kept would count against the machine for the rest of the build. `collect=False`
    skips the collector, which walks every object of the process (a tenth of a second each time in
    a build holding a release's tables) to find cycles that a writer's plain data does not make."""
    if collect:
        gc.collect()
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _task(function: Callable, *args):
    """A task in a worker: its result, then its memory given back."""
    try:
        return function(*args)
    finally:
        give_back_memory()


def cores() -> int:
    """The cores this process may run on (a container or taskset may give fewer than the machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


class Workers:
    """The pool; use as a context manager around a command. With one core, or `processes=0`,
    every task runs in this process, in order: the same results without workers."""

    def __init__(self, processes: int | None = None):
        self.processes = cores() if processes is None else processes
        self._pool: ProcessPoolExecutor | None = None
        self._running: set[Future] = set()  # tasks handed to the pool and not yet done
        self._closed = False

    @property
    def parallel(self) -> bool:
        return self.processes > 1

    @property
    def started(self) -> bool:
        """Whether the workers were forked already (they are, all at once, at the first task)."""
        return self._pool is not None

    def _executor(self) -> ProcessPoolExecutor:
        if self._closed:  # a thread still handing out tasks must not fork a second pool that nothing shuts
            raise RuntimeError("the workers were closed")
        if self._pool is None:
            # The objects this process holds now (the modules imported) are shared with the workers
            # it forks until a page of them is written. The collector writes to every object it
            # scans, so each worker's first collection would copy all those pages: frozen, they
            # are never scanned, and stay shared.
            gc.freeze()
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_started)
        return self._pool

    def submit(self, function: Callable, *args) -> Future:
        """Run `function(*args)` in a worker (or here, at once, without workers)."""
        if not self.parallel:
            done: Future = Future()
            try:
                done.set_result(function(*args))
            except BaseException as err:  # noqa: BLE001 - raised by result(), as a worker's would be
                done.set_exception(err)
            return done
        job = self._executor().submit(_task, function, *args)
        self._running.add(job)
        job.add_done_callback(self._running.discard)
        return job

    def running(self) -> list[Future]:
        """The tasks handed to the pool and not yet done (a worker is idle when they are fewer than
        the processes)."""
        return list(self._running)

    def map(self, function: Callable, items: Iterable) -> list:
        """`function` over every item, results in the order of the items."""
        return [self.result(job) for job in [self.submit(function, item) for item in items]]

    def result(self, job: Future):
        """The task's result; a worker that died is named as what most likely killed it."""
        try:
            return job.result()
        except BrokenProcessPool:
            codes = [p.exitcode for p in (self._pool._processes or {}).values()] if self._pool else []
            fault = killed(-signal.SIGKILL, "a worker process") if -signal.SIGKILL in codes else None
            raise (fault or MachineFault("a worker process stopped unexpectedly", None,
                                         "run the command again")) from None

    def close(self, failed: bool = False) -> None:
        self._closed = True
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        if failed:  # stop now what the build no longer needs
            for process in list((pool._processes or {}).values()):
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind, *_) -> None:
        self.close(failed=kind is not None)
