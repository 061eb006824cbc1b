"""The audit pane's filter box, in the same syntax as `seclab watch` (`lab.audit.filters`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def compile_filter(expression: str) -> Callable[[Any], bool] | None:
    """A predicate over audit events, or None for "show everything".

    Raises FilterError (a ValueError) whose message says what to write instead.
    """
    # Imported on first use: the filter model loads libseccomp's syscall table.
    from lab.audit.filters import parse_filter_expression

    parsed = parse_filter_expression(expression)
    return None if parsed.is_empty else parsed.matches


def workloads_expression(pids: Iterable[int]) -> str:
    """The filter that keeps only the session's workloads and their children."""
    wanted = sorted(set(pids))
    return f"tree={','.join(map(str, wanted))}" if wanted else ""
