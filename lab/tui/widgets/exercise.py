"""The exercise editor: the learner's workspace file, highlighted, with lint findings inline.

Saving (ctrl+s) asks the screen to write the file in a worker; the screen's file watcher then
notices the new file (as it notices a save from any other editor) and checks the step again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea

_SEVERITY = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_LANGUAGES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


@dataclass(frozen=True)
class Finding:
    """One lint finding, for the pane (plain data: the widget never imports the linter)."""

    line: int
    column: int
    severity: str
    message: str


class ExercisePane(Vertical):
    """Edit one workspace file; ctrl+s saves it (through the screen) and the lab checks again."""

    DEFAULT_CSS = """
    ExercisePane { height: 1fr; }
    ExercisePane #exercise-file { height: auto; color: $text-muted; }
    ExercisePane TextArea { height: 1fr; }
    ExercisePane #exercise-findings { height: auto; max-height: 8; }
    """

    BINDINGS = [Binding("ctrl+s", "save", "Save", show=True, priority=True)]

    @dataclass
    class SaveWanted(Message):
        """The learner saved the editor's text: the screen writes it to `path`."""

        path: Path
        text: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path: Path | None = None
        self.saved_text = ""  # what the file holds, as far as the pane knows

    def compose(self) -> ComposeResult:
        yield Static("This step has no files to edit.", id="exercise-file")
        yield TextArea.code_editor("", id="exercise-editor", soft_wrap=False)
        yield Static("", id="exercise-findings")

    @property
    def editor(self) -> TextArea:
        return self.query_one("#exercise-editor", TextArea)

    def dirty(self) -> bool:
        """True when the editor holds edits that are not saved."""
        return self.path is not None and self.editor.text != self.saved_text

    def show_file(self, path: Path, text: str, findings: list[Finding]) -> None:
        """Load a file's text (replacing the editor's, unless it holds unsaved edits of it)."""
        same = self.path == path
        self.path = path
        if not (same and self.dirty()):
            editor = self.editor
            editor.language = _LANGUAGES.get(path.suffix)
            editor.load_text(text)
        self.saved_text = text
        self.query_one("#exercise-file", Static).update(
            Text.assemble(
                ("your file: ", "bold"), str(path), "   ctrl+s saves; the lab checks again"
            )
        )
        self.show_findings(findings)

    def show_nothing(self) -> None:
        self.path = None
        self.saved_text = ""
        self.editor.load_text("")
        self.query_one("#exercise-file", Static).update("This step has no files to edit.")
        self.query_one("#exercise-findings", Static).update("")

    def show_findings(self, findings: list[Finding]) -> None:
        """`seclab lint`'s findings, each at its line; the editor's cursor line is marked."""
        if not findings:
            text = Text("lint: no problems found", style="green")
        else:
            text = Text()
            for n, f in enumerate(findings):
                if n:
                    text.append("\n")
                text.append(f"{f.severity} ", _SEVERITY.get(f.severity, ""))
                text.append(f"line {f.line}:{f.column} {f.message}")
        self.query_one("#exercise-findings", Static).update(text)

    def action_save(self) -> None:
        if self.path is not None:
            self.post_message(self.SaveWanted(self.path, self.editor.text))
