"""Every file of the release, written from the validated Arrow tables into a staging folder.

Tables go from rows to Arrow once (transform/frames.py); here Parquet, CSV and SQLite
(database.py) are all written from the same Arrow tables, batch by batch, so the three hold the same rows in the same
order and memory stays bounded however large the tables grow. The CSV text is built column-wise
by Arrow compute kernels (RFC 4180 quoting only where a value needs it, `\\n` line ends, an empty
field for null); only the few float columns are formatted by Python, as `repr` writes them (the
shortest text that reads back as the same number), which keeps the CSV byte-identical to earlier
releases. The descriptions (datapackage.json, croissant.json, DATA_DICTIONARY.md) are rendered from
the registry, with the checksums of the files just written.
"""
from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..common.cache import Verified
from ..common.digests import file_digest
from ..common.timings import stage
from ..common.workers import Workers, give_back_memory
from ..curation.sources import Source
from ..registry.arrow_schema import arrow_schema
from ..registry.croissant_schema import croissant
from ..registry.diagram import svg as schema_svg
from ..registry.dictionary import SCHEMA_SVG, data_dictionary
from ..registry.frictionless_schema import datapackage
from ..registry.model import Registry, Table
from ..transform.frames import ParquetTables
from .annotations import write_annotations
from .database import write_sqlite
from .datasette import METADATA
from .datasette import files as datasette_files
from .dcat import NAME as DCAT_RECORD
from .dcat import dcat_record
from .reuse import Kept, Reuse
from .site import render_site
from .skos import columns_read as skos_columns
from .skos import jsonld as skos_jsonld
from .skos import taxonomy_graph
from .skos import turtle as skos_turtle
from .workbook import write_workbook

BATCH_ROWS = 20_000  # CSV rows rendered at once: their text, several copies of it as the columns are joined, is held in memory
# Datasette's metadata for the SQLite file: `datasette serve <name>.sqlite -m datasette/metadata.json`
# (with the templates and the plugin beside it: datasette.py).
DATASETTE_METADATA = METADATA
# RFC 4180 quotes a field holding a comma, a quote or a line break. A field holding a semicolon or a
# tab is quoted too (still RFC 4180, which allows any field to be quoted): LibreOffice's import dialog
# splits on Tab, Comma and Semicolon by default, and would cut such a field in two.
_NEEDS_QUOTES = '[,;"\t\r\n]'


class Written:
    """The sha256 and size of every file written, for SHA256SUMS and the descriptions."""

    def __init__(self, folder: Path):
        self.folder, self.sums, self.sizes = folder, {}, {}

    def bytes(self, rel: str, data: bytes | Kept) -> None:
        """The file `rel`, of these bytes, or of a part made before (reuse.Kept)."""
        path = self.folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Kept):
            self.sums[rel], self.sizes[rel] = data.put(path, rel)
            return
        path.write_bytes(data)
        known = data.sha256 if isinstance(data, Verified) else None
        self.sums[rel], self.sizes[rel] = known or hashlib.sha256(data).hexdigest(), len(data)

    def record(self, rel: str, sha256: str, size: int) -> None:
        self.sums[rel], self.sizes[rel] = sha256, size

    def file(self, rel: str) -> None:
        self.record(rel, *file_digest(self.folder / rel))


def _csv_column(array: pa.Array) -> pa.Array:
    """One column as CSV field text, null as the empty field."""
    kind = array.type
    if pa.types.is_floating(kind):
        text = pa.array([None if v is None else repr(v) for v in array.to_pylist()], type=pa.string())
    elif pa.types.is_boolean(kind):
        text = pc.if_else(array, "True", "False")
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        needs = pc.match_substring_regex(array, _NEEDS_QUOTES)
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(array, '"', '""'), '"', "")
        text = pc.if_else(needs, quoted, array)
    else:
        text = pc.cast(array, pa.string())
    return pc.fill_null(text, "")


