"""Where a run's time goes, stage by stage: printed to stderr when PIPELINE_TIMINGS is set.

Speed is measured by the benchmarks (benchmarks/), never asserted; this is what they and a curator
wondering about a slow build read to see which stage to look at.
"""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager

ENV = "PIPELINE_TIMINGS"


@contextmanager
def stage(name: str):
    """Time the block; say how long it took when asked to."""
    if not os.environ.get(ENV):
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        print(f"  [{name}: {time.perf_counter() - start:.2f} s]", file=sys.stderr, flush=True)
