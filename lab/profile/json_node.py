"""A parsed JSON value that knows where in the text it starts (for located diagnostics)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from typing import Any


class Lines:
    """Turns a character offset into a 1-based (line, column), on demand."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


class Node:
    """A JSON value and where it starts; containers hold Nodes, objects also key positions."""

    # Positions are kept as offsets and turned into lines only when a finding needs one:
    # a 4 MiB file holds hundreds of thousands of values.
    __slots__ = ("value", "offset", "lines", "key_offsets", "duplicates")

    def __init__(self, value: Any, offset: int, lines: Lines) -> None:
        self.value = value
        self.offset = offset
        self.lines = lines
        self.key_offsets: dict[str, int] = _NO_KEYS
        self.duplicates: list[tuple[str, int]] = _NO_DUPLICATES

    @property
    def line(self) -> int:
        return self.lines.where(self.offset)[0]

    @property
    def column(self) -> int:
        return self.lines.where(self.offset)[1]

    @property
    def keys(self) -> Mapping[str, tuple[int, int]]:
        """Each key of an object and its (line, column), each place found when asked for.

        A view, not a dict built per call: a check that asks for one key of an object with
        thousands made linting quadratic (8,000 unknown keys took 41 s).
        """
        return _KeyPlaces(self.key_offsets, self.lines)

    @property
    def duplicate_keys(self) -> list[tuple[str, int, int]]:
        """Keys that appear more than once in an object, at each repeat's (line, column)."""
        return [(key, *self.lines.where(at)) for key, at in self.duplicates]

    def get(self, key: str) -> Node | None:
        """The member `key` of an object (None when absent, null, or this is not an object)."""
        child = self.value.get(key) if isinstance(self.value, dict) else None
        return child if child is not None and child.value is not None else None

    def items(self) -> list[Node]:
        """The elements of a list (empty when this is not a list)."""
        return self.value if isinstance(self.value, list) else []

    def text(self) -> str | None:
        """The value when it is a string, else None."""
        return self.value if isinstance(self.value, str) else None

    def plain(self) -> Any:
        """The value as ordinary Python data (dicts, lists, str, int, float, bool, None)."""
        if isinstance(self.value, dict):
            return {key: node.plain() for key, node in self.value.items()}
        if isinstance(self.value, list):
            return [node.plain() for node in self.value]
        return self.value


class _KeyPlaces(Mapping[str, tuple[int, int]]):
    """An object's keys mapped to their (line, column), computed on lookup."""

    __slots__ = ("offsets", "lines")

    def __init__(self, offsets: dict[str, int], lines: Lines) -> None:
        self.offsets = offsets
        self.lines = lines

    def __getitem__(self, key: str) -> tuple[int, int]:
        return self.lines.where(self.offsets[key])

    def __contains__(self, key: object) -> bool:
        return key in self.offsets

    def __iter__(self) -> Iterator[str]:
        return iter(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets)


# Shared by every non-object Node; object() gives each object its own.
_NO_KEYS: dict[str, int] = {}
_NO_DUPLICATES: list[tuple[str, int]] = []
