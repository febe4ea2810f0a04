"""The registry itself (schemas/), tested as PUDL tests its metadata: every field is used, every
table renders every format, and, for every field, its boundary values get the same verdict from
every rendering of its constraints: the curator's check, pandera, the SQLite CHECK and Great
Expectations. The same holds for the cross-field rules."""
from __future__ import annotations

import re
import sqlite3

import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from pipeline.registry.arrow_schema import arrow_schema
from pipeline.registry.model import Field, registry
from pipeline.registry.pandera_schema import column, pandera_schema
from pipeline.registry.rules import broken_by, sql_check, violations
from pipeline.registry.sql_schema import ddl
from pipeline.registry.values import WHITESPACE, judge, sql_checks
from pipeline.transform.frames import to_arrow, to_frame
from pipeline.transform.fx import PERIODS_PER_YEAR

REG = registry()


def test_every_defined_field_is_used_by_a_table():
    used = {f.name for t in REG.tables.values() for f in t.fields}
    assert set(REG.fields) - used == set()


def test_the_whitespace_the_rules_name_is_pythons_own():
    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_a_primary_key_is_always_required():
    for table in REG.tables.values():
        for key in table.primary_key:
            assert table.field(key).required, (table.name, key)


def test_annualization_knows_every_period_the_registry_allows():
    assert set(PERIODS_PER_YEAR) == set(REG.fields["period"].enum)


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
    for name, columns in contract.items():
        table = REG.tables[name]
        expected = columns + (["source_id", "quote", "char_start", "char_end", "line"] if table.fact else [])
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


def test_foreign_keys_are_derived_from_primary_keys():
    fks = {(fk.field, fk.table) for fk in REG.tables["duty_mentions"].foreign_keys}
    assert fks == {("duty_id", "duties"), ("role_id", "roles"), ("source_id", "sources"), ("restates", "duty_mentions")}


# --- one verdict per value, whatever renders the constraint ----------------------------------------

def _matching(pattern: str) -> str:
    """A value that matches a pattern of the registry (built from its alternatives)."""
    from pipeline.registry.patterns import parse

    atoms = parse(pattern)[0]
    out = []
    for atom in atoms:
        lo, hi = atom.ranges[0] if not atom.negate else (ord("a"), ord("a"))
        out.append(chr(lo) * max(atom.low, 1 if atom.high is None else atom.low))
    return "".join(out)


def boundary_values(f: Field) -> list:
    if f.type.name == "string":
        if f.allowed is not None:
            allowed = sorted(f.allowed)
            return [allowed[0], allowed[-1], allowed[0] + "x", allowed[0].upper() + "!", "", " " + allowed[0]]
        good = _matching(f.pattern) if f.pattern else "Customer service"
        longest = good + (good[-1] * (f.max_length - len(good)) if not f.pattern else "")
        values = [good, "", " ", "\u3000", good + " ", " " + good, "=" + good, "+" + good, "-" + good, "@" + good,
                  good + "\x07", good + "\x9f", good + "\n" + good, good + "\t", good + "\r", longest, longest + good[-1],
                  good[:-1] + "\u00e9", "x" + good]
        return list(dict.fromkeys(v for v in values))
    if f.type.name == "date":
        return ["2023-02-28", "2024-02-29", "2023-02-30", "2023-2-3", "23-02-28", "2023-13-01", "2023-02-28 "]
    low = f.minimum if f.minimum is not None else -1e15
    high = f.maximum if f.maximum is not None else 1e15
    if f.type.name == "integer":
        low, high = int(max(low, -2**53)), int(min(high, 2**53))
        return [low - 1, low, low + 1, 0, high - 1, high, high + 1]
    return [low - 0.5, low, low + 0.25, 0.0, high - 0.25, high, high + 0.5, -1e16, 1e16]


FIELDS = sorted({f.name: f for t in REG.tables.values() for f in t.fields}.values(), key=lambda f: f.name)


