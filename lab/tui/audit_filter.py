"""The audit pane's filter box: an expression such as `syscall=mkdir action=kill pid=42`.

Uses the audit package's own filter model when it is there, so the CLI and the TUI agree on the
syntax; otherwise a small `key=value` matcher. No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_FIELDS = {
    "syscall": "syscall_name",
    "action": "action",
    "comm": "comm",
    "exe": "exe",
    "pid": "pid",
    "container": "container_name",
    "pod": "pod",
}


def compile_filter(expression: str) -> Callable[[Any], bool] | None:
    """A predicate over audit events, or None for "show everything"; ValueError when invalid."""
    if not expression.strip():
        return None
    try:
        from lab.audit.filters import parse_filter_expression
    except ImportError:
        return _simple(expression)
    predicate: Callable[[Any], bool] = parse_filter_expression(expression).matches
    return predicate


def _simple(expression: str) -> Callable[[Any], bool]:
    wanted: dict[str, set[str]] = {}
    for term in expression.split():
        key, sep, value = term.partition("=")
        if not sep or key not in _FIELDS:
            raise ValueError(
                f"cannot read {term!r}: write key=value with key one of {', '.join(_FIELDS)}"
            )
        wanted.setdefault(_FIELDS[key], set()).update(value.split(","))

    def matches(event: Any) -> bool:
        return all(str(getattr(event, attr, "")) in values for attr, values in wanted.items())

    return matches
