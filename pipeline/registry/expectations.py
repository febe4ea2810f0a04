"""The Great Expectations suite of a table, rendered from the registry: the same value rules and
cross-field rules the curator check and pandera enforce, as expectations.

One expectation per column and constraint: a required column is not null; a column with allowed
values is in that set; a text column matches the one regular expression that says all of its text
rules (values.text_regex), its length and its pattern; a figure lies in its range; the primary key is unique; and each rule
of the table becomes expectations with a row condition (when/then), a column pair comparison
(not_greater, less) or the custom pair expectation below (in_quote). Each expectation carries, as its
description, the sentence that says it to people (sentences.py), which the validation report shows
in place of its name and arguments. Column types are enforced
where they are stored (pandas dtypes checked by pandera, the Arrow schema of every Parquet file),
so the suite does not spend an expectation per column on them.

Importing this module imports Great Expectations (seconds), so only the release gate does.
"""
from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.execution_engine import PandasExecutionEngine  # noqa: E402
from great_expectations.expectations.expectation import ColumnPairMapExpectation  # noqa: E402
from great_expectations.expectations.metrics.map_metric_provider import (  # noqa: E402
    ColumnPairMapMetricProvider,
    column_pair_condition_partial,
)
from great_expectations.expectations.row_conditions import Column  # noqa: E402

from . import sentences as say  # noqa: E402
from .figures import agrees  # noqa: E402
from .model import Condition, Registry, Rule, Table  # noqa: E402
from .values import text_regex  # noqa: E402

E = gx.expectations


class ColumnPairValuesFigureWrittenInText(ColumnPairMapMetricProvider):
    """Row-wise: the figure in column A (its absolute value) is a number written in the text of B."""
    condition_metric_name = "column_pair_values.figure_written_in_text"
    condition_domain_keys = ("batch_id", "table", "column_A", "column_B", "row_condition", "condition_parser",
                             "ignore_row_if")
    condition_value_keys = ()

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, **kwargs):
        return pd.Series([agrees(float(a), str(b)) for a, b in zip(column_A, column_B)], index=column_A.index)


class ExpectColumnPairValuesAToBeWrittenInB(ColumnPairMapExpectation):
    """Expect each figure of column A to be a number written in the quote of column B (the
    `in_quote` rule of schemas/tables.yaml)."""
    map_metric = "column_pair_values.figure_written_in_text"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")
    ignore_row_if: str = "either_value_is_missing"


def _row_condition(conditions: tuple[Condition, ...]):
    parts = []
    for c in conditions:
        col = Column(c.field)
        if c.op == "null":
            parts.append(col.is_null())
        elif c.op == "not_null":
            parts.append(col.is_not_null())
        else:
            parts.append(col == c.value if c.op == "eq" else col != c.value)
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition = condition & part
    return condition


def _then(c: Condition, row_condition, description: str) -> object:
    kw = {"column": c.field, "description": description}
    if row_condition is not None:
        kw["row_condition"] = row_condition
    if c.op == "null":
        return E.ExpectColumnValuesToBeNull(**kw)
    if c.op == "not_null":
        return E.ExpectColumnValuesToNotBeNull(**kw)
    return E.ExpectColumnValuesToBeInSet(value_set=[c.value], **kw)


def rule_expectations(rule: Rule, row: str = "row", required: frozenset[str] = frozenset()) -> list:
    """The rule's expectations; `row` is what one row of the table is called (a salary), `required`
    the columns never null (to say a comparison of two of them plainly)."""
    if rule.kind == "when":
        condition = _row_condition(rule.when)
        return [_then(c, condition, say.then(row, rule.when, c)) for c in rule.then]
    if rule.kind in ("not_greater", "less"):
        a, b = rule.fields
        return [E.ExpectColumnPairValuesAToBeGreaterThanB(column_A=b, column_B=a, or_equal=rule.kind == "not_greater",
                                                          ignore_row_if="either_value_is_missing",
                                                          description=say.compared(row, rule, required))]
    return [ExpectColumnPairValuesAToBeWrittenInB(column_A=f, column_B="quote", description=say.in_quote(row, f))
            for f in rule.fields]


