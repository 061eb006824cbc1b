"""The profile viewer: highlighted JSON, lint diagnostics inline, and a diff with another one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Select, Static

if TYPE_CHECKING:
    from lab.tui.profile_view import ProfileDocument

_SEVERITY = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_document(doc: ProfileDocument) -> RenderableType:
    """The profile's JSON with diagnostic lines marked, diagnostics listed, then the diff."""
    from rich.syntax import Syntax  # pygments loads only once a profile is shown

    marked = {f.line for f in doc.findings if f.line}
    syntax = Syntax(doc.text, "json", line_numbers=True, highlight_lines=marked, word_wrap=False)
    parts: list[RenderableType] = []
    if doc.findings:
        for f in doc.findings:
            style = _SEVERITY.get(f.severity, "")
            parts.append(
                Text.assemble((f"{f.severity} ", style), f"line {f.line}:{f.column} {f.message}")
            )
    else:
        parts.append(Text("lint: no problems found", style="green"))
    parts.append(syntax)
    if doc.diff:
        parts.append(Text(f"\ndiff {doc.compared.name if doc.compared else ''} → {doc.path.name}"))
        parts.append(Syntax(doc.diff, "diff", word_wrap=True))
    return Group(*parts)


class ProfileViewer(Vertical):
    """Pick a profile (and optionally one to compare with); the screen loads it in a worker.

    The screen mounts it lazily (its tab starts hidden), so it keeps what it was given before
    it was mounted and shows it once it is.
    """

    @dataclass
    class Wanted(Message):
        """The learner picked a profile, or a profile to compare with."""

        path: Path
        compare_with: Path | None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paths: list[Path] = []
        self._picked: Path | None = None
        self._document: ProfileDocument | None = None
        self._ready = False  # children composed (on_mount runs before `is_mounted` is true)

    def compose(self) -> ComposeResult:
        with Horizontal(id="profile-pickers"):
            yield Select[str]([], prompt="profile", id="profile-pick")
            yield Select[str]([], prompt="compare with…", id="profile-compare")
        yield Static("v: back to the Audit tab", id="profile-back")
        with VerticalScroll(id="profile-scroll"):
            yield Static("Pick a profile to see it here.", id="profile-body")

    def on_mount(self) -> None:
        self._ready = True
        if self.paths:
            self.offer(self.paths)
        if self._picked is not None:
            self.select(self._picked)
        if self._document is not None:
            self.show(self._document)

    def offer(self, paths: list[Path]) -> None:
        """The profiles to choose from."""
        self.paths = list(paths)
        if not self._ready:
            return
        options = [(p.name, str(p)) for p in paths]
        self.query_one("#profile-pick", Select).set_options(options)
        self.query_one("#profile-compare", Select).set_options(options)

    def select(self, path: Path) -> None:
        """Pick this profile (offered from now on if it was not: one the lesson wrote)."""
        if str(path) not in {str(p) for p in self.paths}:
            self.offer([*self.paths, path])
        self._picked = path
        if self._ready:
            with self.prevent(Select.Changed):  # the screen loads it; no second load
                self.query_one("#profile-pick", Select).value = str(path)
                self.query_one("#profile-compare", Select).clear()

    def show(self, doc: ProfileDocument) -> None:
        self._document = doc
        if self._ready:
            self.query_one("#profile-body", Static).update(render_document(doc))

    def say(self, text: str) -> None:
        """A line in place of a profile (the step uses none)."""
        self._document = None
        if self._ready:
            self.query_one("#profile-body", Static).update(text)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        pick = self.query_one("#profile-pick", Select).value
        other = self.query_one("#profile-compare", Select).value
        if isinstance(pick, str):
            compare = Path(other) if isinstance(other, str) and other != pick else None
            self.post_message(self.Wanted(Path(pick), compare))
