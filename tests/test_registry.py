"""The registry itself (schemas/): every field is used, every table renders every format, and the
generated pandera schema rejects what it should."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from pipeline.arrow import arrow_schema
from pipeline.frames import to_frame
from pipeline.registry import registry
from pipeline.sqlite_ddl import ddl
from pipeline.validate import pandera_schema

REG = registry()


def test_every_defined_field_is_used_by_a_table():
    used = {f.name for t in REG.tables.values() for f in t.fields}
    assert set(REG.fields) - used == set()


def test_contract_tables_and_columns_exist():
    contract = {
        "sources": ["raw_path", "sha256", "lang", "title", "title_en", "publisher", "published", "char_count"],
        "roles": ["label_en", "isco08_code", "onet_soc_code", "esco_uri", "definition_en"],
        "career_levels": ["rank", "label_en", "description_en"],
        "titles": ["role_id", "level_id", "kind", "lang", "text", "text_en"],
        "duties": ["label_en", "category"],
        "duty_mentions": ["duty_id", "role_id", "setting", "lang", "text", "text_en"],
        "skills": ["label_en", "skill_type", "esco_uri"],
        "skill_mentions": ["skill_id", "role_id", "importance", "lang", "text", "text_en"],
        "requirements": ["role_id", "requirement_type", "lang", "text", "text_en"],
        "salaries": ["role_id", "level_id", "country", "country_basis", "currency", "period", "statistic",
                     "amount_min", "amount_max", "reference_year", "annual_min", "annual_max",
                     "usd_annual_min", "usd_annual_max"],
    }
    provenance = ["source_id", "quote", "char_start", "char_end", "line"]
    for name, columns in contract.items():
        table = REG.tables[name]
        expected = columns + (provenance if name not in ("sources", "roles", "career_levels", "duties", "skills") else [])
        assert set(expected) <= set(table.columns), name


@pytest.mark.parametrize("name", sorted(REG.tables))
def test_every_table_renders_pandera_arrow_and_sql(name):
    table = REG.tables[name]
    assert list(pandera_schema(table).columns) == table.columns
    schema = arrow_schema(table, "0.0.0")
    assert schema.names == table.columns
    assert all(schema.field(c).metadata[b"description"] for c in table.columns)
    con = sqlite3.connect(":memory:")
    con.executescript(ddl(REG))
    assert [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')] == table.columns


def _one_duty_row(**changes):
    row = {"duty_id": "answer_customer_inquiries", "label_en": "Answer questions", "category": "inquiry_handling"}
    row.update(changes)
    return row


def test_pandera_rejects_a_duplicate_primary_key():
    table = REG.tables["duties"]
    df = to_frame(table, [_one_duty_row(), _one_duty_row()])
    with pytest.raises(SchemaErrors) as err:
        pandera_schema(table).validate(df, lazy=True)
    assert "duty_id" in str(err.value.failure_cases["column"].tolist()) or "unique" in str(err.value)


def test_pandera_rejects_a_wrong_type_and_a_value_outside_its_enum():
    table = REG.tables["career_levels"]
    df = pd.DataFrame({"level_id": ["entry"], "rank": ["first"], "label_en": ["Entry"], "description_en": ["x"]})
    with pytest.raises(SchemaErrors):
        pandera_schema(table).validate(df, lazy=True)
    duties = REG.tables["duties"]
    with pytest.raises(SchemaErrors) as err:
        pandera_schema(duties).validate(to_frame(duties, [_one_duty_row(category="cooking")]), lazy=True)
    assert "cooking" in err.value.failure_cases["failure_case"].astype(str).tolist()


def test_foreign_keys_are_derived_from_primary_keys():
    fks = {(fk.field, fk.table) for fk in REG.tables["duty_mentions"].foreign_keys}
    assert fks == {("duty_id", "duties"), ("role_id", "roles"), ("source_id", "sources")}


def test_sqlite_enforces_allowed_values():
    con = sqlite3.connect(":memory:")
    con.executescript(ddl(REG))
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO duties VALUES ('x', 'X', 'cooking')")
