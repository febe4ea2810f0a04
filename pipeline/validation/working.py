"""The assembled tables of a build, kept once as memory-mapped Arrow files.

The release gate (a separate process) and the writers of Parquet, CSV and SQLite all read the same
final tables. Written once as uncompressed Arrow IPC files in the git-ignored cache, each process
maps them instead of holding its own copy, so memory stays that of one copy of the data however
large it grows. A working copy belongs to one build (its folder is named by the process id); it is
removed when the build ends, and the next build removes one a killed build left.
"""
from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa


class WorkingCopy:
    def __init__(self, folder: Path, names: list[str]):
        self.folder, self.names = Path(folder), list(names)

    @classmethod
    def save(cls, tables: dict[str, pa.Table], cache_folder: Path) -> WorkingCopy:
        root = Path(cache_folder) / "build"
        _remove_abandoned(root)
        folder = root / str(os.getpid())
        shutil.rmtree(folder, ignore_errors=True)
        try:
            folder.mkdir(parents=True)
        except OSError as err:  # a read-only checkout's .cache/: the copy is only needed while the build runs
            if err.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise
            folder = Path(tempfile.mkdtemp(prefix="cs-roles-working-"))
        for name, table in tables.items():
            with pa.OSFile(str(folder / f"{name}.arrow"), "wb") as sink:
                with pa.ipc.new_file(sink, table.schema) as writer:
                    for batch in table.to_batches(max_chunksize=64 * 1024):
                        writer.write_batch(batch)
        return cls(folder, list(tables))

    def open(self) -> dict[str, pa.Table]:
        """Every table, its buffers mapped from the files (no copy in memory)."""
        return {name: pa.ipc.open_file(pa.memory_map(str(self.folder / f"{name}.arrow"))).read_all()
                for name in self.names}

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _remove_abandoned(root: Path) -> None:
    """Working copies of builds whose process is gone (killed): nobody will ever read them."""
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if not folder.name.isdigit():
            continue
        try:
            os.kill(int(folder.name), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass
