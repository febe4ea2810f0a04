"""YAML that people write, read safely and with the line of every key and item.

We compose documents ourselves from libyaml's event stream (PyYAML's C parser) instead of using a
loader, because only the events tell us everything we refuse or must bound:

- Every explicit tag (`!!binary`, `!!python/...`, `!custom`, even `!!str`) is refused: a value is
  what it looks like, never something a tag turns it into.
- Keys are names: a key is the text written, never a number, a date or a structure.
- Scalars follow the YAML 1.2 core schema: only true/false are booleans (a curator's `no` stays
  the word), `2023-02-30` is text for the field's own check to judge, never a crash in a date
  constructor.
- Anchors and aliases are allowed, but an alias to an anchor that is not complete (a value that
  contains itself) is refused, and so is a document whose aliases expand to more values than the
  file could hold written out ("billion laughs"), as is nesting deeper than `MAX_DEPTH`.
- A key written twice is an error, not a silent overwrite.

Mappings and sequences come back as `LineDict` / `LineList`, plain dicts and lists that also
remember the 1-based line of themselves and of each key or item.
"""
from __future__ import annotations

import math
import re
from typing import Any

import yaml
from yaml.error import MarkedYAMLError, YAMLError

from .files import decode_utf8
from .problems import Problems

MAX_DEPTH = 40
# Values an alias may add beyond what is written out: generous for reuse, bounded against bombs.
EXPANSION_ALLOWANCE = 100_000

# libyaml's C parser (events only: we resolve scalars ourselves); the pure-Python one if absent.
_Parser = getattr(yaml, "CBaseLoader", None) or yaml.BaseLoader


class LineDict(dict):
    """A mapping that knows its own line and the line of each of its keys (1-based)."""
    line: int = 1
    key_lines: dict


class LineList(list):
    """A sequence that knows its own line and the line of each of its items (1-based)."""
    line: int = 1
    item_lines: list


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


