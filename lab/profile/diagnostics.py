"""Lint findings: one located, coded message per mistake, and the error that carries them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("error", "warning", "info")
# A value quoted from the file ("…") longer than this is cut in the middle: a minified or hostile
# file can hold megabyte strings, and the message must stay one readable line.
QUOTE_MAX = 60
_QUOTED = re.compile(r'"([^"]*)"')  # pairs, left to right: short ones are kept as they are


def clip(text: str) -> str:
    """`text` with every long quoted value shortened to its start and end around an ellipsis."""
    if len(text) <= QUOTE_MAX:
        return text
    return _QUOTED.sub(
        lambda m: f'"{m[1][:40]}…{m[1][-12:]}"' if len(m[1]) > QUOTE_MAX else m[0], text
    )


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a profile: where, how bad, what, and how to fix it."""

    path: str
    line: int
    column: int
    severity: str
    code: str
    message: str
    suggestion: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", clip(self.message))
        if self.suggestion:
            object.__setattr__(self, "suggestion", clip(self.suggestion))

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def location(self) -> str:
        """`file:line:col`, or just the file when the finding is about the file as a whole."""
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"

    def format(self) -> str:
        """`file:line:col: severity: message [code]`, then an indented `hint:` line if any."""
        text = f"{self.location()}: {self.severity}: {self.message} [{self.code}]"
        if self.suggestion:
            text += f"\n    hint: {self.suggestion}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (for `seclab lint --json`)."""
        return asdict(self)


def sort_key(diagnostic: Diagnostic) -> tuple[int, int, int, str]:
    """Order findings by place, errors before warnings before info at the same place."""
    return (
        diagnostic.line,
        diagnostic.column,
        SEVERITIES.index(diagnostic.severity),
        diagnostic.code,
    )


def count(diagnostics: Iterable[Diagnostic]) -> dict[str, int]:
    """How many findings of each severity."""
    totals = dict.fromkeys(SEVERITIES, 0)
    for diagnostic in diagnostics:
        totals[diagnostic.severity] += 1
    return totals


def plural(number: int, word: str) -> str:
    """`1 error`, `2 errors`; info stays `info`."""
    return f"{number} {word}" if number == 1 or word == "info" else f"{number} {word}s"


class ProfileError(Exception):
    """A profile that failed lint; `str()` lists its errors, `.diagnostics` holds every finding."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.is_error] or diagnostics
        super().__init__("\n".join(d.format() for d in errors))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]
