"""YAML files that remember line numbers, so every complaint can point at file:line.

ruamel.yaml's round-trip loader keeps the position of each mapping and sequence item; a file
that does not parse becomes a Problem at the line the parser stopped on.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .paths import rel
from .problems import Problems

_yaml = YAML(typ="rt")
_yaml.allow_duplicate_keys = False


def load(path: Path, problems: Problems) -> Any | None:
    """Parse one YAML file; on failure record where and why, and return None."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(rel(path), 1, "file not found")
        return None
    except UnicodeDecodeError as err:
        problems.add(rel(path), 1, f"not valid UTF-8 ({err.reason} at byte {err.start}); save the file as UTF-8")
        return None
    try:
        return _yaml.load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(p for p in (err.context, err.problem) if p)
        problems.add(rel(path), line, f"malformed YAML: {what}; fix the syntax (indentation, quotes, ':' after keys)")
        return None
    except YAMLError as err:
        problems.add(rel(path), 1, f"malformed YAML: {err}")
        return None


def line_of(node: Any, key: Any = None) -> int:
    """1-based line of a mapping (or of one of its keys) or a sequence, as loaded by ruamel."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 1
    if key is not None:
        try:
            return lc.key(key)[0] + 1
        except (KeyError, TypeError):
            pass
    return lc.line + 1


def item_line(seq: Any, index: int) -> int:
    """1-based line of item `index` of a ruamel sequence."""
    try:
        return seq.lc.item(index)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return line_of(seq)
