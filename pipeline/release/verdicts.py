"""The release gate's verdict on a batch, taken back when the batch is the same.

Great Expectations judges the staged Parquet files, and its verdict on a batch is a function of
the bytes of the files the batch reads (their sha256), the expectations (rendered from the
registry, whose digest every kept part shares), the row count under review the batch is held to,
and the code and its lock file (the cache's folder is the code's own). A passing verdict is kept
under exactly those; a later build whose batch is the same takes it back instead of judging the
same bytes again, so after one edit the gate judges only the batches whose files changed. A failing
verdict is never kept: it stops the build.
"""
from __future__ import annotations

from ..common.cache import key
from ..registry.model import Registry
from ..validation.batches import batch_names, tables_of
from ..validation.gate import GateResult, Outcome, kept_form, passing
from .reuse import Reuse

KIND = "gate"


def kept_verdicts(reuse: Reuse, reg: Registry, row_counts: dict[str, int]) -> tuple[dict[str, list[Outcome]], dict[str, str]]:
    """(the outcomes taken back, by batch; the key of every other batch, to keep its verdict under)."""
    known, keys = {}, {}
    for name in batch_names(reg):
        files = reuse.of_tables(*sorted(tables_of(reg, [name])))
        inputs = None if files is None else key(name, files, repr(row_counts.get(name)))
        outcomes = passing(reuse.read_back(KIND, inputs))
        if outcomes is not None:
            known[name] = outcomes
        else:
            keys[name] = inputs
    return known, keys


def keep_verdicts(reuse: Reuse, result: GateResult, keys: dict[str, str]) -> None:
    """Keep the verdict on each batch judged now (the gate passed, or this is not reached)."""
    for name, inputs in keys.items():
        reuse.keep(KIND, inputs, kept_form(result.tables[name]))
