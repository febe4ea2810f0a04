"""The YAML reader behind every file:line message: line numbers, YAML 1.2 booleans, duplicate keys."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT, run_pipeline
from pipeline import yamlfile
from pipeline.problems import Problems

MAPPING = ROOT / "raw/mappings/ru-csr-duties-and-responsibilities.yaml"


def test_every_record_of_a_real_mapping_knows_the_line_of_each_key():
    doc = yamlfile.parse(MAPPING.read_text(encoding="utf-8"))
    lines = MAPPING.read_text(encoding="utf-8").split("\n")
    for i, record in enumerate(doc["duties"]):
        assert lines[yamlfile.item_line(doc["duties"], i) - 1].lstrip().startswith("- quote:")
        assert lines[yamlfile.line_of(record, "duty") - 1].lstrip().startswith("duty:")


def test_only_true_and_false_are_booleans():
    doc = yamlfile.parse("a: no\nb: On\nc: off\nd: true\ne: False\n")
    assert doc == {"a": "no", "b": "On", "c": "off", "d": True, "e": False}


def test_a_key_written_twice_is_reported_at_its_second_line(tmp_path: Path):
    path = tmp_path / "twice.yaml"
    path.write_text("source_id: x\ndefaults:\n  role: a\n  role: b\n", encoding="utf-8")
    problems = Problems()
    assert yamlfile.load(path, problems) is None
    assert [(p.line, p.message) for p in problems.items] == [
        (4, "duplicate key: found the key 'role' a second time in the mapping that starts on line 3; keep one")]


def test_a_duplicated_key_in_a_mapping_record_fails_the_check_with_its_line(repo_copy):
    path = repo_copy / "raw/mappings" / MAPPING.name
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, text in enumerate(lines) if text.lstrip().startswith("duty:"))
    lines.insert(at + 1, lines[at])
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run_pipeline(repo_copy, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(rf"raw/mappings/{MAPPING.name}:{at + 2}: duplicate key: found the key 'duty' a second time", result.stderr), result.stderr
