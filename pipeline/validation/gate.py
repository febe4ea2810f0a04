"""Stage 5: the release gate. A Great Expectations suite per table, rendered from the registry
(registry/expectations.py), runs on every final table; the release is published only if every
expectation holds.

Great Expectations takes seconds to import, longer than the whole curator check, so the gate
runs in a worker process started at the beginning of a build: the worker imports it while the
main process loads and verifies the inputs on the other core, then validates the final tables the
moment they are ready. Suites are built in bulk (no store round trips) and every table is validated
in one pass, each expectation evaluated for its verdict only; a failed expectation is evaluated
again for its examples. A worker never outlives its build: it dies with its parent.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
from dataclasses import dataclass, field

from ..common.faults import MachineFault, killed, machine_fault
from ..common.problems import Problems, StageFailed
from ..common.processes import die_with_parent
from .working import WorkingCopy


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


def _validate(batches: list) -> dict[str, list[Outcome]]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas("release")
    results = {}
    for i, (name, frame, expectations) in enumerate(batches):
        suite = gx.ExpectationSuite(name=name, expectations=expectations)
        batch = (source.add_dataframe_asset(name=f"batch_{i}").add_batch_definition_whole_dataframe("release")
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
        results[name] = outcomes
    return results


def _halves(batches: list) -> tuple[list, list]:
    """Two halves of about the same number of expectations."""
    a, b, na, nb = [], [], 0, 0
    for batch in sorted(batches, key=lambda x: -len(x[2])):
        if na <= nb:
            a.append(batch)
            na += len(batch[2])
        else:
            b.append(batch)
            nb += len(batch[2])
    return a, b


def run_suites(reg, tables: dict, row_counts: dict[str, int], processes: int = 2) -> GateResult:
    """Validate every batch of the final tables (Arrow) with its suite; with two processes, half
    the batches go to a fork."""
    import great_expectations as gx

    from .suites import suites

    if isinstance(tables, WorkingCopy):
        tables = tables.open()
    batches = suites(reg, tables, row_counts)
    order = [name for name, _, _ in batches]
    if processes < 2 or len(batches) < 2:
        results = _validate(batches)
    else:
        mine, theirs = _halves(batches)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the second process: validate its half, send the outcomes, leave
            os.close(read_end)
            try:
                data = pickle.dumps(_validate(theirs))
            except BaseException as err:  # noqa: BLE001 - reported by the parent
                data = pickle.dumps(machine_fault(err) or f"{type(err).__name__}: {err}")
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            os._exit(0)
        os.close(write_end)
        results = _validate(mine)
        with os.fdopen(read_end, "rb") as src:
            data = src.read()
        _, status = os.waitpid(pid, 0)
        if not data and os.WIFSIGNALED(status):
            raise killed(-os.WTERMSIG(status), "the release gate's second validation process") or RuntimeError(
                f"the second validation process stopped by signal {os.WTERMSIG(status)}")
        other = pickle.loads(data) if data else "the second validation process stopped"
        if isinstance(other, MachineFault):
            raise other
        if isinstance(other, str):
            raise RuntimeError(other)
        results.update(other)
    return GateResult(tables={name: results[name] for name in order}, gx_version=gx.__version__)


def _serve(conn, parent_end) -> None:
    die_with_parent()
    parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import great_expectations  # noqa: F401  # the slow import, while the parent checks inputs

        from ..registry import expectations  # noqa: F401
    except Exception as err:  # reported by the parent when it asks
        failure = f"Great Expectations could not be imported: {err}"
    else:
        failure = None
    try:
        request = conn.recv()
    except (EOFError, OSError):
        return
    if failure:
        conn.send(failure)
        return
    try:
        conn.send(run_suites(*request))
    except Exception as err:  # a fault of the machine is sent as one; anything GX raises is a gate failure
        copy = request[1]  # the working copy lives in the cache: a file of it gone is the cache deleted underneath
        cache = copy.folder.parent.parent if isinstance(copy, WorkingCopy) else None
        conn.send(machine_fault(err, cache) or f"the release gate stopped: {type(err).__name__}: {err}")


class Gate:
    """The release gate in its worker process; use as a context manager around a build."""

    def __init__(self):
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self._conn), daemon=True, name="release-gate")
        self._process.start()
        child.close()

    def submit(self, reg, frames: dict, row_counts: dict[str, int]) -> None:
        """Hand the final tables to the worker; it validates them while the caller goes on."""
        self._reg = reg

        def send() -> None:  # blocks until the worker has finished importing and reads it
            try:
                self._conn.send((reg, frames, row_counts))
            except (OSError, BrokenPipeError):
                pass  # the worker is gone; result() says so

        self._sender = threading.Thread(target=send, daemon=True, name="release-gate-send")
        self._sender.start()

    def result(self) -> GateResult:
        """The verdict on every table; StageFailed with each failed expectation."""
        try:
            answer = self._conn.recv()
        except (EOFError, OSError):
            self._process.join(timeout=10)
            fault = killed(self._process.exitcode, "the release gate's worker")
            if fault:
                raise fault from None
            answer = "the release gate's worker stopped unexpectedly; run the build again"
        if isinstance(answer, MachineFault):
            raise answer
        problems = Problems()
        if isinstance(answer, str):
            problems.add("schemas/tables.yaml", 1, answer)
            raise StageFailed(problems)
        for name, outcome in answer.failures:
            table = self._reg.tables.get(name)
            problems.add("schemas/tables.yaml", table.line if table else 1,
                         f"release gate: {name}: {outcome.expectation} {outcome.kwargs} failed; {outcome.details}")
        if problems:
            raise StageFailed(problems)
        return answer

    def close(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start() -> Gate:
    """Start the gate's worker now, so it is ready when the tables are."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    return Gate()
