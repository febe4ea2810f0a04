"""What a build takes back from the last one instead of making it again, file by file: the SQLite
working copy, of which only the tables whose rows changed are loaded again, and the files made from
whole tables (a CSV file, a sheet of the workbook), copied back under the digest of their rows.
Each is held to the bytes made from scratch, and a damaged kept file is never trusted."""
from __future__ import annotations

import hashlib
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.curation.dataset import dataset_meta
from pipeline.registry.model import registry
from pipeline.release import database
from pipeline.release.database import RECORD, WORKING, write_sqlite
from pipeline.release.reuse import Reuse

REG = registry()
DB = dataset_meta()["name"]


@pytest.fixture(scope="module")
def tables(release) -> dict[str, pa.Table]:
    return {name: pq.read_table(release / "parquet" / f"{name}.parquet") for name in REG.tables}


def _edited(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The tables with the English text of the first title changed."""
    titles = tables["titles"]
    column = titles.column("text_en").to_pylist()
    column[0] += " (edited)"
    return {**tables, "titles": titles.set_column(titles.column_names.index("text_en"), "text_en",
                                                  pa.array(column, titles.schema.field("text_en").type))}


def _digests(tables: dict[str, pa.Table]) -> dict[str, str]:
    return {name: hashlib.sha256(repr(t.to_pylist()).encode()).hexdigest() for name, t in tables.items()}


def _refuse(monkeypatch, name: str) -> None:
    def refused(*args, **kwargs):
        raise AssertionError(f"{name} was not expected here")
    monkeypatch.setattr(database, name, refused)


def test_the_database_written_without_a_kept_copy_is_the_released_one(release, tables, tmp_path):
    write_sqlite(tmp_path / "again.sqlite", REG, tables, {}, None)
    assert (tmp_path / "again.sqlite").read_bytes() == (release / f"{DB}.sqlite").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["again.sqlite"]  # its working copy is gone


def test_only_the_changed_table_is_loaded_again_and_the_bytes_are_those_of_a_whole_load(tables, tmp_path, monkeypatch):
    keep = tmp_path / "keep"
    write_sqlite(tmp_path / "first.sqlite", REG, tables, _digests(tables), keep)
    assert (keep / WORKING).is_file() and (keep / RECORD).is_file()

    edited = _edited(tables)
    write_sqlite(tmp_path / "whole.sqlite", REG, edited, _digests(edited), None)
    loaded = []
    real = database._insert
    monkeypatch.setattr(database, "_insert", lambda con, table, data: (loaded.append(table.name), real(con, table, data)))
    _refuse(monkeypatch, "_load_whole")
    write_sqlite(tmp_path / "again.sqlite", REG, edited, _digests(edited), keep)

    assert loaded == ["titles"]
    assert (tmp_path / "again.sqlite").read_bytes() == (tmp_path / "whole.sqlite").read_bytes()
    assert (tmp_path / "again.sqlite").read_bytes() != (tmp_path / "first.sqlite").read_bytes()
    con = sqlite3.connect(tmp_path / "again.sqlite")
    assert con.execute("SELECT count(*) FROM titles_fts WHERE titles_fts MATCH '\"(edited)\"'").fetchone() == (1,)
    con.execute("INSERT INTO titles_fts(titles_fts) VALUES ('integrity-check')")


@pytest.mark.parametrize("damage", ["a byte of the copy", "the record's registry", "an interrupted change"])
def test_a_kept_copy_that_does_not_match_its_record_is_not_trusted(tables, tmp_path, monkeypatch, damage):
    keep = tmp_path / "keep"
    write_sqlite(tmp_path / "first.sqlite", REG, tables, _digests(tables), keep)
    if damage == "a byte of the copy":
        data = bytearray((keep / WORKING).read_bytes())
        data[len(data) // 2] ^= 0xFF
        (keep / WORKING).write_bytes(bytes(data))
    elif damage == "the record's registry":
        (keep / RECORD).write_text((keep / RECORD).read_text().replace(REG.digest, "0" * 64))
    else:  # a build killed while it changed the copy: the record was removed first
        (keep / RECORD).unlink()
    edited = _edited(tables)
    _refuse(monkeypatch, "_load_changed")
    write_sqlite(tmp_path / "again.sqlite", REG, edited, _digests(edited), keep)
    write_sqlite(tmp_path / "whole.sqlite", REG, edited, {}, None)
    assert (tmp_path / "again.sqlite").read_bytes() == (tmp_path / "whole.sqlite").read_bytes()


def test_a_file_made_from_tables_is_copied_back_and_a_damaged_copy_is_made_again(tmp_path):
    reuse = Reuse(tmp_path / "cache", tables={"titles": "a" * 64})
    made = []

    def make(path):
        made.append(path)
        path.write_bytes(b"id,text\n1,x\n")

    first = reuse.file("csv", reuse.of_tables("titles"), tmp_path / "one.csv", "one.csv", make)
    second = reuse.file("csv", reuse.of_tables("titles"), tmp_path / "two.csv", "two.csv", make)
    assert len(made) == 1 and first == second == (hashlib.sha256(b"id,text\n1,x\n").hexdigest(), 12)
    assert (tmp_path / "two.csv").read_bytes() == b"id,text\n1,x\n"

    kept = [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and not p.name.endswith(".sha256")]
    kept[0].write_bytes(b"id,text\n1,y\n")  # same size, other bytes
    third = reuse.file("csv", reuse.of_tables("titles"), tmp_path / "three.csv", "three.csv", make)
    assert len(made) == 2 and third == first and (tmp_path / "three.csv").read_bytes() == b"id,text\n1,x\n"

    other = Reuse(tmp_path / "cache", tables={"titles": "b" * 64})  # other rows: made, not copied
    other.file("csv", other.of_tables("titles"), tmp_path / "four.csv", "four.csv", make)
    assert len(made) == 3
    assert Reuse(tmp_path / "cache").of_tables("titles") is None  # rows unknown: never copied back


def test_an_unchanged_file_is_linked_from_the_release_it_replaces_only_when_its_bytes_are_the_kept_ones(tmp_path):
    """A file of the previous release with the bytes recorded for the same inputs becomes a link
    (nothing written); one that differs there (edited in the release) is copied from the cache; a
    kept page is never itself linked into a release."""
    before, staging = tmp_path / "output", tmp_path / "staging"
    (before / "csv").mkdir(parents=True)
    (staging / "csv").mkdir(parents=True)
    made = []

    def make(path):
        made.append(path)
        path.write_bytes(b"id,text\n1,x\n")

    first = Reuse(tmp_path / "cache", tables={"titles": "a" * 64})
    first.file("csv", first.of_tables("titles"), before / "csv" / "titles.csv", "csv/titles.csv", make)
    reuse = Reuse(tmp_path / "cache", tables={"titles": "a" * 64}, previous=before)
    again = reuse.file("csv", reuse.of_tables("titles"), staging / "csv" / "titles.csv", "csv/titles.csv", make)
    assert len(made) == 1 and again == (hashlib.sha256(b"id,text\n1,x\n").hexdigest(), 12)
    assert (staging / "csv" / "titles.csv").stat().st_ino == (before / "csv" / "titles.csv").stat().st_ino

    (staging / "csv" / "titles.csv").unlink()
    (before / "csv" / "titles.csv").write_bytes(b"id,text\n1,y\n")  # edited in the release, same size
    assert reuse.file("csv", reuse.of_tables("titles"), staging / "csv" / "titles.csv", "csv/titles.csv", make) == again
    assert len(made) == 1 and (staging / "csv" / "titles.csv").read_bytes() == b"id,text\n1,x\n"
    assert (staging / "csv" / "titles.csv").stat().st_ino != (before / "csv" / "titles.csv").stat().st_ino

    from pipeline.release.write import Written
    pages = Reuse(tmp_path / "cache", previous=before)
    page = pages.placed("site-role", "inputs", lambda: b"<p>page</p>")  # made: bytes, and kept
    Written(before).bytes("site/page.html", page)
    kept = pages.placed("site-role", "inputs", lambda: b"<p>made again</p>")
    written = Written(staging)
    written.bytes("site/page.html", kept)
    assert (staging / "site" / "page.html").stat().st_ino == (before / "site" / "page.html").stat().st_ino
    (staging / "site" / "page.html").unlink()
    (before / "site" / "page.html").unlink()
    written.bytes("site/page.html", pages.placed("site-role", "inputs", lambda: b"<p>made again</p>"))
    cache_files = {p.stat().st_ino for p in (tmp_path / "cache").rglob("*") if p.is_file()}
    assert (staging / "site" / "page.html").read_bytes() == b"<p>page</p>"  # copied back from the cache
    assert (staging / "site" / "page.html").stat().st_ino not in cache_files
    assert written.sums["site/page.html"] == hashlib.sha256(b"<p>page</p>").hexdigest()


def test_a_file_of_the_previous_release_as_its_build_recorded_it_is_linked_unread_and_one_rewritten_is_read(
        tmp_path, monkeypatch):
    """The build that published a release recorded each file's stat stamp beside its sha256; the next
    one links a file whose stamp is still that one without reading it, and reads any other: one
    rewritten in place, its size and modification time put back, is found out by its change time."""
    import os

    from pipeline.release import reuse as reuse_module
    from pipeline.release.reuse import published_record, record_published

    before, staging, cache = tmp_path / "output", tmp_path / "staging", tmp_path / "cache"
    (before / "csv").mkdir(parents=True)
    (staging / "csv").mkdir(parents=True)
    data = b"id,text\n1,x\n"
    (before / "csv" / "titles.csv").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    record_published(cache, before, {"csv/titles.csv": digest, "csv/gone.csv": "0" * 64})
    assert set(published_record(cache, before)) == {"csv/titles.csv"} and published_record(cache, tmp_path) == {}
    read, real = [], reuse_module.file_digest
    monkeypatch.setattr(reuse_module, "file_digest", lambda path: (read.append(path.name), real(path))[1])

    def link() -> bool:
        reuse = Reuse(cache, previous=before, published=published_record(cache, before))
        (staging / "csv" / "titles.csv").unlink(missing_ok=True)
        return reuse.linked("csv/titles.csv", staging / "csv" / "titles.csv", (digest, len(data)))

    assert link() and read == []  # linked, not read
    assert (staging / "csv" / "titles.csv").stat().st_ino == (before / "csv" / "titles.csv").stat().st_ino
    assert link() and read == ["titles.csv"]  # the first link changed its change time: read, and the same
    record_published(cache, before, {"csv/titles.csv": digest})
    (staging / "csv" / "titles.csv").unlink()
    was = (before / "csv" / "titles.csv").stat()
    with open(before / "csv" / "titles.csv", "r+b") as fh:  # rewritten in place: same size, same modification time
        fh.write(b"id,text\n1,y\n")
    os.utime(before / "csv" / "titles.csv", ns=(was.st_atime_ns, was.st_mtime_ns))
    read.clear()
    assert not link() and read == ["titles.csv"] and not (staging / "csv" / "titles.csv").exists()


def test_the_csv_of_an_unknown_table_is_made_not_copied(tmp_path):
    made = []
    reuse = Reuse(None, tables={"titles": "a" * 64})
    for _ in range(2):
        reuse.file("csv", reuse.of_tables("titles"), tmp_path / "x.csv", "x.csv", lambda p: (made.append(p), p.write_bytes(b"x")))
    assert len(made) == 2



def test_a_workbook_sheet_whose_rows_did_not_change_is_copied_back_compressed(tables, tmp_path, monkeypatch):
    from pipeline.curation.dataset import dataset_meta as meta_of
    from pipeline.release import workbook_rows
    from pipeline.release.workbook import write_workbook

    meta = meta_of()
    cache = tmp_path / "cache"
    write_workbook(tmp_path / "first.xlsx", REG, tables, meta, reuse=Reuse(cache, tables=_digests(tables)))
    edited = _edited(tables)
    write_workbook(tmp_path / "whole.xlsx", REG, edited, meta)

    rendered = []
    real = workbook_rows._sheet_file
    monkeypatch.setattr(workbook_rows, "_sheet_file", lambda header, data, *rest: (
        rendered.append(data.num_rows), real(header, data, *rest))[1])
    write_workbook(tmp_path / "again.xlsx", REG, edited, meta, reuse=Reuse(cache, tables=_digests(edited)))
    assert rendered == [edited["titles"].num_rows]  # the one sheet whose rows changed
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "whole.xlsx").read_bytes()

    for kept in cache.rglob("*"):  # every kept sheet damaged: each is rendered again, same bytes
        if kept.is_file():
            data = kept.read_bytes()
            kept.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    rendered.clear()
    write_workbook(tmp_path / "third.xlsx", REG, edited, meta, reuse=Reuse(cache, tables=_digests(edited)))
    assert len(rendered) == sum(1 for t in edited.values() if t.num_rows)
    assert (tmp_path / "third.xlsx").read_bytes() == (tmp_path / "whole.xlsx").read_bytes()


def test_in_a_fact_sheet_whose_rows_changed_only_the_run_of_the_edited_source_is_rendered(tables, tmp_path, monkeypatch):
    """A fact table's sheet is put together from runs of sources kept under their partitions' keys:
    after one source's row changed (and with it its partition key), only its run is rendered, and
    the workbook is the bytes of one written from scratch; with a run kept for other rows than it
    would hold (the rows moved down), nothing kept is used."""
    from pipeline.curation.dataset import dataset_meta as meta_of
    from pipeline.release import workbook_rows
    from pipeline.release.workbook import write_workbook

    monkeypatch.setattr(workbook_rows, "ends_a_part", lambda source_id: True)  # five sources: a run each
    meta, cache = meta_of(), tmp_path / "cache"
    sources = tables["sources"].column("source_id").to_pylist()
    entries = {s: hashlib.sha256(s.encode()).hexdigest() for s in sources}
    write_workbook(tmp_path / "first.xlsx", REG, tables, meta, reuse=Reuse(cache, entries, tables=_digests(tables)))
    edited = _edited(tables)
    edited_source = edited["titles"].column("source_id")[0].as_py()
    write_workbook(tmp_path / "whole.xlsx", REG, edited, meta)
    rendered = []
    real = workbook_rows._row_cells
    monkeypatch.setattr(workbook_rows, "_row_cells", lambda batch, *rest: (
        rendered.extend(batch.column(batch.schema.names.index("source_id")).to_pylist()
                        if "source_id" in batch.schema.names else ["a sheet of no fact table"]), real(batch, *rest))[1])
    moved = {**entries, edited_source: "another partition key"}
    write_workbook(tmp_path / "again.xlsx", REG, edited, meta, reuse=Reuse(cache, moved, tables=_digests(edited)))
    assert set(rendered) == {edited_source}  # the rows of its run alone
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "whole.xlsx").read_bytes()

    titles = edited["titles"]
    shifted = {**edited, "titles": pa.concat_tables([titles.slice(0, 1), titles])}  # every row one further down
    shifted["titles"] = shifted["titles"].set_column(0, titles.column_names[0], pa.array(
        ["aaa-first"] + titles.column(0).to_pylist(), titles.schema.field(0).type))
    write_workbook(tmp_path / "shifted-whole.xlsx", REG, shifted, meta)
    write_workbook(tmp_path / "shifted.xlsx", REG, shifted, meta, reuse=Reuse(cache, moved, tables=_digests(shifted)))
    assert (tmp_path / "shifted.xlsx").read_bytes() == (tmp_path / "shifted-whole.xlsx").read_bytes()


def test_the_annotations_of_a_table_whose_rows_did_not_change_are_copied_back(tables, tmp_path, monkeypatch):
    from pipeline.build import check
    from pipeline.common.paths import Layout
    from pipeline.release import annotations
    from pipeline.release.annotations import write_annotations

    checked = check(Layout.default())
    sources, meta, cache = checked.sources, checked.meta, tmp_path / "cache"
    write_annotations(tmp_path / "first.jsonld", REG, tables, sources, meta, Reuse(cache, tables=_digests(tables)))
    edited = _edited(tables)
    whole = write_annotations(tmp_path / "whole.jsonld", REG, edited, sources, meta)
    assert whole == (hashlib.sha256((tmp_path / "whole.jsonld").read_bytes()).hexdigest(),
                     (tmp_path / "whole.jsonld").stat().st_size)

    made = []
    real = annotations._table_chunks
    monkeypatch.setattr(annotations, "_table_chunks", lambda rows_of, *rest: (made.append(rows_of.name),
                                                                               real(rows_of, *rest))[1])
    again = write_annotations(tmp_path / "again.jsonld", REG, edited, sources, meta, Reuse(cache, tables=_digests(edited)))
    assert made == ["titles"]
    assert again == whole and (tmp_path / "again.jsonld").read_bytes() == (tmp_path / "whole.jsonld").read_bytes()

    for kept in (cache / "annotations-table").rglob("*"):  # damaged: made again, never copied
        if kept.is_file() and not kept.name.endswith(".sha256") and kept.stat().st_size:
            data = kept.read_bytes()
            kept.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    made.clear()
    third = write_annotations(tmp_path / "third.jsonld", REG, edited, sources, meta, Reuse(cache, tables=_digests(edited)))
    assert sorted(made) == sorted(t.name for t in REG.fact_tables() if edited[t.name].num_rows)
    assert third == whole and (tmp_path / "third.jsonld").read_bytes() == (tmp_path / "whole.jsonld").read_bytes()


def test_a_kept_run_of_bytes_is_copied_back_whole_and_one_rewritten_in_place_is_made_again(tmp_path, monkeypatch):
    import os

    from pipeline.release.reuse import Hashing

    pieces = [b"first piece, ", b"second piece, " * 100_000, b"last"]
    reuse, made = Reuse(tmp_path / "cache"), []

    def streamed(name: str) -> tuple[bytes, str]:
        whole = Hashing()
        with open(tmp_path / name, "wb") as out:
            out.write(b"head ")
            whole.update(b"head ")
            reuse.stream("run", "inputs", out, whole, lambda: (made.append(name), iter(pieces))[1])
        data = (tmp_path / name).read_bytes()
        assert whole.hash.hexdigest() == hashlib.sha256(data).hexdigest() and whole.size == len(data)
        return data, whole.hash.hexdigest()

    first = streamed("first")
    assert first[0] == b"head " + b"".join(pieces) and made == ["first"]
    sent, real_sendfile = [], os.sendfile
    monkeypatch.setattr(os, "sendfile", lambda *args: (sent.append(args), real_sendfile(*args))[1])
    assert streamed("second") == first and made == ["first"]  # copied back, as it was kept
    assert not sent  # as it was read and hashed once: its stat stamp is the one recorded
    (kept,) = [p for p in (tmp_path / "cache" / "run").rglob("*") if p.is_file() and not p.name.endswith(".sha256")]
    before = kept.stat()
    data = bytearray(kept.read_bytes())
    data[20] ^= 0xFF
    with open(kept, "r+b") as fh:  # rewritten in place, same size, its modification time put back
        fh.write(data)
    os.utime(kept, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert kept.stat().st_mtime_ns == before.st_mtime_ns and kept.stat().st_size == before.st_size
    assert streamed("third") == first and made == ["first", "third"]  # its change time gave it away
    assert streamed("fourth") == first and made == ["first", "third"]  # kept again, whole


def test_the_taxonomy_is_kept_under_exactly_the_columns_it_reads(tables):
    from pipeline.release.skos import columns_read

    reuse = Reuse(None, tables=_digests(tables))
    wanted = columns_read(REG)
    assert "text_en" not in wanted["titles"] and wanted["roles"] is None
    before = reuse.of_columns(tables, wanted)
    assert reuse.of_columns(_edited(tables), wanted) == before  # a fact row's English gloss: not read
    titles = tables["titles"]
    other = titles.set_column(titles.column_names.index("text"), "text",
                              pa.array(["x"] + titles.column("text").to_pylist()[1:], titles.schema.field("text").type))
    assert reuse.of_columns({**tables, "titles": other}, wanted) != before  # a wording: read


def test_the_gate_judges_again_only_the_batches_whose_files_changed(tables, tmp_path):
    from pipeline.release.verdicts import keep_verdicts, kept_verdicts
    from pipeline.validation.batches import FACT_BATCH, batch_names
    from pipeline.validation.gate import GateResult, Outcome

    counts = {name: t.num_rows for name, t in tables.items()}
    reuse = Reuse(tmp_path / "cache", shared=REG.digest, tables=_digests(tables))
    known, judged = kept_verdicts(reuse, REG, counts)
    assert known == {} and set(judged) == set(batch_names(REG))
    passed = GateResult({name: [Outcome("expect_x", {"column": name}, True)] for name in batch_names(REG)})
    keep_verdicts(reuse, passed, judged)

    edited = _edited(tables)
    again = Reuse(tmp_path / "cache", shared=REG.digest, tables=_digests(edited))
    known, judged = kept_verdicts(again, REG, counts)
    assert set(judged) == {"titles", FACT_BATCH}  # the table that changed, and the batch of every fact table
    assert known == {name: passed.tables[name] for name in batch_names(REG) if name not in judged}
    assert set(kept_verdicts(again, REG, {**counts, "roles": counts["roles"] + 1})[1]) == {"titles", FACT_BATCH, "roles"}
    other = Reuse(tmp_path / "cache", shared="another registry", tables=_digests(tables))
    assert kept_verdicts(other, REG, counts)[0] == {}  # other expectations: judged again

    failed = GateResult({name: [Outcome("expect_x", {}, False)] for name in judged})
    keep_verdicts(again, failed, judged)  # never kept in a build (a failure stops it); never taken back
    assert set(kept_verdicts(again, REG, counts)[1]) == {"titles", FACT_BATCH}


def _quote_of_source_changed(tables: dict[str, pa.Table], source_id: str, quote: str) -> dict[str, pa.Table]:
    """The tables with the quote of the first title of `source_id` replaced."""
    titles = tables["titles"]
    quotes, ids = titles.column("quote").to_pylist(), titles.column("source_id").to_pylist()
    quotes[ids.index(source_id)] = quote
    return {**tables, "titles": titles.set_column(titles.column_names.index("quote"), "quote",
                                                  pa.array(quotes, titles.schema.field("quote").type))}


def test_the_fact_batch_is_judged_in_parts_and_again_only_in_the_part_of_an_edited_source(tables, tmp_path, monkeypatch):
    """After one mapping is edited the fact batch (the fact fields of every fact table) changes, but
    only the part holding its source is judged again (the parts are kept under their sources'
    partition keys); the parts together give the whole batch's verdict, a failing part says so with
    its examples and is never kept, and rows of a source without a partition key are always judged."""
    from pipeline.validation import gate, suites
    from pipeline.validation.batches import FACT_BATCH

    monkeypatch.setattr(suites, "PART_SOURCES", 2)  # 5 sources: several parts
    ids = sorted(set(tables["sources"].column("source_id").to_pylist()))
    entries = {source_id: "v1" for source_id in ids}
    rows = suites.fact_rows(REG, tables)
    parts = [(part, rows.filter(mask())) for part, mask in suites.fact_parts(REG, suites._source_ids(REG, tables), entries)]
    assert len(parts) >= 2 and all(part is not None for part, _ in parts)
    assert sum(p.num_rows for _, p in parts) == rows.num_rows
    assert sorted(k for _, p in parts for k in zip(p.column("table").to_pylist(), p.column("row_id").to_pylist())) == \
        sorted(zip(rows.column("table").to_pylist(), rows.column("row_id").to_pylist()))
    runs = [set(p.column("source_id").to_pylist()) for _, p in parts]
    assert all(not (a & b) for i, a in enumerate(runs) for b in runs[i + 1:])  # a source is in one part

    source = tables["titles"].column("source_id")[0].as_py()
    edited, edited_entries = _quote_of_source_changed(tables, source, "x"), {**entries, source: "v2"}
    again = [part for part, _ in suites.fact_parts(REG, suites._source_ids(REG, edited), edited_entries)]
    assert [a != b for (a, _), b in zip(parts, again)] == [source in run for run in runs]

    judged = []
    real = gate._judged
    monkeypatch.setattr(gate, "_judged", lambda *args: judged.append(set(args[2]["source_id"])) or real(*args))
    counts = {name: t.num_rows for name, t in tables.items()}
    kept = tmp_path / "gate-parts"
    first = gate.run_suites(REG, tables, counts, [FACT_BATCH], kept, entries)
    assert len(judged) == len(parts) and all(o.success for o in first[FACT_BATCH])
    monkeypatch.setattr(suites, "PART_SOURCES", 10 ** 9)  # one part: the whole batch
    assert gate.run_suites(REG, tables, counts, [FACT_BATCH]) == first
    monkeypatch.setattr(suites, "PART_SOURCES", 2)

    stacked = []
    real_rows = suites.fact_rows
    monkeypatch.setattr(suites, "fact_rows", lambda *args: stacked.append(1) or real_rows(*args))
    judged.clear()
    assert gate.run_suites(REG, tables, counts, [FACT_BATCH], kept, entries) == first
    assert judged == [] and stacked == []  # every part kept: not even the fact rows are read
    judged.clear()
    assert gate.run_suites(REG, edited, counts, [FACT_BATCH], kept, edited_entries) == first
    assert judged == [next(run for run in runs if source in run)]
    judged.clear()
    gate.run_suites(REG, tables, counts, [FACT_BATCH], kept, {s: e for s, e in entries.items() if s != source})
    assert {source} in judged  # no partition key: judged, whatever was kept

    broken = _quote_of_source_changed(tables, source, "")  # an empty quote breaks the fact fields' rules
    broken_entries = {**entries, source: "v3"}
    judged.clear()
    failed = gate.run_suites(REG, broken, counts, [FACT_BATCH], kept, broken_entries)
    assert len(judged) == 1 and not all(o.success for o in failed[FACT_BATCH])
    assert any(o.details for o in failed[FACT_BATCH] if not o.success)
    judged.clear()
    gate.run_suites(REG, broken, counts, [FACT_BATCH], kept, broken_entries)
    assert len(judged) == 1  # the failing verdict was not kept


def test_a_kept_copy_deleted_while_the_build_runs_is_said_to_be_gone_from_the_cache(tables, tmp_path, monkeypatch):
    from pipeline.common.faults import machine_fault

    keep = tmp_path / "keep"
    write_sqlite(tmp_path / "first.sqlite", REG, tables, _digests(tables), keep)
    real = database._held

    def then_deleted(working, record, reg):  # found whole, then removed by another process
        held = real(working, record, reg)
        working.unlink()
        return held

    monkeypatch.setattr(database, "_held", then_deleted)
    edited = _edited(tables)
    with pytest.raises(FileNotFoundError) as raised:
        write_sqlite(tmp_path / "again.sqlite", REG, edited, _digests(edited), keep)
    assert raised.value.filename == str(keep / WORKING) and not (keep / WORKING).exists()
    fault = machine_fault(raised.value, tmp_path)
    assert fault is not None and "disappeared" in str(fault) and str(keep / WORKING) in str(fault)


def test_a_kept_copy_held_by_another_build_is_left_alone(tables, tmp_path, monkeypatch):
    import fcntl
    import os

    from pipeline.release.database import LOCK

    keep = tmp_path / "keep"
    write_sqlite(tmp_path / "first.sqlite", REG, tables, _digests(tables), keep)
    before = {p.name: p.read_bytes() for p in keep.iterdir() if p.name != LOCK}
    edited = _edited(tables)
    write_sqlite(tmp_path / "whole.sqlite", REG, edited, {}, None)
    fd = os.open(keep / LOCK, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another build is using the kept copy
    try:
        _refuse(monkeypatch, "_load_changed")
        write_sqlite(tmp_path / "again.sqlite", REG, edited, _digests(edited), keep)
    finally:
        os.close(fd)
    assert (tmp_path / "again.sqlite").read_bytes() == (tmp_path / "whole.sqlite").read_bytes()
    assert {p.name: p.read_bytes() for p in keep.iterdir() if p.name != LOCK} == before  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.sqlite", "first.sqlite", "keep", "whole.sqlite"]


def test_a_cache_too_full_for_the_kept_copy_only_costs_the_next_build(tables, tmp_path, monkeypatch):
    keep = tmp_path / "keep"
    real = database._load_whole

    def full_in_the_cache(working, reg, data):
        if keep in working.parents:
            raise sqlite3.OperationalError("database or disk is full")
        real(working, reg, data)

    monkeypatch.setattr(database, "_load_whole", full_in_the_cache)
    write_sqlite(tmp_path / "again.sqlite", REG, tables, _digests(tables), keep)
    write_sqlite(tmp_path / "whole.sqlite", REG, tables, {}, None)
    assert (tmp_path / "again.sqlite").read_bytes() == (tmp_path / "whole.sqlite").read_bytes()
    assert not (keep / WORKING).exists() and not (keep / RECORD).exists()
