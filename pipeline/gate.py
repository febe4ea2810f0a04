"""Stage 5: the release gate. A Great Expectations suite, generated from the registry, runs on
every final table; the release is published only if every expectation holds. Its Data Docs (an
HTML report people can read) are written beside the release, in validation/.

Great Expectations takes seconds to import, so only `build` loads this module; `check` relies on
pandera alone.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from .problems import Problems, StageFailed
from .registry import Registry, Table

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# Type names of the values GX sees in the object columns handed to it (see _plain).
PYTHON_TYPES = {"string": ["str"], "integer": ["int"], "number": ["float", "int"], "boolean": ["bool"],
                "date": ["str"]}


def expectations(table: Table, row_count: int | None) -> list:
    import great_expectations as gx

    E = gx.expectations
    out = [E.ExpectTableColumnsToMatchOrderedList(column_list=table.columns)]
    if row_count is not None:
        out.append(E.ExpectTableRowCountToEqual(value=row_count))
    if len(table.primary_key) == 1:
        out.append(E.ExpectColumnValuesToBeUnique(column=table.primary_key[0]))
    else:
        out.append(E.ExpectCompoundColumnsToBeUnique(column_list=list(table.primary_key)))
    for f in table.fields:
        out.append(E.ExpectColumnValuesToBeInTypeList(column=f.name, type_list=PYTHON_TYPES[f.type]))
        if table.is_required(f):
            out.append(E.ExpectColumnValuesToNotBeNull(column=f.name))
        if f.enum:
            out.append(E.ExpectColumnValuesToBeInSet(column=f.name, value_set=list(f.enum)))
        if f.pattern:
            out.append(E.ExpectColumnValuesToMatchRegex(column=f.name, regex=f"^(?:{f.pattern})$"))
        if f.minimum is not None or f.maximum is not None:
            out.append(E.ExpectColumnValuesToBeBetween(column=f.name, min_value=f.minimum, max_value=f.maximum))
    if table.fact:
        out.append(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="char_end", column_B="char_start"))
    if table.name == "salaries":
        out.append(E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="amount_max", column_B="amount_min",
                                                             or_equal=True, ignore_row_if="either_value_is_missing"))
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns with None for missing values: what GX's pandas engine handles best."""
    return df.astype(object).where(df.notna(), None)


def run_gate(reg: Registry, frames: dict[str, pd.DataFrame], row_counts: dict[str, int] | None,
             docs_dir: Path | None) -> None:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is not None:
        ctx.add_data_docs_site("release", {
            "class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
    source = ctx.data_sources.add_pandas("release")
    problems = Problems()
    for name, table in reg.tables.items():
        suite = ctx.suites.add(gx.ExpectationSuite(name=name))
        for expectation in expectations(table, (row_counts or {}).get(name)):
            suite.add_expectation(expectation)
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("release")
        definition = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        checkpoint = ctx.checkpoints.add(gx.Checkpoint(name=f"gate_{name}", validation_definitions=[definition]))
        result = checkpoint.run(batch_parameters={"dataframe": _plain(frames[name])})
        for run in result.run_results.values():
            for r in run.results:
                if not r.success:
                    kwargs = {k: v for k, v in r.expectation_config.kwargs.items() if k != "batch_id"}
                    sample = (r.result or {}).get("partial_unexpected_list") or (r.result or {}).get("observed_value")
                    problems.add(f"schemas/tables.yaml#{name}", 1,
                                 f"release gate: {r.expectation_config.type} {kwargs} failed; e.g. {sample!r}")
    if docs_dir is not None:
        ctx.build_data_docs(site_names=["release"])  # once, after every table's results are stored
    if problems:
        raise StageFailed(problems)

