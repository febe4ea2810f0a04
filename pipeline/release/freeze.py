"""Freezing a release: `make release` copies the current output/ into output/releases/<version>/
with its checksums, its changelog entry and its diff against the previous release. A published
version is never rewritten: freezing one that exists is refused, and so is an output/ whose files
are not exactly what the build wrote. The frozen folder appears at once (written under a hidden
name, then renamed), so a killed `make release` leaves nothing half-frozen."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from ..common.files import decode_utf8, read_input
from ..common.paths import Layout
from ..common.problems import Problems, StageFailed
from ..curation.dataset import dataset_meta
from .diff import diff_releases, render
from .publish import clean_leftovers, locked

SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
# Rebuilt by every build and not part of a frozen version: the build stamp.
NOT_FROZEN = (".build-inputs",)


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.split("."))


def changelog_entry(layout: Layout, version: str, problems: Problems) -> str | None:
    data = read_input(layout.root / "CHANGELOG.md", "release file", layout, problems)
    text = None if data is None else decode_utf8(data, "CHANGELOG.md", "changelog", problems)
    match = re.search(rf"^## \[?{re.escape(version)}\]?.*?(?=^## |\Z)", text or "", flags=re.M | re.S)
    return match.group(0).strip() + "\n" if match else None


def listed(out: Path) -> list[tuple[str, str]] | None:
    """(sha256, relative path) of every file output/SHA256SUMS lists, or None without one."""
    sums = out / "SHA256SUMS"
    if not sums.is_file():
        return None
    lines = sums.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("  ", 1)) for line in lines if "  " in line]


def published_versions(out: Path) -> list[str]:
    folder = out / "releases"
    names = [p.name for p in folder.iterdir() if p.is_dir() and SEMVER.fullmatch(p.name)] if folder.is_dir() else []
    return sorted(names, key=_version_key)


def freeze(layout: Layout, out: Path | None = None) -> Path:
    out = out or layout.output
    problems = Problems()
    version = str(dataset_meta(layout)["version"])
    dest = out / "releases" / version
    if dest.exists():
        problems.add("schemas/dataset.yaml", 1, f"release {version} already exists in {layout.rel(dest)} and a "
                     "published version is never rewritten; bump version (major: column or table renamed or removed, "
                     "minor: new data or columns, patch: corrections), add a CHANGELOG.md entry, then make build and make release")
    entry = changelog_entry(layout, version, problems)
    if entry is None:
        problems.add("CHANGELOG.md", 1, f"no entry for {version}; add a section '## [{version}] - YYYY-MM-DD' saying what changed")
    files = listed(out)
    if files is None:
        problems.add("output/SHA256SUMS", 1, "no built release to freeze; run make build first")
    for number, (digest, rel) in enumerate(files or [], start=1):
        path = out / rel
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.add("output/SHA256SUMS", number, f"output/{rel} is not what the build wrote (checksum differs or file "
                         "missing); run make rebuild, then make release")
    if problems:
        raise StageFailed(problems)
    with locked(out.parent):
        clean_leftovers(out)
        earlier = [v for v in published_versions(out) if _version_key(v) < _version_key(version)]
        previous = out / "releases" / earlier[-1] if earlier else None
        staging = dest.with_name(f".{version}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        frozen = {rel: (out / rel).read_bytes() for _, rel in files if not rel.startswith(NOT_FROZEN)}
        frozen["CHANGELOG.md"] = entry.encode("utf-8")
        for rel, data in frozen.items():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_bytes(data)
        diff = render(diff_releases(previous, staging), earlier[-1] if earlier else "nothing", version)
        frozen["DIFF.md"] = diff.encode("utf-8")
        (staging / "DIFF.md").write_bytes(frozen["DIFF.md"])
        sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {rel}\n" for rel, data in sorted(frozen.items()))
        (staging / "SHA256SUMS").write_text(sums, encoding="utf-8")
        staging.rename(dest)
    return dest
