"""The validation report is read by people: the two checks they trust most come first, as results
with the rows each covered (every quote found at its offsets, per fact table; every foreign key
naming a row, per table and key), and each expectation of the release gate is a sentence, with its
name and long regular expressions folded away beneath it. Checked on the report of a real build
(its counts against the release's own files), on a report of failures, and in Chromium."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.curation.dataset import dataset_meta
from pipeline.registry.model import registry
from pipeline.release.report import render_report
from pipeline.validation.gate import GateResult, Outcome
from pipeline.validation.tables import Coverage, KeyCoverage

REG = registry()


def _report(release: Path) -> str:
    return (release / "validation" / "index.html").read_text(encoding="utf-8")


def _section(page: str, ident: str) -> str:
    return re.search(rf'<section id="{ident}">(.*?)</section>', page, re.DOTALL).group(1)


def _cells(row: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def _rows(section: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.DOTALL).group(1)
    return [_cells(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def test_every_quote_is_shown_found_at_its_offsets_with_the_rows_of_each_fact_table(release):
    shown = {table: int(rows.replace(",", "")) for table, rows, _ in _rows(_section(_report(release), "quotes"))}
    assert list(shown) == [t.name for t in REG.fact_tables()]
    sources = {r["source_id"]: (release / r["text_path"]).read_text(encoding="utf-8")
               for r in pq.read_table(release / "parquet" / "sources.parquet").to_pylist()}
    for table in REG.fact_tables():
        rows = pq.read_table(release / "parquet" / f"{table.name}.parquet",
                             columns=["source_id", "char_start", "char_end", "quote"]).to_pylist()
        found = sum(sources[r["source_id"]][r["char_start"]:r["char_end"]] == r["quote"] for r in rows)
        assert shown[table.name] == found == len(rows), table.name


def test_every_foreign_key_is_shown_with_the_rows_that_name_a_row_and_those_left_empty(release):
    rows = _rows(_section(_report(release), "foreign-keys"))
    expected = []
    for table in REG.tables.values():
        data = pq.read_table(release / "parquet" / f"{table.name}.parquet")
        for fk in table.foreign_keys:
            values = data.column(fk.field)
            known = set(pq.read_table(release / "parquet" / f"{fk.table}.parquet", columns=[fk.target]).column(0).to_pylist())
            named = sum(v in known for v in values.to_pylist() if v is not None)
            assert named == len(values) - values.null_count, (table.name, fk.field)
            expected.append([table.name, fk.field, f"{fk.table}.{fk.target}", f"{named:,}", "0", f"{values.null_count:,}", "holds"])
    assert rows == expected


def test_each_expectation_is_a_sentence_with_its_name_and_patterns_folded_away(release):
    page = _report(release)
    batches = re.findall(r'<details class="batch" id="([^"]+)">(.*?)</details>\n', page, re.DOTALL)
    assert {name for name, _ in batches} >= set(REG.tables)
    sentences = []
    for _, body in batches:
        for row in re.findall(r"<tr><td>(.*?)</td><td class=\"result\">", body, re.DOTALL):
            said, folded = row.split('<details class="as-run">', 1)
            text = html.unescape(re.sub(r"<[^>]+>", "", said))
            assert text[:1].isupper() and "expect_" not in text and "\\x" not in text and "^(?:" not in text, text
            assert "expect_" in folded
            sentences.append(text)
    assert "Every salary's amount_min ≤ its amount_max, where both are given" in sentences
    assert "Every fact row's source_id matches the pattern [a-z]{2}-[a-z0-9-]+" in sentences
    assert any(s.startswith("Every duty mention's duty_id is at most") for s in sentences)
    regex = re.search(r'regex=&quot;\^\(\?:\[\^\\\\x00', page)
    assert regex, "the text rules' pattern is still there, for those who open it"
    assert page.rfind('<details class="as-run">', 0, regex.start()) > page.rfind("</details>", 0, regex.start())


def test_a_report_of_failures_says_which_failed_and_how_many_rows():
    gate = GateResult(tables={"salaries": [
        Outcome("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "amount_max", "column_B": "amount_min"},
                False, "1 unexpected; e.g. [(5, 7)]", "every salary's `amount_min` ≤ its `amount_max`, where both are given")]},
        gx_version="1.0")
    coverage = Coverage(quotes={"salaries": 11}, keys=[KeyCoverage("salaries", "level_id", "career_levels", "level_id", 3, 2, 7)])
    page = render_report(gate, dataset_meta(), coverage).decode("utf-8")
    assert "1 expectation(s) failed" in page
    assert re.search(r'<details class="batch" id="salaries" open>', page)
    assert "Every salary's <code>amount_min</code> ≤ its <code>amount_max</code>" in page
    keys = _rows(_section(page, "foreign-keys"))
    assert keys == [["salaries", "level_id", "career_levels.level_id", "3", "2", "7", "failed"]]
    assert _rows(_section(page, "quotes")) == [["salaries", "11", "every one"]]


def test_the_report_in_chromium_shows_the_two_checks_first_and_hides_the_patterns(release, browser):
    refused = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
               else (refused.append(r.request.url), r.abort()))
    page.goto((release / "validation" / "index.html").resolve().as_uri())
    assert page.locator("#quotes table").is_visible() and page.locator("#quotes h2").bounding_box()["y"] < 1000
    assert page.locator("#foreign-keys table").is_visible()
    batch = page.locator("details.batch#salaries")
    batch.locator(":scope > summary").click()
    sentence = batch.locator("tbody tr td").first
    assert sentence.is_visible() and not sentence.locator("details.as-run code").is_visible()
    sentence.locator("details.as-run summary").click()
    assert sentence.locator("details.as-run code").is_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    page.close()
    assert widths[0] <= widths[1], "the report does not scroll sideways"
    assert refused == []


def test_the_gate_holds_one_data_frame_at_a_time_and_none_after_its_verdict(release):
    """GX keeps each data frame it is given in the data source's assets for as long as the context
    lives (and it lives on as the project's): hundreds of MiB in each worker at 2,000 sources. The
    gate makes each batch's frame when its turn comes and removes the asset once judged, so the
    frames before it are freed, and none is left after the verdict."""
    import gc
    import weakref

    from pipeline.validation import gate, suites

    frames, alive = [], []
    real = suites.suites

    def recorded(*args):
        for batch in real(*args):
            made = batch.frame

            def frame(made=made):
                gc.collect()
                alive.append(sum(ref() is not None for ref in frames))  # the frames of the batches before
                data = made()
                frames.append(weakref.ref(data))
                return data
            batch.frame = frame
            yield batch

    reg = registry()
    names = ["sources", "roles", "titles", "fact fields"]
    tables = {name: pq.read_table(release / "parquet" / f"{name}.parquet") for name in reg.tables}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(suites, "suites", recorded)
        outcomes = gate.run_suites(reg, tables, {n: t.num_rows for n, t in tables.items()}, names)
    assert set(outcomes) == set(names) and all(o.success for r in outcomes.values() for o in r)
    gc.collect()
    assert alive == [0] * len(frames) and len(frames) >= 4 and all(ref() is None for ref in frames)


def test_the_worker_kept_for_the_gate_judges_the_batches_it_is_sent_and_lets_go_when_none_come(release):
    """One worker is kept for the gate from the start of a build (it imports Great Expectations while
    the inputs are checked). It judges the batches it is sent, the same verdict as a gate without
    it; a build that stops before its gate lets it go, so no build waits on it."""
    import time

    from pipeline.common.workers import Workers
    from pipeline.validation import gate

    names = ["roles", "titles"]
    counts = {name: pq.read_metadata(release / "parquet" / f"{name}.parquet").num_rows for name in REG.tables}
    with Workers(2) as workers:
        kept = gate.reserve(workers)
        assert kept is not None and len(workers.running()) == 1
        jobs = gate.submit(workers, REG, release / "parquet", counts, counts, names, None, {}, kept)
        assert jobs == [kept.job]
        answer = workers.result(kept.job)
        gate.release(kept)
        alone = {}
        for job in gate.submit(workers, REG, release / "parquet", counts, counts, names):  # shared among the workers
            alone.update(workers.result(job))
        assert set(answer) == set(names) and answer == alone and all(o.success for r in answer.values() for o in r)

        assert gate.reserve(workers) is None  # the workers are forked already: the gate goes to the pool
    with Workers(2) as workers:
        idle = gate.reserve(workers)
        started = time.monotonic()
        gate.release(idle)  # the build stopped before its gate
        assert idle.job.result(timeout=60) is None and time.monotonic() - started < 30
