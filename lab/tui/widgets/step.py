"""The current step: its Markdown text, then any hint or solution the learner asked for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from lab.tui.session import StepView


class StepPane(VerticalScroll):
    """Shows one step; hints and the solution are appended below the text on request."""

    def compose(self) -> ComposeResult:
        yield Static("", id="step-title")
        yield Markdown("Loading lessons…", id="step-text")
        yield Markdown("", id="step-extra")

    def show(self, step: StepView, lesson_title: str = "") -> None:
        self.show_heading(step, lesson_title)
        self.query_one("#step-text", Markdown).update(step.text)
        self.query_one("#step-extra", Markdown).update("")
        self.scroll_home(animate=False)

    def show_heading(self, step: StepView, lesson_title: str = "") -> None:
        """The lesson, the step's number and title, and whether it passed."""
        done = "  ✔ done" if step.done else ""
        heading = f"{lesson_title}\nStep {step.index + 1}/{step.count}: {step.title}{done}"
        self.query_one("#step-title", Static).update(heading)

    def show_message(self, text: str) -> None:
        """Text in place of a step (no lessons yet, a lesson that does not run here)."""
        self.query_one("#step-title", Static).update("")
        self.query_one("#step-text", Markdown).update(text)
        self.query_one("#step-extra", Markdown).update("")

    def show_extra(self, markdown: str) -> None:
        """A hint, a solution or a check result, below the step's text."""
        self.query_one("#step-extra", Markdown).update(markdown)
        self.scroll_end(animate=False)