def field_expectations(f, row: str = "row") -> list:
    out = []
    if f.required:
        out.append(E.ExpectColumnValuesToNotBeNull(column=f.name, description=say.given(row, f)))
    if f.allowed is not None:
        out.append(E.ExpectColumnValuesToBeInSet(column=f.name, value_set=sorted(f.allowed), description=say.allowed(row, f)))
    regex = text_regex(f)
    if regex is not None:
        out.append(E.ExpectColumnValuesToMatchRegex(column=f.name, regex=f"^(?:{regex})$", description=say.text(row, f)))
    if f.max_length and f.allowed is None:
        out.append(E.ExpectColumnValueLengthsToBeBetween(column=f.name, min_value=1, max_value=f.max_length,
                                                         description=say.length(row, f)))
    if f.pattern:
        out.append(E.ExpectColumnValuesToMatchRegex(column=f.name, regex=f"^(?:{f.pattern})$", description=say.pattern(row, f)))
    if f.type.name == "date":
        out.append(E.ExpectColumnValuesToMatchStrftimeFormat(column=f.name, strftime_format="%Y-%m-%d",
                                                             description=say.real_date(row, f)))
    if f.type.name in ("integer", "number"):
        low = f.minimum if f.minimum is not None else (-1e15 if f.type.name == "number" else None)
        high = f.maximum if f.maximum is not None else (1e15 if f.type.name == "number" else None)
        if low is not None or high is not None:
            out.append(E.ExpectColumnValuesToBeBetween(column=f.name, min_value=low, max_value=high,
                                                       description=say.between(row, f, low, high)))
    return out


def table_expectations(table: Table, row_count: int | None, shared: frozenset[str] = frozenset()) -> list:
    """A table's suite; the fields in `shared` (the fact fields) are validated in the fact batch."""
    row = say.noun(table.name)
    out = [E.ExpectTableColumnsToMatchOrderedList(column_list=table.columns, description=say.columns(table.columns))]
    if row_count is not None:
        out.append(E.ExpectTableRowCountToEqual(value=row_count, description=say.row_count(row_count)))
    if len(table.primary_key) == 1:
        out.append(E.ExpectColumnValuesToBeUnique(column=table.primary_key[0], description=say.unique(row, list(table.primary_key))))
    else:
        out.append(E.ExpectCompoundColumnsToBeUnique(column_list=list(table.primary_key),
                                                     description=say.unique(row, list(table.primary_key))))
    for f in table.fields:
        if f.unique and (f.name,) != table.primary_key:
            out.append(E.ExpectColumnValuesToBeUnique(column=f.name, description=say.unique(row, [f.name])))
        if f.name not in shared:
            out.extend(field_expectations(f, row))
    required = frozenset(f.name for f in table.fields if f.required)
    for rule in table.rules:
        if not (shared and rule.columns <= shared):
            out.extend(rule_expectations(rule, row, required))
    return out


# What one row of the fact batch (the fact fields of every fact table, stacked) is called.
FACT_ROW = "fact row"


def fact_expectations(reg: Registry) -> list:
    fact = reg.fact_tables()[0]
    shared = frozenset(reg.fact_fields)
    out = [E.ExpectCompoundColumnsToBeUnique(column_list=["table", "row_id"], description=say.unique(FACT_ROW, ["table", "row_id"]))]
    for name in reg.fact_fields:
        out.extend(field_expectations(fact.field(name), FACT_ROW))
    required = frozenset(f.name for f in fact.fields if f.name in shared and f.required)
    for rule in dict.fromkeys(r for r in fact.rules if r.columns <= shared):
        out.extend(rule_expectations(rule, FACT_ROW, required))
    return out