def csv_lines(batch: pa.RecordBatch) -> bytes:
    """The CSV lines of a batch of rows, each ending in \\n."""
    if batch.num_rows == 0:
        return b""
    columns = [_csv_column(batch.column(i)) for i in range(batch.num_columns)]
    lines = pc.binary_join_element_wise(*columns, ",") if len(columns) > 1 else columns[0]
    lines = pc.binary_join_element_wise(lines, "", "\n").cast(pa.large_binary())
    whole = pc.binary_join(pa.LargeListArray.from_arrays(pa.array([0, len(lines)], pa.int64()), lines),
                           pa.scalar(b"", pa.large_binary()))
    return whole[0].as_py()


def write_csv(path: Path, table: pa.Table) -> None:
    """The table as CSV at `path`, a batch at a time."""
    with open(path, "wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode())
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            fh.write(csv_lines(batch))


def write_parquet(written: Written, rel: str, table: pa.Table) -> None:
    path = written.folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", use_dictionary=False, write_statistics=True,
                   row_group_size=1024 * 1024)
    written.file(rel)


def with_release_metadata(table: Table, data: pa.Table, version: str) -> pa.Table:
    return data.cast(arrow_schema(table, version))


@dataclass
class Job:
    """What a writer is given: the staging folder (and the record of what was written into it),
    the registry, the tables it declared it reads, and the release's other inputs."""
    written: Written
    reg: Registry
    tables: dict[str, pa.Table]
    meta: dict
    sources: dict[str, Source]
    copied: dict[str, bytes]
    reuse: Reuse

    @property
    def folder(self) -> Path:
        return self.written.folder


def _sources(job: Job) -> None:
    """The verbatim texts travel with the release: every quote can be checked, and every page of the
    site drawn, from the release alone. The bytes are the raw file's, checked against its sha256. A
    text whose raw file is still the one checked is linked from the release this build replaces
    when that holds it with the same sha256; any other is read again, checked, and written."""
    for source in job.sources.values():
        rel, dest = source.text_path, job.folder / source.text_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.unchanged() and job.reuse.linked(rel, dest, (source.sha256, None)):
            job.written.record(rel, source.sha256, dest.stat().st_size)
        else:
            job.written.bytes(rel, source.text.encode("utf-8"))


def _csv(job: Job) -> None:
    """A table's CSV file is a function of its rows: copied back from the last build when they did
    not change."""
    (job.folder / "csv").mkdir(parents=True, exist_ok=True)
    for name, table in job.reg.tables.items():
        rel = f"csv/{name}.csv"
        rows = with_release_metadata(table, job.tables[name], job.meta["version"])
        made = job.reuse.file("csv", job.reuse.of_tables(name), job.folder / rel, rel, functools.partial(write_csv, table=rows))
        job.written.record(rel, *made)


def _descriptions(job: Job) -> None:
    """datapackage.json, croissant.json and the data dictionary, with the checksums of the files
    they describe (so after the Parquet and CSV writers)."""
    reg, meta, written = job.reg, job.meta, job.written
    csvs = {n: (written.sums[f"csv/{n}.csv"], written.sizes[f"csv/{n}.csv"]) for n in reg.tables}
    source_rows = job.tables[reg.sidecar_table().name].to_pylist()
    written.bytes("datapackage.json", _json(datapackage(reg, meta, csvs, source_rows)))
    parquet = {n: (written.sums[f"parquet/{n}.parquet"], written.sizes[f"parquet/{n}.parquet"]) for n in reg.tables}
    written.bytes("croissant.json", _json(croissant(reg, meta, parquet)))
    counts = {n: t.num_rows for n, t in job.tables.items()}
    written.bytes("DATA_DICTIONARY.md", data_dictionary(reg, meta, counts).encode("utf-8"))
    written.bytes(SCHEMA_SVG, schema_svg(reg))  # the dictionary's diagram as a picture, linked from the site


