"""Parts made after the first frame (step Markdown, Profile tab) keep what they were given early."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Markdown, Select, Static
from tui_helpers import pilot_test, until

from lab.tui.profile_view import load_profile
from lab.tui.session import StepView
from lab.tui.widgets.profile import ProfileViewer
from lab.tui.widgets.step import StepPane

STEP = StepView("audit", 0, 3, "Run it", "The **step** text.", (), None, (), False, None)


class _Host(App[None]):
    def __init__(self, child: StepPane | ProfileViewer) -> None:
        super().__init__()
        self.child = child

    def compose(self) -> ComposeResult:
        yield self.child


@pilot_test
async def test_a_hint_given_in_the_same_tick_as_the_step_is_not_lost() -> None:
    pane = StepPane()
    app = _Host(pane)
    async with app.run_test() as pilot:
        assert "Loading lessons" in str(pane.query_one("#step-loading", Static).render())
        assert not pane.query(Markdown)  # no Markdown on the first frame
        pane.show(STEP, "Audit")
        pane.show_extra("**Hint 1:** look at the log")  # before the blocks are even mounted
        await until(pilot, lambda: len(pane.query(Markdown)) == 2)
        await pilot.pause()
        text = pane.query_one("#step-text", Markdown)
        extra = pane.query_one("#step-extra", Markdown)
        await until(pilot, lambda: "look at the log" in extra.source)
        assert text.source == "The **step** text."
        assert not pane.query("#step-loading")
        pane.show_message("No lesson runs on this target.")
        await until(pilot, lambda: text.source == "No lesson runs on this target.")
        assert extra.source == ""


@pilot_test
async def test_the_profile_viewer_shows_what_it_was_given_before_it_was_mounted(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "audit.json"
    profile.write_text('{"defaultAction": "SCMP_ACT_LOG"}\n')
    viewer = ProfileViewer()
    viewer.offer([profile])
    viewer.select(profile)
    viewer.show(load_profile(profile))
    async with _Host(viewer).run_test() as pilot:
        await pilot.pause()
        assert viewer.query_one("#profile-pick", Select).value == str(profile)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(viewer.query_one("#profile-body", Static).content)
        assert "SCMP_ACT_LOG" in console.export_text()
