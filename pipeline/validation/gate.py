"""Stage 5: the release gate. A Great Expectations suite per table, rendered from the registry
(registry/expectations.py), runs on every final table; the release is published only if every
expectation holds.

The gate judges the very Parquet files the release will publish: they are written into the
staging folder first, and the gate's tasks read them there, in the build's worker pool
(common/workers.py), while this process writes the other files. Great Expectations takes seconds to
import, longer than the whole curator check, so one worker is kept for the gate from the start of
the build (`reserve`): it imports Great Expectations while this process and the other workers load
and verify the inputs, then waits for the batches to judge (sent down a pipe made before the
workers are forked, so that they have it; the kept worker is handed its number).
One import, not one per worker: after an edit there is little to judge, and a second import only
took a core from the checks. Suites are built in bulk (no store
round trips) and each expectation is evaluated for its verdict only; a failed expectation is
evaluated again for its examples.
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from ..common.cache import keep_checked, key, read_checked
from ..common.faults import machine_fault
from ..common.problems import Problems, StageFailed
from ..common.workers import Workers
from ..transform.frames import ParquetTables
from .batches import FACT_BATCH, batch_names, tables_of


@dataclass
class Outcome:
    """One expectation's verdict, as the validation report shows it: the sentence that says it to
    people (its description, registry/sentences.py), then its name and arguments as GX runs it."""
    expectation: str
    kwargs: dict
    success: bool
    details: str = ""
    description: str = ""


@dataclass
class GateResult:
    tables: dict[str, list[Outcome]] = field(default_factory=dict)
    gx_version: str = ""

    @property
    def failures(self) -> list[tuple[str, Outcome]]:
        return [(t, o) for t, outcomes in self.tables.items() for o in outcomes if not o.success]


def _kwargs(config) -> dict:
    out = {}
    for k, v in config.kwargs.items():
        if k in ("batch_id",):
            continue
        if hasattr(v, "to_json_dict"):
            v = v.to_json_dict()
        elif hasattr(v, "dict") and not isinstance(v, dict):
            v = str(v)
        out[k] = v
    return out


def _validate(batches, kept: Path | None = None) -> dict[str, list[Outcome]]:
    """Each batch judged in a data source of its own, removed once the batch is judged: GX keeps
    its context as the project's, and with it every data source and every data frame it was given
    (hundreds of MiB in each worker at 2,000 sources), so a worker holds one batch's frame at a
    time and none after the verdict. A part of the fact batch whose rows were judged before, and
    passed, is taken back from `kept` instead (suites.py); the verdicts of a batch's parts are
    put together into the batch's."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    results: dict[str, list[Outcome]] = {}
    judged = 0
    # Not enumerate(): it keeps its last (index, batch) for reuse, and with it the last frame
    # while the next one is made.
    for batch in batches:
        outcomes = _kept_part(kept, batch.part)
        if outcomes is None:
            source = ctx.data_sources.add_pandas(f"batch_{judged}")
            judged += 1
            try:
                frame = batch.frame()
                outcomes = _judged(source, batch.name, frame, batch.expectations)
            finally:
                ctx.data_sources.delete(source.name)
            del frame, source
            _keep_part(kept, batch.part, outcomes)
        results[batch.name] = _together(results.get(batch.name), outcomes)
        del batch
    return results


def _part_path(kept: Path, part: str) -> Path:
    name = key("gate part", part)
    return kept / name[:2] / name


def passing(data: bytes | None) -> list[Outcome] | None:
    """A kept verdict (`kept_form`) read back, if it is a passing one; None otherwise (none kept,
    damaged, or failing: a failing verdict is never taken back, it is judged again)."""
    try:
        outcomes = pickle.loads(data) if data is not None else None
    except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        return None
    if isinstance(outcomes, list) and outcomes and all(isinstance(o, Outcome) and o.success for o in outcomes):
        return outcomes
    return None


def kept_form(outcomes: list[Outcome]) -> bytes:
    """A batch's verdict as it is kept in the cache."""
    return pickle.dumps(outcomes, protocol=5)


def _kept_part(kept: Path | None, part: str | None) -> list[Outcome] | None:
    """The passing verdict on a part with these very rows, judged before; None if there is none."""
    return passing(read_checked(_part_path(kept, part))) if kept is not None and part is not None else None


def _keep_part(kept: Path | None, part: str | None, outcomes: list[Outcome]) -> None:
    """Keep a part's verdict if it passed (a failing one stops the build, and is judged again)."""
    if kept is not None and part is not None and all(o.success for o in outcomes):
        keep_checked(_part_path(kept, part), kept_form(outcomes))


def _together(before: list[Outcome] | None, outcomes: list[Outcome]) -> list[Outcome]:
    """The verdict of a batch judged in parts: each expectation holds where it held in every part."""
    if before is None:
        return outcomes
    return [Outcome(a.expectation, a.kwargs, a.success and b.success, "; ".join(d for d in (a.details, b.details) if d),
                    a.description) for a, b in zip(before, outcomes, strict=True)]


def _judged(source, name: str, frame, expectations: list) -> list[Outcome]:
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    batch = (source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("release")
             .get_batch(batch_parameters={"dataframe": frame}))
    run = batch.validate(suite, result_format="BOOLEAN_ONLY")
    outcomes = []
    for r in run.results:
        config = r.expectation_config
        details = ""
        if not r.success:
            again = batch.validate(config.to_domain_obj(), result_format="SUMMARY")
            res = again.result or {}
            sample = res.get("partial_unexpected_list") or res.get("observed_value")
            count = res.get("unexpected_count")
            details = (f"{count} unexpected; " if count is not None else "") + f"e.g. {sample!r}"
            if again.exception_info and again.exception_info.get("raised_exception"):
                details = str(again.exception_info.get("exception_message"))[:300]
        outcomes.append(Outcome(config.type, _kwargs(config), bool(r.success), details, config.description or ""))
    return outcomes