def _optional(f: Field) -> Field:
    from dataclasses import replace

    return replace(f, required=False)


def _pandera_verdicts(f: Field, values: list) -> list[bool]:
    import pandera.pandas as pa

    frame = pd.DataFrame({f.name: pd.array(values, dtype=f.type.pandas)})
    try:
        pa.DataFrameSchema({f.name: column(_optional(f))}).validate(frame, lazy=True)
        return [True] * len(values)
    except SchemaErrors as err:
        bad = set(err.failure_cases["index"].dropna().astype(int))
        return [i not in bad for i in range(len(values))]


def _sql_verdicts(f: Field, values: list) -> list[bool]:
    con = sqlite3.connect(":memory:")
    checks = sql_checks(f, "v")
    con.execute(f"CREATE TABLE t (v {f.type.sql} CHECK (v IS NULL OR ({' AND '.join(checks) or '1'})))")
    out = []
    for v in values:
        try:
            con.execute("INSERT INTO t VALUES (?)", (v,))
            out.append(True)
        except sqlite3.IntegrityError:
            out.append(False)
    return out


@pytest.fixture(scope="module")
def gx_verdicts():
    """Great Expectations' verdict on every boundary value of every field, in one context."""
    import great_expectations as gx

    from pipeline.registry.expectations import field_expectations

    ctx = gx.get_context(mode="ephemeral")
    source = ctx.data_sources.add_pandas("boundaries")
    verdicts = {}
    for i, f in enumerate(FIELDS):
        values = boundary_values(f)
        frame = pd.DataFrame({f.name: pd.array(values, dtype=f.type.pandas)})
        batch = source.add_dataframe_asset(name=f"f{i}").add_batch_definition_whole_dataframe("b").get_batch(
            batch_parameters={"dataframe": frame})
        ok = [True] * len(values)
        for expectation in field_expectations(_optional(f)):
            result = batch.validate(expectation, result_format="COMPLETE")
            assert not (result.exception_info or {}).get("raised_exception"), (f.name, result.exception_info)
            for index in result.result.get("unexpected_index_list") or []:
                ok[index] = False
        verdicts[f.name] = ok
    return verdicts


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.name)
def test_every_rendering_judges_every_boundary_value_of_a_field_alike(f, gx_verdicts):
    values = boundary_values(f)
    curator = [judge(f, v) is None for v in values]
    assert any(curator) and not all(curator), (f.name, list(zip(values, curator)))
    assert _pandera_verdicts(f, values) == curator, ("pandera", f.name, values)
    assert _sql_verdicts(f, values) == curator, ("sqlite", f.name, values)
    assert gx_verdicts[f.name] == curator, ("great expectations", f.name, values)


@pytest.mark.parametrize("name", [t.name for t in REG.tables.values() if t.rules])
def test_every_rule_is_judged_alike_on_a_record_in_pandera_and_in_sqlite(name):
    table = REG.tables[name]
    for rule in table.rules:
        rows = []
        cols = sorted(rule.columns)
        probes = {"amount_min": [None, 1.0, 2.0, 7.0], "amount_max": [None, 1.0, 2.0], "open_bound": [None, "upper", "lower"],
                  "statistic": [None, "range", "mean"], "char_start": [0, 1, 2], "char_end": [1, 2],
                  "start_year": [None, 2018, 2028], "end_year": [None, 2018, 2028], "change_pct": [None, -2.0, 3.0],
                  "quote": ["from 1 to 2018 dollars, 2% of 2028"], "translation": ["machine", "human", "unknown"],
                  "translation_basis": [None, "stated"]}
        import itertools

        sample = {"integer": 2000, "number": 1.0, "string": "x", "date": "2020-01-01", "boolean": True}
        space = [probes.get(c, [None, table.field(c).enum[0] if table.field(c).enum else sample[table.field(c).type.name]])
                 for c in cols]
        for combo in itertools.product(*space):
            rows.append(dict(zip(cols, combo)))
        on_records = [not broken_by(rule, r) for r in rows]
        frame = pd.DataFrame({c: pd.array([r[c] for r in rows], dtype=table.field(c).type.pandas) for c in cols})
        assert (~violations(rule, frame)).tolist() == on_records, (name, str(rule))
        check = sql_check(rule)
        if check:
            con = sqlite3.connect(":memory:")
            con.execute(f"CREATE TABLE t ({', '.join(chr(34) + c + chr(34) for c in cols)}, CHECK ({check}))")
            in_sql = []
            for r in rows:
                try:
                    con.execute(f"INSERT INTO t VALUES ({', '.join('?' for _ in cols)})", [r[c] for c in cols])
                    in_sql.append(True)
                except sqlite3.IntegrityError:
                    in_sql.append(False)
            assert in_sql == on_records, (name, str(rule))
        assert any(on_records) and not all(on_records), (name, str(rule))


