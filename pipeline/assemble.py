"""The fast stages in order (load sources, verify mappings, normalize, validate): everything
`make check` runs, and what `make build` runs before the release gate and publishing."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .frames import to_frame
from .load_sources import load_sources
from .normalize import build_tables
from .problems import Problems, StageFailed
from .registry import Registry, registry
from .taxonomy import load_taxonomies
from .validate import validate
from .verify_mappings import verify_mappings


@dataclass
class Assembled:
    registry: Registry
    frames: dict[str, pd.DataFrame]


def assemble() -> Assembled:
    """All tables, validated; StageFailed carries every problem found on the way."""
    problems = Problems()
    reg = registry()
    # Load inputs.
    sources = load_sources(problems)
    taxonomies = load_taxonomies(reg, problems)
    if problems:  # offsets and ids mean nothing against a changed source or a broken taxonomy
        raise StageFailed(problems)
    # Process data.
    verified = verify_mappings(reg, sources, taxonomies, problems)
    rows = build_tables(reg, sources, taxonomies, verified, problems)
    if problems:
        raise StageFailed(problems)
    frames = {name: to_frame(reg.tables[name], rows[name]) for name in reg.tables}
    validate(reg, frames, sources, taxonomies, problems)
    if problems:
        raise StageFailed(problems)
    return Assembled(reg, frames)
