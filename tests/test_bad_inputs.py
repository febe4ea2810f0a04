"""Every bad input, in every input file, gives `file:line: what is wrong; how to fix it`, never a
traceback, a hang, or a silently dropped or altered value, and leaves output/ byte-identical.

Each case breaks one real file of a copy of the repository the way a careless or hostile curator
would, runs the real command line, and checks the message (file, line, what) and the release.
One case of each class runs a whole `build --force`; the rest run `check`, which is the first half
of every build (nothing is written before it passes).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import digest, run

RU = "raw/mappings/ru-csr-duties-and-responsibilities.yaml"
RU_SIDECAR = "raw/sources/ru-csr-duties-and-responsibilities.yaml"
RU_TEXT = "raw/sources/ru-csr-duties-and-responsibilities.txt"


def line_of(repo: Path, rel: str, text: str, nth: int = 1) -> int:
    """1-based line of the nth line of a file that contains `text`."""
    hits = [i for i, line in enumerate((repo / rel).read_text(encoding="utf-8").split("\n"), 1) if text in line]
    assert len(hits) >= nth, (rel, text)
    return hits[nth - 1]


def replace(repo: Path, rel: str, old: str, new: str, nth: int = 1) -> int:
    """Replace the nth occurrence of `old` in a file; the line where it was."""
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    at = -1
    for _ in range(nth):
        at = text.index(old, at + 1)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def replace_line(repo: Path, rel: str, containing: str, new: str, nth: int = 1) -> int:
    number = line_of(repo, rel, containing, nth)
    path = repo / rel
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[number - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return number


def append(repo: Path, rel: str, text: str) -> int:
    path = repo / rel
    before = path.read_text(encoding="utf-8")
    if not before.endswith("\n"):
        before += "\n"
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


def fails(repo: Path, command: str, expected: str) -> str:
    """Run the command; it must fail cleanly with `expected` and leave output/ exactly as it was."""
    before = digest(repo / "output")
    args = ["build", "--force"] if command == "build" else [command]
    result = run(repo, *args)
    assert result.code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert re.search(expected, result.stderr), f"expected {expected!r} in:\n{result.stderr}"
    for line in result.stderr.strip().split("\n")[:-2]:
        assert re.match(r"[^:\s]+:\d+: \S", line), f"not file:line: message: {line!r}"
    assert digest(repo / "output") == before, "a failed command changed output/"
    return result.stderr


def _line(repo, rel, containing, nth=1):
    return line_of(repo, rel, containing, nth)


# --- sidecars ------------------------------------------------------------------------------------

def test_an_impossible_date_in_a_sidecar_is_refused_at_its_line(repo):
    n = replace_line(repo, RU_SIDECAR, "published: null", "published: 2023-02-30")
    fails(repo, "build", rf"{RU_SIDECAR}:{n}: published 2023-02-30 is not a date that exists")


def test_a_date_that_is_not_a_date_is_refused(repo):
    n = replace_line(repo, RU_SIDECAR, "published: null", "published: last spring")
    fails(repo, "check", rf"{RU_SIDECAR}:{n}: published 'last spring' is not a date; write it as YYYY-MM-DD")


def test_a_source_published_after_the_release_is_refused_and_the_release_date_is_read_from_the_registry(repo):
    released = re.search(r"^date_published: (\S+)$", (repo / "schemas/dataset.yaml").read_text("utf-8"), re.M).group(1)
    n = replace_line(repo, RU_SIDECAR, "published: null", "published: 2999-01-01")
    fails(repo, "check", rf"{RU_SIDECAR}:{n}: published 2999-01-01 is after the release date {released}")
    replace_line(repo, RU_SIDECAR, "published: 2999-01-01", f"published: {released}")  # the same day is fine
    assert run(repo, "check").code == 0
    replace(repo, "schemas/dataset.yaml", f"date_published: {released}", "date_published: 2000-01-01")
    fails(repo, "check", rf"{RU_SIDECAR}:{n}: published {released} is after the release date 2000-01-01")


def test_a_bad_language_tag_is_reported_at_the_sidecar_not_at_the_schema(repo):
    n = replace_line(repo, RU_SIDECAR, "lang: ru", "lang: russian")
    fails(repo, "build", rf"{RU_SIDECAR}:{n}: lang 'russian' is not one of: ar, ru, zh-Hans, en")


def test_a_seed_file_outside_the_seeds_folder_is_refused(repo):
    n = replace_line(repo, RU_SIDECAR, "seed_file:", "seed_file: ../../etc/passwd")
    fails(repo, "check", rf"{RU_SIDECAR}:{n}: seed_file '\.\./\.\./etc/passwd' must name a file directly in shared/seeds/")


def test_an_unknown_sidecar_key_is_refused_with_a_suggestion(repo):
    n = append(repo, RU_SIDECAR, "publised: 2020-01-01\n")
    fails(repo, "check", rf"{RU_SIDECAR}:{n}: unknown key 'publised' \(did you mean 'published'\?\)")


def test_a_changed_raw_text_is_refused_before_anything_else(repo):
    raw = repo / RU_TEXT
    raw.write_bytes(raw.read_bytes().replace(b"\n", b"\r\n", 1))
    n = line_of(repo, RU_SIDECAR, "sha256:")
    fails(repo, "build", rf"{RU_SIDECAR}:{n}: sha256 of {RU_TEXT} is [0-9a-f]{{64}}, but the sidecar records "
                         r"[0-9a-f]{64}: the raw text changed")


def test_a_raw_text_linked_from_outside_the_repository_is_refused(repo, tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes((repo / RU_TEXT).read_bytes())
    (repo / RU_TEXT).unlink()
    os.symlink(outside, repo / RU_TEXT)
    fails(repo, "build", rf"{RU_TEXT}:1: source text resolves to .*elsewhere.txt, outside raw/sources; inputs must be "
                         "regular files inside the repository")


def test_a_raw_text_that_is_a_folder_or_a_fifo_is_refused_without_hanging(repo):
    (repo / RU_TEXT).unlink()
    os.mkfifo(repo / RU_TEXT)
    fails(repo, "check", rf"{RU_TEXT}:1: source text is not a regular file")
    (repo / RU_TEXT).unlink()
    (repo / RU_TEXT).mkdir()
    fails(repo, "check", rf"{RU_TEXT}:1: source text is a folder")


def test_an_oversized_input_is_refused_without_reading_it(repo):
    with open(repo / RU, "r+b") as fh:
        fh.truncate(64 * 1024 * 1024)  # sparse: costs no disk and, refused by its size, no memory
    fails(repo, "check", rf"{RU}:1: mapping is 67,108,864 bytes, more than the 16,777,216 a mapping may have")


# --- YAML itself ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("!!binary aGVsbG8=", r"explicit YAML tag !!binary is not allowed"),
    ("!!python/object:os.system {}", r"explicit YAML tag !!python/object:os.system is not allowed"),
    ("!!str Customer service", r"explicit YAML tag !!str is not allowed"),
    ("!custom Customer service", r"explicit YAML tag !custom is not allowed"),
])
def test_every_explicit_yaml_tag_is_refused(repo, value, expected):
    n = replace_line(repo, RU, "  text_en: Customer service representative", f"  text_en: {value}")
    fails(repo, "check", rf"{RU}:{n}: {expected}")


def test_a_tag_on_a_mapping_is_refused(repo):
    n = replace_line(repo, RU, "defaults:", "defaults: !!map")
    fails(repo, "build", rf"{RU}:{n}: explicit YAML tag !!map is not allowed")


def test_an_alias_that_contains_itself_is_refused(repo):
    n = replace_line(repo, RU, "defaults:", "loop: &a [1, *a]\ndefaults:")
    fails(repo, "check", rf"{RU}:{n}: alias \*a refers to a value that contains it")


def test_a_billion_laughs_is_refused_quickly(repo):
    bomb = "\n".join([f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)])
    replace_line(repo, RU, "defaults:", "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + bomb + "\ndefaults:")
    fails(repo, "build", rf"{RU}:\d+: aliases expand this document to more than [\d,]+ values")


def test_nesting_without_end_is_refused(repo):
    n = append(repo, RU, "deep: " + "[" * 200 + "]" * 200 + "\n")
    fails(repo, "check", rf"{RU}:{n}: nesting deeper than 40 levels")


def test_a_key_that_is_a_structure_is_refused(repo):
    n = append(repo, RU, "? [a, b]\n: 1\n")
    fails(repo, "check", rf"{RU}:{n}: a key must be a plain name")


def test_a_key_written_twice_is_refused_at_its_second_line(repo):
    n = replace_line(repo, RU, "  setting: general", "  setting: general\n  setting: retail")
    fails(repo, "build", rf"{RU}:{n + 1}: duplicate key: found the key 'setting' a second time in the mapping that "
                         rf"starts on line {n - 1}; keep one")


def test_a_second_document_is_refused(repo):
    n = append(repo, RU, "---\nsource_id: x\n")
    fails(repo, "check", rf"{RU}:{n}: a second YAML document")


def test_a_control_character_in_a_yaml_file_is_refused_at_its_line(repo):
    n = replace(repo, RU, "  kind: primary", "  kind: prim\x00ary")
    fails(repo, "check", rf"{RU}:{n}: the character U\+0000 is not allowed in a YAML file")


def test_bytes_that_are_not_utf8_are_refused_at_their_line(repo):
    path = repo / RU
    data = path.read_bytes()
    at = data.index(b"  kind: primary")
    path.write_bytes(data[:at] + b"  kind: \xff\xfe" + data[at + len(b"  kind: primary"):])
    n = data.count(b"\n", 0, at) + 1
    fails(repo, "check", rf"{RU}:{n}: the mapping is not valid UTF-8")


def test_malformed_yaml_is_reported_where_the_parser_stopped(repo):
    n = replace_line(repo, RU, "  kind: primary", "  kind: [primary")
    err = fails(repo, "check", rf"{RU}:\d+: malformed YAML")
    reported = int(re.search(rf"{re.escape(RU)}:(\d+): malformed YAML", err).group(1))
    assert n <= reported <= n + 3


def test_an_empty_mapping_file_says_how_to_start_it(repo):
    (repo / RU).write_text("# nothing yet\n", encoding="utf-8")
    fails(repo, "check", rf"{RU}:1: the mapping is empty; start it with `source_id: ru-csr-duties-and-responsibilities`")


# --- mapping records -----------------------------------------------------------------------------

def test_an_unknown_role_in_defaults_is_reported_once_at_the_defaults_line(repo):
    n = replace_line(repo, RU, "  role: customer_service_representative", "  role: customer_service_rep")
    err = fails(repo, "build", rf"{RU}:{n}: unknown role_id 'customer_service_rep' \(did you mean "
                               r"'customer_service_representative'\?\)")
    assert "1 problem(s)" in err, err


def test_an_unknown_key_in_defaults_is_refused(repo):
    n = replace_line(repo, RU, "  setting: general", "  setting: general\n  seting: retail") + 1
    fails(repo, "check", rf"{RU}:{n}: unknown key 'seting' in defaults \(did you mean 'setting'\?\)")


def test_a_bad_value_in_defaults_is_checked_like_a_record_value(repo):
    n = replace_line(repo, RU, "  setting: general", "  setting: call_center")
    err = fails(repo, "check", rf"{RU}:{n}: setting 'call_center' is not one of: .*\(did you mean 'call_centre'\?\)")
    assert "1 problem(s)" in err, err


@pytest.mark.parametrize("value, expected", [
    ("''", r"is empty"),
    ("'   '", r"holds only whitespace"),
    ('"Customer\\x07 service"', r"holds the control character U\+0007 at position 9"),
    ('"Customer\\nservice"', r"holds the control character U\+000A at position 9; remove it \(a one-line text"),
    ("' Customer service'", r"starts or ends with whitespace"),
    ("=HYPERLINK(\"http://x\")", r"starts with '=', which spreadsheets evaluate as a formula"),
    ("'+1 customer'", r"starts with '\+', which spreadsheets evaluate as a formula"),
    ("'-2% jobs'", r"starts with '-', which spreadsheets evaluate as a formula"),
    ("'@agent'", r"starts with '@', which spreadsheets evaluate as a formula"),
    ("'" + "x" * 2001 + "'", r"is 2,001 characters long, more than the 2,000 allowed"),
    ("true", r"must be text, got True"),
    ("12", r"must be text, got 12; put it in quotes: '12'"),
    ("[a, b]", r"must be text, got \['a', 'b'\]"),
])
def test_a_bad_translation_is_refused_at_its_line(repo, value, expected):
    n = replace_line(repo, RU, "  text_en: Customer service representative", f"  text_en: {value}")
    fails(repo, "check", rf"{RU}:{n}: text_en .*{expected}")


def test_a_formula_in_curated_text_is_refused_in_a_build_too(repo):
    n = replace_line(repo, RU, "  text_en: Customer service representative", "  text_en: '=1+1'")
    fails(repo, "build", rf"{RU}:{n}: text_en '=1\+1' starts with '='")


def test_a_missing_translation_is_refused_at_the_record(repo):
    n = line_of(repo, RU, "- quote: Представитель службы поддержки клиентов")
    replace_line(repo, RU, "  text_en: Customer service representative", "  # no translation yet")
    fails(repo, "check", rf"{RU}:{n}: missing 'text_en': Faithful English translation")


def test_a_quote_missing_from_its_source_is_rejected_with_the_nearest_passage(repo):
    n = replace(repo, RU, "зарабатывают до 16.69 долларов в час.", "зарабатывают до 16.69 долларов в день.")
    fails(repo, "build", rf"{RU}:{n}: quote not found in ru-csr-duties-and-responsibilities.txt: .*nearest passage, "
                         r"line 99 \(\d+% similar\)")


def test_an_amount_that_is_not_written_in_its_quote_is_refused(repo):
    record = line_of(repo, RU, "- quote: В среднем представители службы")
    replace_line(repo, RU, "  amount_min: 16.69", "  amount_min: 16.7")
    replace_line(repo, RU, "  amount_max: 16.69", "  amount_max: 16.7")
    fails(repo, "build", rf"{RU}:{record}: amount_min 16.7 is not a number written in the quote")


@pytest.mark.parametrize("edit, expected", [
    (("  amount_min: 16.69", "  amount_min: '16,69'"), r"amount_min must be a number \(write 46100, not '46,100'\), got '16,69'"),
    (("  amount_min: 16.69", "  amount_min: .nan"), r"amount_min must be a finite number, got nan"),
    (("  amount_min: 16.69", "  amount_min: .inf"), r"amount_min must be a finite number, got inf"),
    (("  amount_min: 16.69", "  amount_min: -16.69"), r"amount_min -16.69 is below the minimum 0"),
    (("  currency: USD", "  currency: XYZ"), r"currency 'XYZ' is not an ISO 4217 currency code(?! \()"),
    (("  currency: USD", "  currency: usd"), r"currency 'usd' is not an ISO 4217 currency code \(did you mean 'USD' \(US Dollar\)\?\)"),
    (("  country: US", "  country: QQ"), r"country 'QQ' is not an ISO 3166-1 alpha-2 country code(?! \()"),
    (("  country: US", "  country: USA"), r"country 'USA' is not an ISO 3166-1 alpha-2 country code \(did you mean 'US' \(United States\)\?\)"),
    (("  country: US", "  country: Russia"), r"country 'Russia' is not an ISO 3166-1 alpha-2 country code \(did you mean 'RU'"),
    (("  period: hour", "  period: hourly"), r"period 'hourly' is not one of: hour, week, month, year \(did you mean 'hour'\?\)"),
])
def test_a_bad_salary_value_is_refused_at_its_line(repo, edit, expected):
    n = replace_line(repo, RU, edit[0], edit[1])
    fails(repo, "check", rf"{RU}:{n}: {expected}")


def test_a_salary_whose_minimum_exceeds_its_maximum_is_refused_by_the_registry_rule(repo):
    record = line_of(repo, RU, "- quote: Их зарплата колеблется")
    replace_line(repo, RU, "  amount_min: 11.05", "  amount_min: 27.11")
    replace_line(repo, RU, "  amount_max: 27.11", "  amount_max: 11.05")
    fails(repo, "build", rf"{RU}:{record}: amount_min 27.11, amount_max 11.05: amount_min is greater than amount_max")


def test_a_missing_amount_without_an_open_bound_is_refused(repo):
    record = line_of(repo, RU, "- quote: Их зарплата колеблется")
    replace_line(repo, RU, "  amount_max: 27.11", "  amount_max: null")
    fails(repo, "check", rf"{RU}:{record}: one amount is null but open_bound is not set")


def test_a_country_without_its_basis_is_refused(repo):
    record = line_of(repo, RU, "- quote: Их зарплата колеблется")
    replace_line(repo, RU, "  country_basis: stated", "  country_basis: null", nth=2)
    fails(repo, "check", rf"{RU}:{record}: give country and country_basis .* together, or neither")


def test_an_outlook_whose_years_run_backwards_is_refused(repo):
    record = line_of(repo, RU, "- quote: Ожидается, что количество вакансий")
    replace_line(repo, RU, "  start_year: 2018", "  start_year: 2028")
    replace_line(repo, RU, "  end_year: 2028", "  end_year: 2018")
    fails(repo, "check", rf"{RU}:{record}: start_year 2028, end_year 2018: start_year is after end_year")


def test_a_year_too_large_to_store_is_refused(repo):
    n = replace_line(repo, RU, "  start_year: 2018", "  start_year: 99999999999999999999999")
    fails(repo, "check", rf"{RU}:{n}: start_year 99999999999999999999999 is too large to store")


@pytest.mark.parametrize("locator, expected", [
    ("  line: 2.5", r"line must be a whole number, got 2.5"),
    ("  line: 0", r"line 0 is below the minimum 1"),
    ("  line: 9999", r"line 9999 is outside 1-141"),
    ("  occurrence: 2", r"occurrence counts on a line|occurrence 2 does not exist"),
])
def test_a_bad_locator_is_refused(repo, locator, expected):
    n = replace_line(repo, RU, "  line: 2", locator)
    fails(repo, "check", rf"{RU}:{n}: {expected}|{RU}:{n - 2}: {expected}")


def test_a_record_that_is_not_a_mapping_is_refused(repo):
    n = replace_line(repo, RU, "titles:", "titles:\n- just a sentence") + 1
    fails(repo, "check", rf"{RU}:{n}: a record must be a mapping of keys")


def test_a_section_that_is_not_a_list_and_an_unknown_section_are_refused(repo):
    n = append(repo, RU, "dutys:\n- quote: x\n")
    fails(repo, "check", rf"{RU}:{n}: unknown section 'dutys' \(did you mean 'duties'\?\)")


def test_an_unknown_key_in_a_record_is_refused_with_a_suggestion(repo):
    n = replace_line(repo, RU, "  kind: primary", "  kind: primary\n  levle: entry") + 1
    fails(repo, "build", rf"{RU}:{n}: unknown key 'levle' \(did you mean 'level'\?\)")


def test_a_mapping_of_another_source_is_refused(repo):
    n = replace_line(repo, RU, "source_id: ru-csr-duties-and-responsibilities", "source_id: ru-csr-duties")
    fails(repo, "check", rf"{RU}:{n}: source_id 'ru-csr-duties' is not a source in raw/sources \(did you mean")


@pytest.mark.parametrize("entry, expected", [
    ("- lines: 1-2x\n  reason: typo", r"lines '1-2x' must be a line number or a range like 15-19"),
    ("- lines: '200'\n  reason: beyond the end", r"lines '200' outside 1-141"),
    ("- lines: '1'", r"an excluded entry needs `lines`"),
    ("- lines: '1'\n  reason: ''", r"reason is empty; say why the lines are left out"),
    ("- lines: '1'\n  reason: '  '", r"reason is empty; say why the lines are left out"),
    ("- lines: 10-9\n  reason: backwards", r"lines '10-9' runs backwards; write the range first line first \(9-10\)"),
])
def test_a_bad_exclusion_is_refused(repo, entry, expected):
    n = replace_line(repo, RU, "excluded:", "excluded:\n" + entry) + 1
    fails(repo, "check", rf"{RU}:({n}|{n + 1}): {expected}")


@pytest.mark.parametrize("old, new", [
    ("  reason: reader-directed introduction", "  why: reader-directed introduction"),
    ("- lines: '1'", "- lines: one"),
])
def test_a_refused_exclusion_is_reported_once_not_again_as_unreviewed_lines(repo, old, new):
    n = replace(repo, RU, old, new)
    err = fails(repo, "check", rf"{RU}:({n - 1}|{n}): ")
    assert "unreviewed" not in err and err.count(f"{RU}:") == 1, err


def test_an_unreviewed_line_is_reported_with_its_number(repo):
    n = replace_line(repo, RU, "- lines: '1'", "- lines: '139'")
    err = fails(repo, "check", rf"{RU}:{n}: line 139 is excluded but 1 record\(s\) quote it")
    assert re.search(rf"{RU}:1: 1 non-empty line\(s\) of ru-csr-duties-and-responsibilities.txt are unreviewed .*: 1$",
                     err, flags=re.M), err


def test_a_mapping_linked_from_outside_is_refused(repo, tmp_path):
    outside = tmp_path / "mapping.yaml"
    outside.write_bytes((repo / RU).read_bytes())
    (repo / RU).unlink()
    os.symlink(outside, repo / RU)
    fails(repo, "check", rf"{RU}:1: mapping resolves to .*, outside raw/mappings")


def test_a_mapping_with_the_wrong_extension_is_named(repo):
    (repo / RU).rename(repo / RU.replace(".yaml", ".yml"))
    err = fails(repo, "check", rf"{RU.replace('.yaml', '.yml')}:1: raw/mappings holds <source_id>.yaml files")
    assert f"{RU_SIDECAR}:1: source has no mapping" in err


# --- taxonomies and reference lists --------------------------------------------------------------

def test_a_fractional_rank_is_refused_at_its_line(repo):
    n = replace_line(repo, "raw/taxonomy/career_levels.yaml", "  rank: 2", "  rank: 1.5")
    fails(repo, "build", rf"raw/taxonomy/career_levels.yaml:{n}: rank must be a whole number, got 1.5")


def test_a_rank_used_twice_is_refused(repo):
    n = replace_line(repo, "raw/taxonomy/career_levels.yaml", "  rank: 2", "  rank: 1")
    fails(repo, "check", rf"raw/taxonomy/career_levels.yaml:{n - 1}: rank 1 is already used at line 2")


def test_a_category_typo_is_reported_at_the_taxonomy_line(repo):
    n = replace(repo, "raw/taxonomy/duties.yaml", "category: inquiry_handling", "category: inquiry_handlng")
    fails(repo, "build", rf"raw/taxonomy/duties.yaml:{n}: category 'inquiry_handlng' is not one of: .*"
                         r"\(did you mean 'inquiry_handling'\?\)")


def test_an_esco_uri_not_in_the_reference_list_is_refused(repo):
    n = replace(repo, "raw/taxonomy/skills.yaml", "skill/a17286c5-238d-4f0b-bc24-29e9121345de",
                "skill/00000000-238d-4f0b-bc24-29e9121345de")
    fails(repo, "check", rf"raw/taxonomy/skills.yaml:{n}: esco_uri .* is not in raw/reference/")


def test_a_duplicate_concept_is_refused(repo):
    first = line_of(repo, "raw/taxonomy/duties.yaml", "duty_id: answer_customer_inquiries")
    n = append(repo, "raw/taxonomy/duties.yaml",
               '- {duty_id: answer_customer_inquiries, category: inquiry_handling, label_en: "Again", definition_en: "Again."}\n')
    fails(repo, "check", rf"raw/taxonomy/duties.yaml:{n}: duplicate duty_id 'answer_customer_inquiries' "
                         rf"\(first at line {first}\)")


def test_a_reference_list_with_a_broken_row_is_refused_at_its_line(repo):
    path = repo / "raw/reference/esco_skills.csv"
    path.write_text(path.read_text(encoding="utf-8") + "not-a-uri,something\n", encoding="utf-8")
    fails(repo, "check", r"raw/reference/esco_skills.csv:\d+: id 'not-a-uri' is not an ESCO URI of this list")


# --- the registry and the other files of schemas/ -------------------------------------------------

def test_an_unknown_constraint_in_the_registry_is_refused_at_its_line(repo):
    n = replace(repo, "schemas/fields.yaml", "constraints: {required: true, minimum: 0}", "constraints: {requird: true, minimum: 0}")
    fails(repo, "build", rf"schemas/fields.yaml:{n}: field '\w+': unknown constraint 'requird' \(did you mean 'required'\?\)")


def test_a_pattern_sqlite_cannot_check_is_refused(repo):
    n = replace(repo, "schemas/fields.yaml", "pattern: '[0-9]{4}'", r"pattern: '\d{4}'")
    fails(repo, "check", rf"schemas/fields.yaml:{n}: field 'isco08_code': pattern .*write character classes out")


def test_a_table_with_an_undefined_field_is_refused(repo):
    n = replace(repo, "schemas/tables.yaml", "fields: [duty_id, label_en, category,", "fields: [duty_id, label_en, categry,")
    fails(repo, "check", rf"schemas/tables.yaml:{n}: table 'duties' uses undefined field\(s\) 'categry' \(did you mean 'category'\?\)")


def test_a_rule_naming_a_field_the_table_lacks_is_refused(repo):
    n = replace(repo, "schemas/tables.yaml", "not_greater: [start_year, end_year]", "not_greater: [start_year, finish_year]")
    fails(repo, "check", rf"schemas/tables.yaml:{n}: table 'outlook_statements': not_greater names field\(s\) \['finish_year'\]")


@pytest.mark.parametrize("old, new, expected", [
    ("version: 1.0.0", "version: one", r"version 'one' is not of the form MAJOR.MINOR.PATCH"),
    ("date_published: 2026-11-23", "date_published: 2026-02-30", r"date_published '2026-02-30' is not a date that exists"),
    ("homepage: null", "homepage: nowhere", r"homepage 'nowhere' is not of the form https://"),
    ("homepage: null", "homepage: null\nhomepge: x", r"unknown key 'homepge'"),
])
def test_a_bad_dataset_description_is_refused_at_its_line(repo, old, new, expected):
    text = (repo / "schemas/dataset.yaml").read_text(encoding="utf-8")
    version = re.search(r"^version: .*$", text, flags=re.M).group(0)
    date = re.search(r"^date_published: .*$", text, flags=re.M).group(0)
    old = {"version: 1.0.0": version, "date_published: 2026-11-23": date}.get(old, old)
    n = replace(repo, "schemas/dataset.yaml", old, new) + (1 if "\n" in new else 0)
    fails(repo, "check", rf"schemas/dataset.yaml:{n}: {expected}")


@pytest.mark.parametrize("row, expected", [
    ("duties,*,many", r"rows 'many' is not a whole number of rows"),
    ("dutys,*,50", r"'dutys' is not a table of the registry"),
    ("duties,*", r"a row has table,source_id,rows"),
])
def test_a_bad_row_counts_file_is_refused_at_its_line(repo, row, expected):
    n = append(repo, "schemas/row_counts.csv", row + "\n")
    fails(repo, "check", rf"schemas/row_counts.csv:{n}: {expected}")


def test_a_row_count_that_differs_says_to_run_make_counts(repo):
    n = replace_line(repo, "schemas/row_counts.csv", "duties,*,", "duties,*,49")
    fails(repo, "build", rf"schemas/row_counts.csv:{n}: duties has \d+ rows in all; the file expects 49; if the change is "
                         r"intended, run `make counts`")


def test_a_missing_licence_file_is_refused(repo):
    (repo / "LICENSE.md").unlink()
    fails(repo, "build", r"LICENSE.md:1: release file not found")


# --- more of the same classes, from the hostile side ----------------------------------------------

def test_a_default_without_a_value_is_refused_not_applied_as_null(repo):
    n = replace_line(repo, RU, "  role: customer_service_representative", "  role:")
    err = fails(repo, "check", rf"{RU}:{n}: default 'role' has no value; give it one or remove the line")
    assert "1 problem(s)" in err, err


def test_a_quote_that_is_a_number_says_to_quote_it(repo):
    n = replace(repo, RU, "- quote: Представитель службы поддержки клиентов\n", "- quote: 123\n")
    fails(repo, "check", rf"{RU}:{n}: quote must be text, got 123; put it in quotes: '123'")


def test_a_hidden_yaml_file_among_the_mappings_is_not_silently_skipped(repo):
    (repo / "raw/mappings/.draft.yaml").write_text("duties: []\n", encoding="utf-8")
    fails(repo, "check", r"raw/mappings/.draft.yaml:1: missing source_id")


def test_a_second_mapping_of_the_same_source_is_refused(repo):
    (repo / "raw/mappings/zz-copy.yaml").write_bytes((repo / RU).read_bytes())
    fails(repo, "check", r"raw/mappings/zz-copy.yaml:1: a second mapping of ru-csr-duties-and-responsibilities")


def test_a_schema_file_linked_from_outside_is_refused(repo, tmp_path):
    outside = tmp_path / "dataset.yaml"
    outside.write_bytes((repo / "schemas/dataset.yaml").read_bytes())
    (repo / "schemas/dataset.yaml").unlink()
    os.symlink(outside, repo / "schemas/dataset.yaml")
    fails(repo, "build", r"schemas/dataset.yaml:1: registry resolves to .*, outside \.")


# --- input faults that look like something else ---------------------------------------------------

def test_a_quote_in_another_unicode_normalization_form_says_so(repo):
    import unicodedata

    text = (repo / RU_TEXT).read_text(encoding="utf-8")
    word = next(w for w in text.split() if unicodedata.normalize("NFD", w) != w)  # e.g. a word with й or ё
    n = line_of(repo, RU, "- quote: Представитель службы поддержки клиентов")
    replace(repo, RU, "- quote: Представитель службы поддержки клиентов", f"- quote: {unicodedata.normalize('NFD', word)}")
    fails(repo, "check", rf"{RU}:{n}: quote not found .*another Unicode normalization form \(the quote is NFD, the source is NFC\)")


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_mapping_whose_file_name_is_not_utf8_is_named_with_its_bytes(repo, command):
    import os

    os.rename(repo / RU, os.path.join(os.fsencode(repo / "raw/mappings"), b"ru-\xff.yaml"))
    err = fails(repo, command, r"raw/mappings/ru-\\xff\.yaml:1: the file name is not UTF-8 \(its bytes: b'ru-\\xff\.yaml'\)")
    assert "internal error" not in err


def test_an_unclosed_quote_is_reported_where_it_opens(repo):
    n = replace_line(repo, RU, "  text_en: Customer service representative", '  text_en: "Customer service representative')
    fails(repo, "check", rf"{RU}:{n}: malformed YAML: a quoted text opens on this line and is not closed on it")


def test_build_never_calls_up_to_date_a_checkout_that_check_refuses(repo, tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes((repo / RU_TEXT).read_bytes())  # the same bytes, so the build stamp cannot tell
    (repo / RU_TEXT).unlink()
    (repo / RU_TEXT).symlink_to(outside)
    assert run(repo, "check").code == 1
    result = run(repo, "build")
    assert result.code == 1 and "up to date" not in result.stdout, result.stdout + result.stderr


def test_a_restatement_of_one_sentence_recorded_per_setting_names_the_setting(repo):
    n = replace(repo, RU, ".', setting: logistics}", ".'}")
    fails(repo, "check", rf"{RU}:{n}: restates: 2 records of duties start on line 44; say which with .*and setting: "
                         r"<its setting> if they share the quote")
