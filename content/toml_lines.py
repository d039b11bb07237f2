"""Best-effort line numbers for keys of a TOML document (tomllib does not report them).

Only headers (`[t]`, `[[a.b]]`) and `key = ...` lines are recognised; dotted keys
and inline tables fall back to the enclosing header's line, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TomlLines"]

# The name is taken greedily and stripped afterwards: a lazy name followed by
# `\s*` backtracked quadratically on long lines of spaces.
_HEADER_RE = re.compile(r"^\s*(\[\[?)([^\[\]]*)\]\]?\s*(?:#.*)?$")
_MULTILINE_DELIMS = ("'''", '"""')


@dataclass(frozen=True)
class _Header:
    index: int  # 0-based index into the document's lines
    array: bool  # [[...]] rather than [...]
    name: tuple[str, ...]


def _split_name(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"').strip("'") for part in raw.split("."))


class TomlLines:
    """Maps a key path such as ("questions", 1, "options", 0, "text") to a 1-based line number."""

    def __init__(self, text: str, line_offset: int = 0) -> None:
        self._lines = text.split("\n")
        self._offset = line_offset
        self._headers = self._scan()

    def _scan(self) -> list[_Header]:
        headers: list[_Header] = []
        open_delim: str | None = None  # inside a multi-line string: headers there are text
        for index, line in enumerate(self._lines):
            if open_delim is None:
                match = _HEADER_RE.match(line)
                if match and match.group(2).strip():
                    headers.append(_Header(index, match.group(1) == "[[", _split_name(match.group(2))))
                    continue
            pos = 0
            while True:
                if open_delim is None:
                    found = [(line.find(d, pos), d) for d in _MULTILINE_DELIMS if line.find(d, pos) >= 0]
                    if not found:
                        break
                    at, open_delim = min(found)
                    pos = at + 3
                else:
                    at = line.find(open_delim, pos)
                    if at < 0:
                        break
                    pos, open_delim = at + 3, None
        return headers

    def _key_line(self, key: str, start: int) -> int | None:
        stop = next((h.index for h in self._headers if h.index >= start), len(self._lines))
        pattern = re.compile(r"^\s*(?:" + re.escape(key) + r'|"' + re.escape(key) + r'")\s*=')
        for index in range(start, stop):
            if pattern.match(self._lines[index]):
                return index + 1 + self._offset
        return None

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """Line of the deepest part of `path` that can be found."""
        name: tuple[str, ...] = ()
        start, end = 0, len(self._lines)
        line: int | None = None
        parts = list(path)
        while parts:
            key = parts.pop(0)
            if not isinstance(key, str):
                return line
            sub = name + (key,)
            in_scope = [h for h in self._headers if start <= h.index < end and h.name == sub]
            if parts and isinstance(parts[0], int) and any(h.array for h in in_scope):
                position = parts.pop(0)
                arrays = [h for h in in_scope if h.array]
                if not isinstance(position, int) or position >= len(arrays):
                    return line
                header = arrays[position]
            elif any(not h.array for h in in_scope):
                header = next(h for h in in_scope if not h.array)
            elif in_scope:  # the array of tables as a whole: point at its first element
                return in_scope[0].index + 1 + self._offset
            else:
                found = self._key_line(key, start)
                return found if found is not None else line
            line = header.index + 1 + self._offset
            # The element's scope ends at the next header that is not nested in it.
            end = next(
                (h.index for h in self._headers if h.index > header.index and (h.name[: len(sub)] != sub or h.name == sub)),
                end,
            )
            start, name = header.index + 1, sub
        return line