def test_pandera_rejects_a_duplicate_primary_key_and_a_value_outside_its_enum():
    table = REG.tables["duties"]
    row = {"duty_id": "answer_customer_inquiries", "label_en": "Answer questions", "category": "inquiry_handling"}
    with pytest.raises(SchemaErrors) as err:
        pandera_schema(table).validate(to_frame(table, to_arrow(table, [row, row])), lazy=True)
    assert "duty_id" in err.value.failure_cases["column"].astype(str).tolist()
    with pytest.raises(SchemaErrors) as err:
        pandera_schema(table).validate(to_frame(table, to_arrow(table, [{**row, "category": "cooking"}])), lazy=True)
    assert "cooking" in err.value.failure_cases["failure_case"].astype(str).tolist()


def test_sqlite_enforces_allowed_values_and_text_rules():
    con = sqlite3.connect(":memory:")
    con.executescript(ddl(REG))
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO duties VALUES ('x', 'X', 'cooking', 'Sell things.')")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO duties VALUES ('x', '=HYPERLINK(1)', 'sales', 'Sell things.')")
    con.execute("INSERT INTO duties VALUES ('x', 'Sell', 'sales', 'Sell things.')")


def test_no_list_of_allowed_values_or_table_name_is_written_outside_the_registry():
    """Allowed values and table names live in schemas/: no code file spells out two values of one
    field's list (except where the pipeline computes the field's value, and the annualization
    factors per period, tested above to cover exactly the registry's periods), and each table is
    named by at most one code file."""
    from pathlib import Path

    code = {p.as_posix(): p.read_text(encoding="utf-8") for p in Path("pipeline").rglob("*.py")}
    allowed = {("period", "pipeline/transform/fx.py"),
               # each external scheme's list, and the schemes that cover each kind of concept
               ("target_scheme", "pipeline/curation/reference.py"), ("target_scheme", "pipeline/curation/crosswalks.py"),
               # schema.org's property names ("skills") that happen to spell a pay-factor type
               ("factor_type", "pipeline/release/site/occupation.py"),
               # the SKOS property of each match type, and the matches a link column may hold
               ("match_type", "pipeline/release/skos.py"), ("match_type", "pipeline/curation/crosswalks.py"),
               # the EU language authority's code of each source language, which DCAT-AP asks for
               ("lang", "pipeline/release/dcat.py"), ("original_lang", "pipeline/release/dcat.py")}
    for name, f in REG.fields.items():
        for path, text in code.items():
            spelled = [v for v in f.enum or () if re.search(rf"['\"]{re.escape(v)}['\"]", text)]
            assert len(spelled) < 2 or (name, path) in allowed or f.origin == "computed", (name, path, spelled)
    for table in REG.tables:
        special_cased = rf"((tables|frames|rows|counts)\[|(name|table|table\.name) [=!]= )['\"]{table}['\"]"
        users = [path for path, text in code.items() if re.search(special_cased, text)]
        assert len(users) <= 1, (table, users)
