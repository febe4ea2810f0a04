"""Where things live, relative to the repository root, so every stage agrees on one layout."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
SOURCES = RAW / "sources"
MAPPINGS = RAW / "mappings"
TAXONOMY = RAW / "taxonomy"
REFERENCE = RAW / "reference"
SCHEMAS = ROOT / "schemas"
OUTPUT = ROOT / "output"


def rel(path: Path) -> str:
    """Repository-relative path with forward slashes: what people see in errors and tables."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)
