"""Bad input gets a clear `file:line: what is wrong` error, never a traceback, and the release in
output/ stays exactly as it was. Each case breaks one real file of a copy of the repository."""
from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

from conftest import run_pipeline, snapshot

MAPPINGS = "raw/mappings"


def _first_record(repo: Path, section: str, having: str | None = None):
    """(mapping path, record, its line) of the first record of `section` in any mapping."""
    for path in sorted((repo / MAPPINGS).glob("*.yaml")):
        doc = YAML().load(path.read_text(encoding="utf-8"))
        for i, record in enumerate(doc.get(section) or []):
            if having is None or record.get(having) is not None:
                return path, record, doc[section].lc.item(i)[0] + 1
    raise AssertionError(f"no mapping has a {section} record")


def _key_line(record, key: str) -> int:
    return record.lc.key(key)[0] + 1


def _replace_line(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def _fails_cleanly(repo: Path, expected: str) -> str:
    before = snapshot(repo / "output")
    result = run_pipeline(repo, "build", "--force")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(expected, result.stderr), result.stderr
    assert snapshot(repo / "output") == before, "a failed build changed output/"
    return result.stderr


def test_a_quote_missing_from_its_source_is_rejected_with_its_line_and_the_nearest_passage(repo_copy):
    path, record, _ = _first_record(repo_copy, "duties")
    line = _key_line(record, "quote")
    quote = record["quote"]
    _replace_line(path, line, quote, quote[:-2] + "ZZ")
    err = _fails_cleanly(repo_copy, rf"{MAPPINGS}/{path.name}:{line}: quote not found")
    assert "nearest passage, line" in err and quote[:-2] in err


def test_an_unknown_duty_id_is_rejected_with_a_suggestion(repo_copy):
    path, record, _ = _first_record(repo_copy, "duties", having="duty")
    line = _key_line(record, "duty")
    _replace_line(path, line, record["duty"], record["duty"] + "x")
    _fails_cleanly(repo_copy, rf"{MAPPINGS}/{path.name}:{line}: unknown duty_id '{record['duty']}x' \(did you mean '{record['duty']}'\?\)")


def test_a_bad_country_code_is_rejected(repo_copy):
    path, record, rec_line = _first_record(repo_copy, "salaries", having="country")
    _replace_line(path, _key_line(record, "country"), f"country: {record['country']}", "country: XK9")
    _fails_cleanly(repo_copy, rf"{MAPPINGS}/{path.name}:\d+: country 'XK9' does not match the pattern")
    path.write_text(path.read_text(encoding="utf-8").replace("country: XK9", "country: QQ"), encoding="utf-8")
    _fails_cleanly(repo_copy, rf"{MAPPINGS}/{path.name}:{rec_line}: country 'QQ' is not an ISO 3166-1 alpha-2 code")


def test_a_bad_currency_code_is_rejected(repo_copy):
    path, record, rec_line = _first_record(repo_copy, "salaries")
    _replace_line(path, _key_line(record, "currency"), f"currency: {record['currency']}", "currency: XYZ")
    _fails_cleanly(repo_copy, rf"{MAPPINGS}/{path.name}:{rec_line}: currency 'XYZ' is not an ISO 4217 code")


def test_an_amount_that_disagrees_with_its_quote_is_rejected(repo_copy):
    path, record, rec_line = _first_record(repo_copy, "salaries", having="amount_min")
    amount = record["amount_min"]
    _replace_line(path, _key_line(record, "amount_min"), f"amount_min: {amount}", f"amount_min: {amount + 1}")
    _fails_cleanly(repo_copy, rf"{MAPPINGS}/{path.name}:{rec_line}: amount_min {amount + 1:g} is not a number written in the quote")


def test_a_raw_file_whose_sha256_changed_is_rejected_before_anything_else(repo_copy):
    raw = sorted((repo_copy / "raw/sources").glob("*.txt"))[0]
    raw.write_bytes(raw.read_bytes().replace(b"\n", b"\r\n", 1))
    sidecar = raw.with_suffix(".yaml")
    line = next(i for i, text in enumerate(sidecar.read_text(encoding="utf-8").split("\n"), 1) if text.startswith("sha256:"))
    _fails_cleanly(repo_copy, rf"raw/sources/{sidecar.name}:{line}: sha256 of raw/sources/{raw.name} is [0-9a-f]{{64}}, "
                              r"but the sidecar records [0-9a-f]{64}: the raw text changed")


def test_a_malformed_mapping_file_is_rejected_with_the_line_the_parser_stopped_on(repo_copy):
    path = sorted((repo_copy / MAPPINGS).glob("*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    target = next(i for i, text in enumerate(lines) if text.lstrip().startswith("- quote:"))
    lines[target] = lines[target].replace("- quote:", "- quote: [unclosed", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    # The flow sequence opened on line target+1 swallows the next lines; the parser stops at the
    # first line that cannot continue it, and that is the line reported.
    err = _fails_cleanly(repo_copy, rf"{MAPPINGS}/{path.name}:\d+: malformed YAML")
    reported = int(re.search(rf"{path.name}:(\d+): malformed YAML", err).group(1))
    assert target + 1 <= reported <= target + 3


def test_an_unreviewed_line_is_reported_with_its_number(repo_copy):
    path = sorted((repo_copy / MAPPINGS).glob("*.yaml"))[0]
    doc = YAML().load(path.read_text(encoding="utf-8"))
    first = doc["excluded"][0]
    start = int(str(first["lines"]).split("-")[0])
    text = path.read_text(encoding="utf-8")
    line = doc["excluded"].lc.item(0)[0] + 1
    lines = text.split("\n")
    lines[line - 1] = re.sub(r"lines: ['\"]?[0-9-]+['\"]?", "lines: 999999", lines[line - 1], count=1)
    assert "lines: 999999" in lines[line - 1], lines[line - 1]
    path.write_text("\n".join(lines), encoding="utf-8")
    err = _fails_cleanly(repo_copy, rf"{MAPPINGS}/{path.name}:{line}: lines '?999999'? outside")
    assert re.search(rf"{MAPPINGS}/{path.name}:1: \d+ non-empty line\(s\) .* are unreviewed .*\b{start}\b", err), err
