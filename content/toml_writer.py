"""A small TOML emitter for the shapes a course package uses (the stdlib only reads TOML).

Supported values: str, bool, int, finite float, date (a TOML local date), lists of them, tables (dict) and arrays
of tables (non-empty list of dict), nested. None means "leave the key out".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

__all__ = ["dumps", "format_string"]

_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_BASIC_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _is_control(ch: str) -> bool:
    return ord(ch) < 0x20 or ord(ch) == 0x7F


def _basic_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _BASIC_ESCAPES:
            out.append(_BASIC_ESCAPES[ch])
        elif _is_control(ch):
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _literal_multiline_ok(text: str) -> bool:
    # A ''' literal has no escapes at all, so it can only hold text without the
    # closing delimiter, without a trailing quote (it would merge with the
    # delimiter) and without control chars other than newline and tab.
    return (
        "'''" not in text
        and not text.endswith("'")
        and all(ch in "\n\t" or not _is_control(ch) for ch in text)
    )


def format_string(text: str) -> str:
    """TOML for `text`: a readable multi-line literal for multi-line text when safe, else a basic string."""
    if "\n" in text and _literal_multiline_ok(text):
        # The newline right after the opening ''' is dropped by TOML parsers.
        return "'''\n" + text + "'''"
    return _basic_string(text)


def _format_key(key: str) -> str:
    return key if _BARE_KEY_RE.match(key) else _basic_string(key)


def _format_value(value: Any) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} as TOML")
        return repr(value)  # the shortest text that reads back as the same float
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _emit(lines: list[str], table: Mapping[str, Any], path: tuple[str, ...]) -> None:
    # Plain keys first: after a [header] every key belongs to that header.
    for key, value in table.items():
        if value is None or isinstance(value, Mapping) or _is_array_of_tables(value):
            continue
        lines.append(f"{_format_key(key)} = {_format_value(value)}")
    for key, value in table.items():
        if isinstance(value, Mapping):
            sub = path + (key,)
            lines.extend(["", "[" + ".".join(map(_format_key, sub)) + "]"])
            _emit(lines, value, sub)
    for key, value in table.items():
        if _is_array_of_tables(value):
            sub = path + (key,)
            for item in value:
                lines.extend(["", "[[" + ".".join(map(_format_key, sub)) + "]]"])
                _emit(lines, item, sub)


def dumps(doc: Mapping[str, Any]) -> str:
    """Serialise `doc` as a TOML document (ending with a newline)."""
    lines: list[str] = []
    _emit(lines, doc, ())
    while lines and lines[0] == "":
        lines.pop(0)
    return "\n".join(lines) + "\n"
