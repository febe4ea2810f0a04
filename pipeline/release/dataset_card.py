"""The README's YAML front matter as a Hugging Face dataset card, rendered from the registry.

Hugging Face reads the front matter of a repository's README.md: with one `configs` entry per
table, `datasets.load_dataset("<repo>", "<table>")` loads exactly that table's Parquet file (which
keeps the column types), and nothing else in the repository (validation/, site/, the frozen
releases, the CSV copies) is mistaken for data. The licence, languages and size are the
registry's and the dataset metadata's, so the card cannot drift from the release; a test compares
the README with what this renders.

`.venv/bin/python -m pipeline.release.dataset_card` rewrites the front matter of README.md in
place (after a table is added or the row counts change category), leaving the rest untouched.
"""
from __future__ import annotations

import sys

import yaml

from ..common.paths import Layout
from ..registry.model import Registry

DATA_FILES = "output/parquet/{table}.parquet"
# The table `load_dataset(repo)` gives without a name, and the Hub's viewer shows first: every job
# title the sources name, in Arabic, Russian and Chinese with its English translation, its role
# and level, and the quote and offsets every fact row carries. It shows the whole idea of the
# dataset in a few dozen rows, where `sources` or a taxonomy would show only one side of it.
DEFAULT_TABLE = "titles"
TAGS = ("job-descriptions", "occupations", "customer-service", "multilingual", "provenance", "parallel-text")
# The Hub's size categories, by number of rows.
SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
         (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))
NOTE = "# Hugging Face dataset card, rendered from schemas/: .venv/bin/python -m pipeline.release.dataset_card"
LANGUAGE_FIELD = "lang"
TRANSLATION_LANGUAGE = "en"  # text_en


def size_category(rows: int) -> str:
    return next((name for limit, name in SIZES if rows < limit), "n>1T")


def languages(reg: Registry) -> list[str]:
    """ISO 639-1 codes, as the Hub lists them: the primary subtag of every BCP 47 tag the
    registry allows (zh-Hans is zh), then English, the language of every translation."""
    tags = reg.fields[LANGUAGE_FIELD].enum or ()
    return list(dict.fromkeys([t.split("-")[0].lower() for t in tags] + [TRANSLATION_LANGUAGE]))


def card(reg: Registry, meta: dict, row_counts: dict[str, int]) -> dict:
    """The front matter as data; `row_counts` are the expected rows per table (schemas/row_counts.csv)."""
    if DEFAULT_TABLE not in reg.tables:
        raise ValueError(f"the dataset card's default table {DEFAULT_TABLE!r} is not a table of the registry")
    configs = []
    for name in reg.tables:
        config = {"config_name": name, "data_files": [{"split": "train", "path": DATA_FILES.format(table=name)}]}
        if name == DEFAULT_TABLE:
            config["default"] = True
        configs.append(config)
    return {
        "pretty_name": meta["title"],
        "license": meta["licenses"][0]["name"].lower(),
        "language": languages(reg),
        "multilinguality": "multilingual",
        "size_categories": [size_category(sum(row_counts[name] for name in reg.tables))],
        "tags": list(TAGS),
        "configs": configs,
    }


def front_matter(reg: Registry, meta: dict, row_counts: dict[str, int]) -> str:
    body = yaml.safe_dump(card(reg, meta, row_counts), sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{NOTE}\n{body}---\n"


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter with its --- lines, the rest); no front matter gives ("", text)."""
    if not text.startswith("---\n"):
        return "", text
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError("README.md opens a front matter with --- but never closes it")
    return text[:end + 5], text[end + 5:]


def with_front_matter(readme: str, front: str) -> str:
    return front + split_front_matter(readme)[1]


def main(layout: Layout | None = None) -> int:
    from ..common.problems import Problems, StageFailed
    from ..curation.dataset import dataset_meta
    from ..curation.row_counts import load_expected, totals
    from ..registry.model import registry

    layout = layout or Layout.default()
    reg, meta, problems = registry(layout), dataset_meta(layout), Problems()
    expected = load_expected(layout, set(reg.tables), problems)
    if expected is None or problems:
        raise StageFailed(problems)
    path = layout.root / "README.md"
    readme = path.read_text(encoding="utf-8")
    updated = with_front_matter(readme, front_matter(reg, meta, totals(expected)))
    if updated != readme:
        path.write_text(updated, encoding="utf-8")
        print("README.md: front matter rewritten")
    else:
        print("README.md: front matter up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
