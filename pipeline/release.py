"""Freezing a release: `make release` copies the current output/ into output/releases/<version>/
with its checksums, its changelog entry and its diff against the previous release. A published
version is never rewritten: freezing one that exists is refused."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from .describe import dataset_meta
from .diff import diff_releases, render
from .paths import OUTPUT, ROOT
from .problems import Problems, StageFailed
from .publish import UNSUMMED, sha256_file, write_sums

SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.split("."))


def changelog_entry(version: str, path: Path = ROOT / "CHANGELOG.md") -> str | None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    match = re.search(rf"^## \[?{re.escape(version)}\]?.*?(?=^## |\Z)", text, flags=re.M | re.S)
    return match.group(0).strip() + "\n" if match else None


def _listed(out: Path) -> list[tuple[str, str]] | None:
    """(sha256, relative path) of every file output/SHA256SUMS lists, or None without one."""
    sums = out / "SHA256SUMS"
    if not sums.exists():
        return None
    return [tuple(line.split("  ", 1)) for line in sums.read_text(encoding="utf-8").splitlines()]


def published_versions(out: Path = OUTPUT) -> list[str]:
    folder = out / "releases"
    names = [p.name for p in folder.iterdir() if p.is_dir() and SEMVER.fullmatch(p.name)] if folder.exists() else []
    return sorted(names, key=_version_key)


def freeze(out: Path = OUTPUT) -> Path:
    problems = Problems()
    version = str(dataset_meta()["version"])
    dest = out / "releases" / version
    if not SEMVER.fullmatch(version):
        problems.add("schemas/dataset.yaml", 1, f"version {version!r} is not SemVer (MAJOR.MINOR.PATCH)")
    elif dest.exists():
        problems.add("schemas/dataset.yaml", 1, f"release {version} already exists in {dest.relative_to(out.parent)} and a "
                     "published version is never rewritten; bump version (major: column or table renamed or removed, "
                     "minor: new data or columns, patch: corrections), add a CHANGELOG.md entry, then make build and make release")
    entry = changelog_entry(version)
    if entry is None:
        problems.add("CHANGELOG.md", 1, f"no entry for {version}; add a section '## [{version}] - YYYY-MM-DD' saying what changed")
    listed = _listed(out)
    if listed is None:
        problems.add("output/SHA256SUMS", 1, "no built release to freeze; run make build first")
    for number, (digest, rel) in enumerate(listed or [], start=1):
        if not (out / rel).is_file() or sha256_file(out / rel) != digest:
            problems.add("output/SHA256SUMS", number, f"output/{rel} is not what the build wrote (checksum differs or file "
                         "missing); run make rebuild, then make release")
    if problems:
        raise StageFailed(problems)
    earlier = [v for v in published_versions(out) if _version_key(v) < _version_key(version)]
    previous = out / "releases" / earlier[-1] if earlier else None
    staging = dest.with_name(f".{version}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for _, rel in listed:
        if not rel.startswith(UNSUMMED):
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(out / rel, staging / rel)
    (staging / "CHANGELOG.md").write_text(entry, encoding="utf-8")
    (staging / "DIFF.md").write_text(render(diff_releases(previous, staging), earlier[-1] if earlier else "nothing",
                                            version), encoding="utf-8")
    write_sums(staging)
    staging.rename(dest)
    return dest
