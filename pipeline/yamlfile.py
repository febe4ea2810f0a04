"""YAML files that remember line numbers, so every complaint can point at file:line.

libyaml (PyYAML's C parser) composes the node tree, whose nodes carry their start marks; we build
plain dicts and lists from it that also remember the line of each key and each item. That keeps
`make check` fast (the pure-Python round-trip parsers spend seconds on our mappings) and still
lets every problem name its line. A key written twice in one mapping is an error, not a silent
overwrite, and a file that does not parse becomes a Problem at the line the parser stopped on.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.error import MarkedYAMLError, YAMLError

from .paths import rel
from .problems import Problems


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader with YAML 1.2 booleans: only true/false are booleans, so a curator's
    `no`, `on` or `off` stays the word it is (YAML 1.1 would turn it into False/True)."""


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _first in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, (_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")))


class LineDict(dict):
    """A mapping that knows its own line and the line of each of its keys (1-based)."""
    line: int = 1
    key_lines: dict


class LineList(list):
    """A sequence that knows its own line and the line of each of its items (1-based)."""
    line: int = 1
    item_lines: list


class DuplicateKey(MarkedYAMLError):
    pass


def _build(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LineDict()
        out.line, out.key_lines = node.start_mark.line + 1, {}
        loader.flatten_mapping(node)  # resolves `<<` merge keys as the safe loader would
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise DuplicateKey("while reading a mapping", node.start_mark,
                                   f"found the key {key!r} a second time", key_node.start_mark)
            out[key] = _build(value_node, loader)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        out = LineList(_build(item, loader) for item in node.value)
        out.line, out.item_lines = node.start_mark.line + 1, [item.start_mark.line + 1 for item in node.value]
        return out
    return loader.construct_object(node, deep=True)


def parse(text: str) -> Any:
    """The document in `text`, with line numbers; raises yaml's MarkedYAMLError on bad syntax."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(node, loader)
    finally:
        loader.dispose()


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
        return parse(text)
    except DuplicateKey as err:
        problems.add(rel(path), err.problem_mark.line + 1, f"duplicate key: {err.problem} in the mapping that starts on "
                     f"line {err.context_mark.line + 1}; keep one")
        return None
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
    """1-based line of a mapping (or of one of its keys) or a sequence."""
    if key is not None and isinstance(node, LineDict) and key in node.key_lines:
        return node.key_lines[key]
    return getattr(node, "line", 1)


def item_line(seq: Any, index: int) -> int:
    """1-based line of item `index` of a sequence."""
    lines = getattr(seq, "item_lines", None)
    return lines[index] if lines is not None and 0 <= index < len(lines) else line_of(seq)
