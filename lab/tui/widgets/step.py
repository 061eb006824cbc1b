"""The current step: its Markdown text, then any hint or solution the learner asked for."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from lab.tui.session import StepView

if TYPE_CHECKING:
    from textual.widgets import Markdown


class StepPane(Vertical):
    """Shows one step; hints and the solution are appended below the text on request.

    The title stays above the scrolling text: after a run (the check result below the text,
    scrolled into view) the learner still sees which step this is.
    The first frame shows a plain line: the Markdown widgets (and markdown-it behind them) are
    made when the first text arrives, which keeps them off the start-up path.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._wanted = ["", ""]  # the step's text and the extra below it
        self._shown = ["", ""]  # what the Markdown blocks were last given
        self._blocks: tuple[Markdown, Markdown] | None = None  # made on first use
        self._mounted = False

    def compose(self) -> ComposeResult:
        yield Static("", id="step-title")
        with VerticalScroll(id="step-body"):
            yield Static("Loading lessons…", id="step-loading")

    def _markdown(self, text: str | None, extra: str) -> None:
        """Show `text` (unless None) and `extra`; the Markdown blocks are made the first time."""
        if text is not None:
            self._wanted[0] = text
        self._wanted[1] = extra
        if self._blocks is None:
            self.call_next(self._make_blocks)
            from textual.widgets import Markdown

            self._blocks = Markdown(id="step-text"), Markdown(id="step-extra")
        self._sync()

    async def _make_blocks(self) -> None:
        assert self._blocks is not None
        await self.query_one("#step-loading").remove()
        await self.query_one("#step-body").mount(*self._blocks)
        self._mounted = True
        self._sync()

    def _sync(self) -> None:
        """Hand each block its wanted text once it is mounted (an earlier update would be lost)."""
        if self._blocks is None or not self._mounted:
            return
        for index, block in enumerate(self._blocks):
            if self._shown[index] != self._wanted[index]:
                self._shown[index] = self._wanted[index]
                updated = block.update(self._wanted[index])
                if index == 1 and self._wanted[1]:
                    self.call_next(self._reveal_extra, updated)

    async def _reveal_extra(self, updated: Awaitable[None]) -> None:
        """Scroll the hint or result into view from its first line, once its blocks exist
        (scrolling before Markdown has laid them out left the pane mid-way through a sentence)."""
        await updated
        body, extra = self.query_one("#step-body"), self.query_one("#step-extra")
        self.call_after_refresh(body.scroll_to_widget, extra, animate=False, top=True)

    def show(self, step: StepView, lesson_title: str = "") -> None:
        self.show_heading(step, lesson_title)
        self._markdown(step.text, "")
        self.query_one("#step-body").scroll_home(animate=False)

    def show_heading(self, step: StepView, lesson_title: str = "") -> None:
        """The lesson, the step's number and title, and whether it passed."""
        done = "  ✔ done" if step.done else ""
        heading = f"{lesson_title}\nStep {step.index + 1}/{step.count}: {step.title}{done}"
        self.query_one("#step-title", Static).update(heading)

    def show_message(self, text: str) -> None:
        """Text in place of a step (no lessons yet, a lesson that does not run here)."""
        self.query_one("#step-title", Static).update("")
        self._markdown(text, "")

    def show_extra(self, markdown: str) -> None:
        """A hint, a solution or a check result, below the step's text."""
        self._markdown(None, markdown)
