"""What raw/ copied from published material is still exactly what was published: the source
texts byte for byte, and the ESCO rows the taxonomies link to.

The published material lives beside the repository in `../shared/` on the curators' machines;
where it is absent (a clone on its own) the comparison cannot be made and the tests say so."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from conftest import ROOT
from ruamel.yaml import YAML

SHARED = ROOT.parent / "shared"
needs_shared = pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/ (the published seeds and ESCO lists) is not beside this clone")
SIDECARS = sorted((ROOT / "raw" / "sources").glob("*.yaml"))


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.stem)
def test_every_source_carries_the_sha256_of_its_bytes(sidecar):
    meta = YAML(typ="safe").load(sidecar.read_text(encoding="utf-8"))
    assert meta["sha256"] == hashlib.sha256(sidecar.with_suffix(".txt").read_bytes()).hexdigest()


@needs_shared
@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.stem)
def test_every_source_is_its_seed_byte_for_byte(sidecar):
    meta = YAML(typ="safe").load(sidecar.read_text(encoding="utf-8"))
    assert sidecar.with_suffix(".txt").read_bytes() == (SHARED.parent / meta["seed_file"]).read_bytes()


@needs_shared
@pytest.mark.parametrize("kind", ["occupations", "skills"])
def test_every_esco_row_is_a_row_of_the_published_list(kind):
    published = {r["id"]: r for r in _rows(SHARED / "reference" / "esco" / f"{kind}.csv")}
    copied = _rows(ROOT / "raw" / "reference" / f"esco_{kind}.csv")
    assert copied, f"raw/reference/esco_{kind}.csv is empty"
    assert [r for r in copied if published.get(r["id"]) != r] == []


def test_every_esco_link_of_the_taxonomies_has_its_row():
    linked = set()
    for name, key in (("roles", "esco_uri"), ("skills", "esco_uri")):
        for entry in YAML(typ="safe").load((ROOT / "raw" / "taxonomy" / f"{name}.yaml").read_text(encoding="utf-8")):
            if entry.get(key):
                linked.add(entry[key])
    have = {r["id"] for kind in ("occupations", "skills") for r in _rows(ROOT / "raw" / "reference" / f"esco_{kind}.csv")}
    assert linked and linked <= have


@needs_shared
@pytest.mark.parametrize("copied, published, key", [
    ("isco08_groups.csv", "isco/ISCOGroups_en.csv", "code"),
    ("onet_soc_2019.csv", "onet/2019_Occupations.csv", "Code"),
])
def test_every_isco_and_onet_row_is_a_row_of_the_published_list(copied, published, key):
    listed = {r[key]: r for r in _rows(SHARED / "reference" / published)}
    rows = _rows(ROOT / "raw" / "reference" / copied)
    assert rows and [r for r in rows if listed.get(r[key]) != r] == []


def test_every_crosswalk_target_has_its_row_in_the_reference_lists():
    have = {r["id"] for kind in ("occupations", "skills") for r in _rows(ROOT / "raw" / "reference" / f"esco_{kind}.csv")}
    have |= {r["code"] for r in _rows(ROOT / "raw" / "reference" / "isco08_groups.csv")}
    have |= {r["Code"] for r in _rows(ROOT / "raw" / "reference" / "onet_soc_2019.csv")}
    rows = YAML(typ="safe").load((ROOT / "raw" / "taxonomy" / "crosswalks.yaml").read_text(encoding="utf-8"))
    targets = {str(r["target_code"]) for r in rows if r.get("target_code")}
    assert targets and targets <= have