def _import() -> str | None:
    """Import Great Expectations (the slow part); None, or why it could not be imported."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        import great_expectations  # noqa: F401

        from ..registry import expectations  # noqa: F401
    except Exception as err:  # reported when the gate is asked for its verdict
        return f"Great Expectations could not be imported: {err}"
    return None


@dataclass
class Reserved:
    """The worker kept for the gate: its task, and the pipe its batches are sent down."""
    job: Future
    pipe: Connection
    sent: bool = False


def reserve(workers: Workers) -> Reserved | None:
    """Keep a worker for the gate, importing Great Expectations now: the build's first task. None
    without workers, or once they were forked (the gate's batches then go to the pool as tasks)."""
    if not workers.parallel or workers.started:
        return None
    receive, send = multiprocessing.Pipe(duplex=False)
    job = workers.submit(_reserved, receive.fileno())  # forks the workers: each has the pipe
    receive.close()
    return Reserved(job, send)


def release(reserved: Reserved | None) -> None:
    """Let the kept worker go if it was never sent its batches (the build stopped before its gate)."""
    if reserved is not None and not reserved.sent:
        reserved.sent = True
        with contextlib.suppress(OSError):
            reserved.pipe.send(None)


def _reserved(fd: int):
    """The kept worker's task: import Great Expectations, wait for the batches (on the pipe whose
    reading end, `fd`, it has from the fork), judge them."""
    _import()
    with Connection(fd, writable=False) as receive:
        try:
            request = receive.recv()
        except EOFError:
            return None
    return None if request is None else _judge(*request)


def run_suites(reg, tables: dict, row_counts: dict[str, int], names: list[str] | None = None,
               kept: Path | None = None, entries: dict[str, str] | None = None) -> dict[str, list[Outcome]]:
    """The outcomes of the batches `names` (every batch when None) of the final tables (Arrow); the
    verdicts on parts of the fact batch are kept in the folder `kept` (None: nowhere), under the
    keys of their sources' partitions (`entries`, source id -> key: suites.py)."""
    from .suites import suites

    return _validate(suites(reg, tables, row_counts, names, entries), kept)


def _judge(reg, folder: Path, names: list[str], row_counts: dict[str, int], kept: Path | None,
           entries: dict[str, str]):
    """A worker's task: validate its batches, reading the staged Parquet files each needs."""
    failure = _import()
    if failure:
        return failure
    try:
        return run_suites(reg, ParquetTables(folder, tables_of(reg, names)), row_counts, names, kept, entries)
    except Exception as err:  # a fault of the machine is raised as one; anything GX raises is a gate failure
        fault = machine_fault(err)
        if fault:
            raise fault from None
        return f"the release gate stopped: {type(err).__name__}: {err}"


def submit(workers: Workers, reg, folder: Path, sizes: dict[str, int], row_counts: dict[str, int],
           names: list[str] | None = None, kept: Path | None = None, entries: dict[str, str] | None = None,
           reserved: Reserved | None = None) -> list[Future]:
    """Start the gate on the Parquet files in `folder`: the batches (`names`, or every batch) handed
    to the worker kept for the gate, or else shared among the workers by rows; the verdicts on parts
    of the fact batch kept in the folder `kept` under the keys of their sources' partitions
    (`entries`)."""
    names = batch_names(reg) if names is None else names
    if reserved is not None and not reserved.sent:
        reserved.sent = True
        try:
            reserved.pipe.send((reg, folder, names, row_counts, kept, entries or {}))
            return [reserved.job]
        except OSError:  # the kept worker is gone: its task says why; the batches go to the pool
            pass
    sizes = {FACT_BATCH: sum(sizes.get(t.name, 0) for t in reg.fact_tables()), **sizes}
    groups: list[list[str]] = [[] for _ in range(max(1, workers.processes))]
    load = [0] * len(groups)
    for name in sorted(names, key=lambda n: (-sizes.get(n, 0), n)):
        k = load.index(min(load))
        groups[k].append(name)
        load[k] += sizes.get(name, 0) + 1
    return [workers.submit(_judge, reg, folder, group, row_counts, kept, entries or {}) for group in groups if group]


def verdict(workers: Workers, jobs: list[Future], reg, known: dict[str, list[Outcome]] | None = None) -> GateResult:
    """The verdict on every table, the outcomes `known` from the same batch judged before among
    them; StageFailed with each failed expectation."""
    from importlib.metadata import version

    results: dict[str, list[Outcome]] = dict(known or {})
    problems = Problems()
    for job in jobs:
        answer = workers.result(job)
        if answer is None:
            answer = "the release gate was never given its batches"
        if isinstance(answer, str):
            problems.add("schemas/tables.yaml", 1, answer)
        else:
            results.update(answer)
    if problems:
        raise StageFailed(problems)
    result = GateResult(tables={name: results[name] for name in batch_names(reg)}, gx_version=version("great_expectations"))
    for name, outcome in result.failures:
        table = reg.tables.get(name)
        problems.add("schemas/tables.yaml", table.line if table else 1,
                     f"release gate: {name}: {outcome.expectation} {outcome.kwargs} failed; {outcome.details}")
    if problems:
        raise StageFailed(problems)
    return result