def _annotations(job: Job) -> None:
    job.written.record("annotations.jsonld", *write_annotations(
        job.folder / "annotations.jsonld", job.reg, job.tables, job.sources, job.meta, job.reuse))


def _skos(job: Job) -> None:
    """Both files are a function of a few columns of the tables (skos.columns_read): read back when
    those did not change (an edited English gloss of a fact row, for one, changes neither)."""
    inputs = job.reuse.of_columns(job.tables, skos_columns(job.reg)) if job.reuse.folder is not None else None
    graph = functools.cache(lambda: taxonomy_graph(job.reg, job.tables))
    job.written.bytes("taxonomy.ttl", job.reuse.placed("skos-turtle", inputs, lambda: skos_turtle(graph())))
    job.written.bytes("taxonomy.jsonld", job.reuse.placed("skos-jsonld", inputs, lambda: skos_jsonld(graph())))


def _datasette(job: Job) -> None:
    for rel, data in datasette_files(job.reg, job.meta, job.meta["name"], job.tables):
        job.written.bytes(rel, data)


def _copied(job: Job) -> None:
    for rel, data in job.copied.items():
        job.written.bytes(rel, data)


def _sqlite(job: Job) -> None:
    rel = f"{job.meta['name']}.sqlite"
    write_sqlite(job.folder / rel, job.reg, job.tables, job.reuse.tables, job.reuse.kept("sqlite"))
    job.written.file(rel)


def _workbook(job: Job) -> None:
    write_workbook(job.folder / f"{job.meta['name']}.xlsx", job.reg, job.tables, job.meta, reuse=job.reuse)
    job.written.file(f"{job.meta['name']}.xlsx")


def _site(job: Job) -> None:
    for rel, data in render_site(job.reg, job.tables, job.sources, job.meta, job.copied, job.reuse):
        job.written.bytes(f"site/{rel}", data)


@dataclass(frozen=True)
class Writer:
    """One part of the release: the tables it reads (None: every table), and whether it runs in the
    build's worker pool, reading them from the staged Parquet files (the larger files, written while
    this process writes the rest) or here, from the tables in memory (in the order of the list). A
    worker's writer that no worker has taken by the time this process is done is written here."""
    name: str
    reads: tuple[str, ...] | None
    in_worker: bool
    write: Callable[[Job], None]
    once: bool = False  # takes the tables one at a time: in a worker, each is read when asked and not kept


# Every writer of the release, in one list. The Parquet files are written before any of them (the
# release gate judges those very files), validation/index.html (the gate's report) and
# dcat.ttl (which lists every file with its checksum) after all of them, SHA256SUMS last.
WRITERS = (
    # A worker takes these from the front, one after the other, while this process writes its own;
    # this process then takes them from the back, so that the two meet in the middle. SQLite
    # first, the site second: the site holds every table and its pages, and run beside the
    # release gate's frames in a first build it took the build past 2 GiB at 2,000 sources.
    Writer("sqlite", None, True, _sqlite, once=True),
    Writer("site", None, True, _site),
    Writer("workbook", None, True, _workbook, once=True),
    Writer("sources", (), False, _sources),
    Writer("csv", None, False, _csv),
    Writer("descriptions", None, False, _descriptions),
    Writer("annotations", None, False, _annotations),
    Writer("skos", None, False, _skos),
    Writer("datasette", None, False, _datasette),
    Writer("copied", (), False, _copied),
)


