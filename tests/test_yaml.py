"""The YAML reader behind every file:line message: line numbers, YAML 1.2 scalars, and the limits
that keep a hostile file from crashing, hanging or smuggling a value in."""
from __future__ import annotations

import time

import pytest
from conftest import ROOT

from pipeline.common import yamlfile
from pipeline.common.yamlfile import YamlProblem, parse

MAPPING = ROOT / "raw/mappings/ru-csr-duties-and-responsibilities.yaml"


def test_every_record_of_a_real_mapping_knows_the_line_of_each_key():
    doc = parse(MAPPING.read_text(encoding="utf-8"))
    lines = MAPPING.read_text(encoding="utf-8").split("\n")
    for i, record in enumerate(doc["duties"]):
        assert lines[yamlfile.item_line(doc["duties"], i) - 1].lstrip().startswith("- quote:")
        assert lines[yamlfile.line_of(record, "duty") - 1].lstrip().startswith("duty:")


def test_scalars_follow_the_yaml_1_2_core_schema():
    doc = parse("a: no\nb: On\nc: true\nd: 2023-02-30\ne: 1.5\nf: 0x1F\ng: ~\nh: '12'\ni: 1_000\nj: .inf\n")
    assert doc == {"a": "no", "b": "On", "c": True, "d": "2023-02-30", "e": 1.5, "f": 31, "g": None, "h": "12",
                   "i": "1_000", "j": float("inf")}


def test_keys_are_names_never_numbers_or_booleans():
    assert parse("1: a\ntrue: b\nnull: c\n") == {"1": "a", "true": "b", "null": "c"}


@pytest.mark.parametrize("text, line, message", [
    ("a: !!binary aGVsbG8=\n", 1, "explicit YAML tag !!binary"),
    ("a:\n  b: !!python/object/apply:os.system [ls]\n", 2, "explicit YAML tag !!python/object/apply:os.system"),
    ("a: !!set {x: null}\n", 1, "explicit YAML tag !!set"),
    ("a: &x [1, *x]\n", 1, "alias *x refers to a value that contains it"),
    ("a: *missing\n", 1, "alias *missing has no anchor"),
    ("? [a, b]\n: 1\n", 1, "a key must be a plain name"),
    ("a: 1\nb:\n  c: 1\n  c: 2\n", 4, "duplicate key"),
    ("a: 1\n---\nb: 2\n", 2, "a second YAML document"),
    ("a: " + "[" * 60 + "]" * 60 + "\n", 1, "nesting deeper than 40 levels"),
    ("a:\n\t- 1\n", 2, "malformed YAML"),
    ("a: 1\nb: \x07\n", 2, "the character U+0007 is not allowed"),
    ("x: Ω\ny: \x00\n", 2, "the character U+0000 is not allowed"),
])
def test_refused_yaml_is_reported_at_its_line(text, line, message):
    with pytest.raises(YamlProblem) as err:
        parse(text)
    assert err.value.line == line and message in err.value.message, (err.value.line, err.value.message)


def test_nested_aliases_are_refused_before_they_expand():
    levels = ["l0: &l0 [" + ", ".join(["lol"] * 10) + "]"]
    levels += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 12)]
    started = time.perf_counter()
    with pytest.raises(YamlProblem, match="aliases expand this document"):
        parse("\n".join(levels) + "\n")
    assert time.perf_counter() - started < 5, "the check must not expand the aliases to refuse them"


def test_aliases_and_merge_keys_within_reason_still_work():
    doc = parse("base: &b {role: r, setting: general}\nrecord:\n  <<: *b\n  setting: retail\nagain: *b\n")
    assert doc["record"] == {"role": "r", "setting": "retail"} and doc["again"] == {"role": "r", "setting": "general"}
