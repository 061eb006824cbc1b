"""The one error a lesson file can raise: where the mistake is, what it is, and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class LessonError(Exception):
    """A lesson file that cannot be used as written."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.message = message
        self.line = line
        self.column = column
        self.fix = fix

    def where(self) -> str:
        """`file:line:column`, as far as it is known."""
        place = str(self.path)
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        return place

    def format(self) -> str:
        """The message an instructor reads: place, problem, and the fix on its own line."""
        text = f"{self.where()}: {self.message}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text

    def __str__(self) -> str:
        return self.format()


def did_you_mean(word: str, choices: Iterable[str], what: str) -> str:
    """A fix suggestion: the closest choice, or the full list of valid ones."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    listed = ", ".join(options)
    if not options:
        return f"there are no {what} to choose from yet"
    if close:
        return f"did you mean '{close[0]}'? ({what}: {listed})"
    return f"use one of the {what}: {listed}"
