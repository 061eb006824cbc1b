"""A JSON reader that remembers the line and column of every key and value.

Python's `json` module says where a syntax error is but not where a value came from, and lint
must point at the exact key or value. Errors name the place and, for the usual slips (comments,
trailing commas, single quotes, Python literals), say what to write instead.
"""

from __future__ import annotations

import re

from lab.profile.json_node import Lines, Node

__all__ = ["MAX_DEPTH", "MAX_VALUES", "JsonSyntaxError", "Node", "parse"]

# Profiles nest four levels deep; this cap keeps hostile input far from Python's recursion limit.
MAX_DEPTH = 64
# Docker's default profile holds about 450 values; this bounds the time a hostile file costs.
MAX_VALUES = 200_000

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_PLAIN_CHARS = re.compile(r'[^"\\\x00-\x1f]+')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_WHITESPACE = " \t\n\r"
_SPACE = re.compile(r"[ \t\n\r]+")
_FOREIGN_WORDS = {
    "True": "true",
    "False": "false",
    "None": "null",
    "NaN": "a number (JSON has no NaN)",
    "Infinity": "a number (JSON has no Infinity)",
}


class JsonSyntaxError(Exception):
    """Text that is not JSON, with the place, a short code and a fix."""

    def __init__(self, message: str, line: int, column: int, code: str, suggestion: str | None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column
        self.code, self.suggestion = code, suggestion


def parse(text: str) -> Node:
    """Parse one JSON document; raise JsonSyntaxError at the first thing that is not JSON."""
    return _Parser(text).document()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines = Lines(text)
        self.count = 0

    def where(self, pos: int) -> tuple[int, int]:
        return self.lines.where(pos)

    def fail(self, message: str, code: str = "invalid-json", suggestion: str | None = None,
             pos: int | None = None) -> JsonSyntaxError:
        line, column = self.where(self.pos if pos is None else pos)
        return JsonSyntaxError(message, line, column, code, suggestion)

    def skip_space(self) -> None:
        space = _SPACE.match(self.text, self.pos)
        if space:
            self.pos = space.end()
        if self.text.startswith(("//", "/*"), self.pos):
            raise self.fail(
                "JSON has no comments",
                "json-comment",
                'remove the comment, or say it in a rule\'s "comment" field (Docker reads it, '
                "other runtimes ignore it)",
            )

    def document(self) -> Node:
        self.skip_space()
        if self.pos == len(self.text):
            raise self.fail("the file holds no JSON value", "empty-file")
        node = self.value(0)
        self.skip_space()
        if self.pos < len(self.text):
            raise self.fail(
                "unexpected text after the end of the JSON document",
                suggestion="a profile is one JSON object: check for a stray brace or a second "
                "object pasted below the first",
            )
        return node

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(
                f"JSON nested more than {MAX_DEPTH} levels deep", "too-deep",
                "a seccomp profile needs at most five levels",
            )
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.fail(f"more than {MAX_VALUES:,} JSON values", "too-many-values",
                            "a seccomp profile holds a few hundred: check that this is a profile")
        start = self.pos
        char = self.text[start : start + 1]
        if char == "{":
            return self.object(depth)
        if char == "[":
            return self.array(depth)
        if char == '"':
            return Node(self.string(), start, self.lines)
        if char == "-" or char.isdigit():
            return Node(self.number(), start, self.lines)
        for literal, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(literal, start):
                self.pos += len(literal)
                return Node(result, start, self.lines)
        raise self.unexpected("a value")

    def unexpected(self, wanted: str) -> JsonSyntaxError:
        if self.pos >= len(self.text):
            return self.fail(f"the file ends where {wanted} should be", "truncated-json",
                             "the document is cut short: close every { and [")
        char = self.text[self.pos]
        word = _WORD.match(self.text, self.pos)
        if char == "'":
            return self.fail("JSON strings use double quotes", suggestion="write \"…\", not '…'")
        if word and word.group() in _FOREIGN_WORDS:
            return self.fail(f"{word.group()} is not JSON",
                             suggestion=f"write {_FOREIGN_WORDS[word.group()]}")
        before = self.text[: self.pos].rstrip(_WHITESPACE)
        if char in "}]" and before.endswith(","):
            return self.fail(f"a comma before the closing {char!r}", "trailing-comma",
                             "JSON allows no comma after the last item: remove it",
                             pos=len(before) - 1)
        shown = word.group() if word else char
        return self.fail(f"expected {wanted}, found {shown!r}")

    def expect(self, char: str, wanted: str) -> None:
        self.skip_space()
        if not self.text.startswith(char, self.pos):
            raise self.unexpected(wanted)
        self.pos += 1

    def object(self, depth: int) -> Node:
        node = Node({}, self.pos, self.lines)
        node.key_offsets, node.duplicates = {}, []
        self.pos += 1
        self.skip_space()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return node
        while True:
            self.skip_space()
            if not self.text.startswith('"', self.pos):
                word = _WORD.match(self.text, self.pos)
                if word and word.group() not in _FOREIGN_WORDS:
                    raise self.fail(f"object keys need double quotes: {word.group()}",
                                    suggestion=f'write "{word.group()}"')
                raise self.unexpected('a key in double quotes or "}"')
            key_at = self.pos
            key = self.string()
            self.expect(":", '":" after the key')
            self.skip_space()
            child = self.value(depth + 1)
            if key in node.value:
                node.duplicates.append((key, key_at))
            node.value[key] = child
            node.key_offsets[key] = key_at
            self.skip_space()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("}", '"," or "}"')
            return node

    def array(self, depth: int) -> Node:
        node = Node([], self.pos, self.lines)
        self.pos += 1
        self.skip_space()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return node
        while True:
            self.skip_space()
            node.value.append(self.value(depth + 1))
            self.skip_space()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("]", '"," or "]"')
            return node

    def string(self) -> str:
        start = self.pos
        self.pos += 1
        parts: list[str] = []
        text = self.text
        while True:
            plain = _PLAIN_CHARS.match(text, self.pos)
            if plain:
                parts.append(plain.group())
                self.pos = plain.end()
            if self.pos >= len(text):
                raise self.fail("this string is never closed", "truncated-json",
                                'add the closing "', pos=start)
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(parts)
            if char == "\\":
                parts.append(self.escape())
                continue
            raise self.fail("a line break or control character inside a string",
                            suggestion='close the string with " on the same line')

    def escape(self) -> str:
        code = self.text[self.pos + 1 : self.pos + 2]
        if code in _ESCAPES:
            self.pos += 2
            return _ESCAPES[code]
        digits = self.text[self.pos + 2 : self.pos + 6]
        if code != "u" or not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
            raise self.fail(f"invalid escape \\{code}", suggestion="write \\\\ for a backslash")
        self.pos += 6
        point = int(digits, 16)
        low = re.match(r"\\u(d[c-f][0-9a-f]{2})", self.text[self.pos : self.pos + 6], re.I)
        if 0xD800 <= point < 0xDC00 and low:
            self.pos += 6
            point = 0x10000 + ((point - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00)
        # A lone surrogate cannot be printed or encoded later: keep a replacement character.
        return "\ufffd" if 0xD800 <= point < 0xE000 else chr(point)

    def number(self) -> int | float:
        match = _NUMBER.match(self.text, self.pos)
        if not match or match.end() == self.pos:
            raise self.unexpected("a number")
        if match.group() in ("0", "-0") and self.text.startswith(("x", "X"), match.end()):
            raise self.fail("JSON has no hexadecimal numbers", suggestion="write it in decimal")
        if len(match.group()) > 40:
            raise self.fail("a number far too long for a seccomp profile (they fit in 64 bits)")
        self.pos = match.end()
        if match.group(1) or match.group(2):
            return float(match.group())
        return int(match.group())