class _Handing:
    """Hands the workers' writers to the pool one at a time, so that this process can take the ones
    still waiting when it has written its own (a task handed to the pool can no longer be taken
    back). One writer runs in the pool per core but the one this process writes on; another is
    handed only to a worker that would otherwise sit idle (the release gate's tasks done), since
    the last writer to end ends the build."""

    def __init__(self, workers: Workers, writers: list[Writer], args: tuple):
        self._workers, self._args = workers, args
        self._waiting = list(writers)
        self._jobs: list[Future] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._hand, daemon=True, name="hand-writers")
        if workers.parallel:  # else every writer is written here, in order
            self._thread.start()

    def _hand(self) -> None:
        while True:
            writing = [job for job in self._jobs if not job.done()]
            busy = self._workers.running()
            if len(writing) >= max(1, self._workers.processes - 1) and len(busy) >= self._workers.processes:
                wait(busy, return_when=FIRST_COMPLETED)
                continue
            with self._lock:
                if not self._waiting:
                    return
                try:
                    self._jobs.append(self._workers.submit(_in_worker, self._waiting[0], *self._args))
                except Exception:  # the pool was shut because the build failed: this process has stopped
                    return
                self._waiting.pop(0)

    def take(self) -> Writer | None:
        """The last writer no worker has started: the workers go on from the front of the list."""
        with self._lock:
            return self._waiting.pop() if self._waiting else None

    def submitted(self) -> list[Future]:
        if self._thread.is_alive():
            self._thread.join()
        return list(self._jobs)


def write_parquet_files(folder: Path, reg: Registry, tables: dict[str, pa.Table], meta: dict) -> Written:
    """The Parquet files, first: the release gate reads them, and the workers' writers too."""
    written = Written(folder)
    for name, table in reg.tables.items():
        write_parquet(written, f"parquet/{name}.parquet", with_release_metadata(table, tables[name], meta["version"]))
    return written


def _in_worker(writer: Writer, folder: Path, reg: Registry, meta: dict, sources: dict, copied: dict,
               reuse: Reuse) -> tuple[dict, dict]:
    """A writer in a worker: it reads the tables it declared from the staged Parquet files."""
    names = list(reg.tables if writer.reads is None else writer.reads)
    tables = ParquetTables(folder / "parquet", names) if writer.once else {
        name: pq.read_table(folder / "parquet" / f"{name}.parquet") for name in names}
    written = Written(folder)
    with stage(f"write {writer.name} (worker)"):
        writer.write(Job(written, reg, tables, meta, sources, copied, reuse))
    return written.sums, written.sizes


def write_release(written: Written, reg: Registry, tables: dict[str, pa.Table], meta: dict, copied: dict[str, bytes],
                  report: Callable[[], bytes], stamp: str, sources: dict[str, Source], workers: Workers,
                  reuse: Reuse) -> None:
    """Every other file of the release beside the Parquet files already `written`; `report` waits for
    the release gate's verdict (raising if it failed) and gives its page; the parts of unchanged
    sources come from `reuse`. SHA256SUMS last."""
    folder = written.folder
    handed = _Handing(workers, [w for w in WRITERS if w.in_worker], (folder, reg, meta, sources, copied, reuse))
    job = Job(written, reg, tables, meta, sources, copied, reuse)
    for writer in WRITERS:
        if not writer.in_worker:
            with stage(f"write {writer.name}"):
                writer.write(job)
            give_back_memory(collect=False)
    while (writer := handed.take()) is not None:  # what no worker has taken yet is written here, now free
        with stage(f"write {writer.name}"):
            writer.write(job)
        give_back_memory(collect=False)
    jobs = handed.submitted()
    written.bytes("validation/index.html", report())
    for pending in jobs:
        with stage("wait for a writer"):
            sums, sizes = workers.result(pending)
        written.sums.update(sums)
        written.sizes.update(sizes)
    # The DCAT record lists every file written so far with its checksum, so it is written last.
    source_rows = tables[reg.sidecar_table().name].to_pylist()
    written.bytes(DCAT_RECORD, dcat_record(meta, dict(written.sums), dict(written.sizes), source_rows))
    (folder / "SHA256SUMS").write_bytes(
        "".join(f"{written.sums[rel]}  {rel}\n" for rel in sorted(written.sums)).encode("utf-8"))
    (folder / ".build-inputs").write_text(stamp + "\n", encoding="utf-8")


def _json(doc: dict) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
