"""Reads a profile for the viewer: its text, lint diagnostics, and a diff with another profile.

Plain Python, called from a worker thread: file reads and linting stay off the event loop.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Finding:
    """One lint diagnostic, reduced to what the viewer shows."""

    line: int
    column: int
    severity: str
    message: str


@dataclass(frozen=True)
class ProfileDocument:
    """A profile as the viewer shows it."""

    path: Path
    text: str
    findings: tuple[Finding, ...] = ()
    diff: str = ""  # unified diff against the compared profile, when one was chosen
    compared: Path | None = None


def _lint(path: Path, text: str) -> tuple[Finding, ...]:
    try:
        from lab.profile.lint import lint_file
    except ImportError:  # the linter is optional for the viewer: fall back to JSON syntax
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return (Finding(exc.lineno, exc.colno, "error", exc.msg),)
        return ()
    return tuple(
        Finding(
            int(getattr(d, "line", 0) or 0),
            int(getattr(d, "column", 0) or 0),
            str(getattr(d, "severity", "error")),
            str(getattr(d, "message", d)),
        )
        for d in lint_file(path)
    )


def _canonical(text: str) -> list[str]:
    """Pretty JSON when it parses, so a diff shows rule changes rather than formatting."""
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True).splitlines()
    except json.JSONDecodeError:
        return text.splitlines()


def load_profile(path: Path, compare_with: Path | None = None) -> ProfileDocument:
    """Read, lint and (optionally) diff a profile; raises OSError with the file's name."""
    text = path.read_text(encoding="utf-8")
    diff = ""
    if compare_with is not None:
        other = compare_with.read_text(encoding="utf-8")
        diff = (
            "\n".join(
                difflib.unified_diff(
                    _canonical(other),
                    _canonical(text),
                    fromfile=compare_with.name,
                    tofile=path.name,
                    lineterm="",
                )
            )
            or f"{path.name} and {compare_with.name} hold the same rules."
        )
    return ProfileDocument(path, text, _lint(path, text), diff, compare_with)


def list_profiles(directory: Path) -> list[Path]:
    """The profiles the viewer offers, by name."""
    return sorted(directory.glob("*.json")) if directory.is_dir() else []
