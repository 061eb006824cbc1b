"""Reading composed YAML nodes with their positions, so every refusal can name a line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lab.course.errors import LessonError, did_you_mean

_TYPE_NAMES = {
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:null": "nothing (null)",
    "tag:yaml.org,2002:seq": "a list",
    "tag:yaml.org,2002:map": "a mapping",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:merge": "a YAML merge key",
}


@dataclass(frozen=True)
class Reader:
    """Turns nodes of one file into Python values, raising LessonError at the node's place."""

    path: Path

    def compose(self, text: str) -> yaml.Node:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            tab = "'\\t'" in str(exc.problem)
            raise LessonError(
                self.path,
                f"not valid YAML: {exc.problem}",
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                fix="indent with spaces: YAML does not allow tabs there"
                if tab
                else "check indentation and quoting near this place (quote text containing ': ')",
            ) from None
        except yaml.reader.ReaderError as exc:  # a control character: not a text file
            line, column = _place(text, exc.position)
            raise LessonError(
                self.path,
                f"not valid YAML: character #x{exc.character:04x} is not allowed in YAML text",
                line=line,
                column=column,
                fix="remove it; a lesson file is plain UTF-8 text",
            ) from None
        except RecursionError:  # PyYAML recurses once per nesting level
            raise LessonError(
                self.path,
                "not valid YAML for a lesson: lists or mappings nested thousands deep",
                fix="start from a lesson in the lab's lessons/ folder",
            ) from None
        if node is None:
            raise self.fail(None, "the file is empty", "start from an existing lesson in lessons/")
        return node

    def fail(self, node: yaml.Node | None, message: str, fix: str | None = None) -> LessonError:
        mark = node.start_mark if node is not None else None
        return LessonError(
            self.path,
            message,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            fix=fix,
        )

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        *,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> dict[str, yaml.Node]:
        """A mapping's values by key; unknown, repeated and missing keys are refused."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping, not {_kind(node)}")
        required = tuple(required)
        allowed = set(required) | set(optional)
        out: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = self.text(key_node, f"a key in {what}")
            if key not in allowed:
                raise self.fail(
                    key_node, f"unknown key '{key}' in {what}", did_you_mean(key, allowed, "keys")
                )
            if key in out:
                raise self.fail(key_node, f"'{key}' appears twice in {what}", "keep only one")
            out[key] = value
        for key in required:
            if key not in out:
                raise self.fail(node, f"{what} has no '{key}'", f"add '{key}:' to {what}")
        return out

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            fix = "write one '- item' line per item"
            raise self.fail(node, f"{what} must be a list, not {_kind(node)}", fix)
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.fail(node, f"{what} must be text, not {_kind(node)}", "quote it")
        return str(node.value)

    def scalar(self, node: yaml.Node, what: str, kind: type) -> Any:
        """A scalar of Python type `kind` (int, float or bool), as YAML resolved it."""
        value = _construct(node)
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not ok:
            word, example = {
                int: ("a whole number", "3"),
                float: ("a number", "30 or 2.5"),
                bool: ("true or false", "true"),
            }[kind]
            fix = f"write {what}: {example} (no quotes)"
            raise self.fail(node, f"{what} must be {word}, not {_kind(node)}", fix)
        return value

    def bounded(self, node: yaml.Node, what: str, kind: type, low: float, high: float) -> Any:
        """A number within [low, high]: a wait of nan or .inf would never end."""
        value = self.scalar(node, what, kind)
        if not low <= value <= high:  # nan fails every comparison, so it lands here too
            raise self.fail(
                node,
                f"{what} must be from {low:g} to {high:g}, not {node.value}",
                f"e.g. {what}: {low + 1 if low <= 0 else low:g}",
            )
        return value

    def texts(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        """A list of text, or one text taken as a list of one."""
        if isinstance(node, yaml.ScalarNode):
            return (self.text(node, what),)
        return tuple(self.text(item, f"an item of {what}") for item in self.sequence(node, what))

    def choice(self, node: yaml.Node, what: str, choices: Iterable[str]) -> str:
        value = self.text(node, what)
        choices = tuple(choices)
        if value not in choices:
            raise self.fail(
                node, f"{what} '{value}' is not known", did_you_mean(value, choices, "choices")
            )
        return value


def _place(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _construct(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return node
    return yaml.SafeLoader("").construct_object(node)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        return f"the text '{node.value}'"
    if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return f"{_TYPE_NAMES.get(node.tag, node.tag)} ({node.value})"
    return _TYPE_NAMES.get(node.tag, node.tag)