def plain_scalar(text: str) -> Any:
    """An unquoted scalar as the YAML 1.2 core schema reads it."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "tTfF":
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return text
    if first in "0123456789+-.":
        if _INT.match(text):
            return int(text)
        if _OCT.match(text):
            return int(text[2:], 8)
        if _HEX.match(text):
            return int(text[2:], 16)
        if _FLOAT.match(text):
            return float(text)
        if _INF.match(text):
            return -math.inf if text[0] == "-" else math.inf
        if _NAN.match(text):
            return math.nan
    return text


def _tag_name(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _Composer:
    def __init__(self, text: str):
        self.parser = _Parser(text)
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.pending: set[str] = set()
        self.written = 0      # values written out in the file
        self.expanded = 0     # values the document holds once aliases are expanded

    def compose(self) -> Any:
        p = self.parser
        p.get_event()  # stream start
        if isinstance(p.peek_event(), yaml.StreamEndEvent):
            return None
        p.get_event()  # document start
        value, _ = self._node(0)
        p.get_event()  # document end
        if not isinstance(p.peek_event(), yaml.StreamEndEvent):
            raise YamlProblem(p.peek_event().start_mark.line + 1,
                              "a second YAML document ('---') in one file; keep one document per file")
        return value

    def _refuse_tag(self, event) -> None:
        if getattr(event, "tag", None) is not None:
            raise YamlProblem(event.start_mark.line + 1,
                              f"explicit YAML tag {_tag_name(event.tag)} is not allowed; write the plain value "
                              "(tags can turn text into binary data, objects or other types)")

    def _count(self, n: int, line: int) -> None:
        self.expanded += n
        if self.expanded > 10 * self.written + EXPANSION_ALLOWANCE:
            raise YamlProblem(line, "aliases expand this document to more than "
                              f"{10 * self.written + EXPANSION_ALLOWANCE:,} values (nested aliases, a 'billion "
                              "laughs' structure?); write the values out instead of nesting aliases")

    def _remember(self, anchor: str | None, value: Any, size: int) -> None:
        if anchor is not None:
            self.pending.discard(anchor)
            self.anchors[anchor] = (value, size)

    def _node(self, depth: int) -> tuple[Any, int]:
        """The next value and how many values it holds once expanded."""
        event = self.parser.get_event()
        line = event.start_mark.line + 1
        if depth > MAX_DEPTH:
            raise YamlProblem(line, f"nesting deeper than {MAX_DEPTH} levels; flatten the structure")
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.pending:
                raise YamlProblem(line, f"alias *{event.anchor} refers to a value that contains it; "
                                  "a value cannot include itself")
            if event.anchor not in self.anchors:
                raise YamlProblem(line, f"alias *{event.anchor} has no anchor &{event.anchor} before it")
            value, size = self.anchors[event.anchor]
            self._count(size, line)
            return value, size
        self._refuse_tag(event)
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.ScalarEvent):
            self.written += 1
            self._count(1, line)
            value = plain_scalar(event.value) if event.implicit[0] and not event.style else event.value
            self._remember(anchor, value, 1)
            return value, 1
        if anchor is not None:
            self.pending.add(anchor)
        self.written += 1
        self._count(1, line)
        if isinstance(event, yaml.SequenceStartEvent):
            out, size = LineList(), 1
            out.line, out.item_lines = line, []
            while not isinstance(self.parser.peek_event(), yaml.SequenceEndEvent):
                item_line = self.parser.peek_event().start_mark.line + 1
                value, n = self._node(depth + 1)
                out.append(value)
                out.item_lines.append(item_line)
                size += n
            self.parser.get_event()
            self._remember(anchor, out, size)
            return out, size
        if isinstance(event, yaml.MappingStartEvent):
            out, size = LineDict(), 1
            out.line, out.key_lines = line, {}
            merged: list[tuple[LineDict, int]] = []
            while not isinstance(self.parser.peek_event(), yaml.MappingEndEvent):
                key_event = self.parser.peek_event()
                key_line = key_event.start_mark.line + 1
                if not isinstance(key_event, yaml.ScalarEvent):
                    raise YamlProblem(key_line, "a key must be a plain name, not a list, a mapping or an alias")
                self.parser.get_event()
                self._refuse_tag(key_event)
                if key_event.anchor is not None:
                    raise YamlProblem(key_line, "an anchor on a key is not allowed; anchor values instead")
                key = key_event.value
                if key == "<<" and key_event.implicit[0] and not key_event.style:
                    value, n = self._node(depth + 1)
                    sources = value if isinstance(value, list) else [value]
                    if not sources or not all(isinstance(s, LineDict) for s in sources):
                        raise YamlProblem(key_line, "a merge key '<<' takes an alias of a mapping, or a list of them")
                    merged.extend((s, key_line) for s in sources)
                    size += n
                    continue
                if key in out:
                    raise YamlProblem(key_line, f"duplicate key: found the key {key!r} a second time in the mapping "
                                      f"that starts on line {line}; keep one")
                value, n = self._node(depth + 1)
                out[key] = value
                out.key_lines[key] = key_line
                size += n
            self.parser.get_event()
            for source, key_line in merged:  # keys written in the mapping itself win, as YAML says
                for key, value in source.items():
                    if key not in out:
                        out[key] = value
                        out.key_lines[key] = key_line
            self._remember(anchor, out, size)
            return out, size
        raise YamlProblem(line, f"unexpected YAML event {type(event).__name__}")

    def dispose(self) -> None:
        dispose = getattr(self.parser, "dispose", None)
        if dispose:
            dispose()


def parse(text: str) -> Any:
    """The document in `text`; raises YamlProblem (with its line) for anything malformed or refused."""
    composer = None
    try:
        composer = _Composer(text)
        return composer.compose()
    except YamlProblem:
        raise
    except MarkedYAMLError as err:
        what = " ".join(p for p in (err.context, err.problem) if p)
        if err.context_mark and "quoted scalar" in (err.context or ""):
            # A quote left open runs on to wherever the parser gives up: the curator needs the line it opens on.
            gave_up = err.problem_mark.line + 1 if err.problem_mark else None
            raise YamlProblem(err.context_mark.line + 1, f"malformed YAML: a quoted text opens on this line and is never "
                              f"closed (the parser ran on to line {gave_up}); close the quote on this line") from None
        mark = err.problem_mark or err.context_mark
        stopped = mark.line + 1 if mark else 1
        opened = _open_quote_before(text, stopped)
        if opened is not None:  # a quote left open swallows the lines after it, up to the next quote
            raise YamlProblem(opened, f"malformed YAML: a quoted text opens on this line and is not closed on it (the "
                              f"parser stopped at line {stopped}: {what}); close the quote on this line") from None
        raise YamlProblem(stopped, f"malformed YAML: {what}; fix the syntax (indentation, quotes, ':' after keys)") from None
    except YAMLError as err:  # the reader's errors carry a character position, not a mark
        position = getattr(err, "position", None)
        if isinstance(position, int) and _Parser is not yaml.BaseLoader:  # libyaml counts bytes
            line = text.encode("utf-8", "surrogatepass")[:position].count(b"\n") + 1
        else:
            line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        character = getattr(err, "character", None)
        code = ord(character) if isinstance(character, str) and len(character) == 1 else character
        if isinstance(code, int):
            raise YamlProblem(line, f"the character U+{code:04X} is not allowed in a YAML file; "
                              "remove it (control characters cannot be written in YAML text)") from None
        raise YamlProblem(line, f"malformed YAML: {str(err).splitlines()[0]}; fix the syntax") from None
    except RecursionError:
        raise YamlProblem(1, f"nesting too deep to read; flatten the structure (at most {MAX_DEPTH} levels)") from None
    finally:
        if composer is not None:
            composer.dispose()


QUOTE_REACH = 30  # a quote left open swallows the following lines up to the next quote, rarely more
_QUOTE_OPENS = re.compile(r"""(?:^|[:\-,\[{]\s)\s*(["'])""")


def _open_quote_before(text: str, stopped: int) -> int | None:
    """The last line up to `stopped` (and at most QUOTE_REACH lines before it) on which a quoted
    value opens and does not close, if any."""
    lines = text.split("\n")[:stopped]
    for number in range(len(lines), max(0, len(lines) - QUOTE_REACH), -1):
        line = lines[number - 1]
        match = _QUOTE_OPENS.search(line)
        if not match:
            continue
        quote, rest = match.group(1), line[match.end():]
        if quote == '"':
            closed = re.search(r'(?<!\\)(?:\\\\)*"', rest) is not None
        else:
            closed = re.search(r"'(?!')", rest.replace("''", "")) is not None
        if not closed:
            return number
    return None


def parse_into(text: str, where: str, problems: Problems) -> Any | None:
    """Parse, recording a failure as a Problem at `where`:line; None when the file is unusable."""
    try:
        return parse(text)
    except YamlProblem as err:
        problems.add(where, err.line, err.message)
        return None


def parse_input(data: bytes | None, where: str, kind: str, problems: Problems, if_empty: str | None = None) -> Any | None:
    """The document in the bytes of an input file, decoded as UTF-8 and parsed, each failure recorded
    as a Problem at `where`; an empty document is reported with `if_empty` (what to write in it)
    when given. None when there is no usable document."""
    if data is None:
        return None
    text = decode_utf8(data, where, kind, problems)
    if text is None:
        return None
    before = len(problems)
    doc = parse_into(text, where, problems)
    if doc is None and if_empty and len(problems) == before:
        problems.add(where, 1, if_empty)
    return doc


def line_of(node: Any, key: Any = None) -> int:
    """1-based line of a mapping (or of one of its keys) or a sequence."""
    if key is not None and isinstance(node, LineDict) and key in node.key_lines:
        return node.key_lines[key]
    return getattr(node, "line", 1)


def item_line(seq: Any, index: int) -> int:
    """1-based line of item `index` of a sequence."""
    lines = getattr(seq, "item_lines", None)
    return lines[index] if lines is not None and 0 <= index < len(lines) else line_of(seq)
