"""Parts made after the first frame (step Markdown, Profile tab) keep what they were given early."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Markdown, RichLog, Select, Static
from tui_helpers import pilot_test, until

from lab.targets.base import Phase, WorkloadState
from lab.tui.profile_view import load_profile
from lab.tui.session import CommandFinished, CommandStarted, OutputLine, StepView
from lab.tui.widgets.commands import CommandPane
from lab.tui.widgets.profile import ProfileViewer
from lab.tui.widgets.status import StatusPane
from lab.tui.widgets.step import StepPane

STEP = StepView("audit", 0, 3, "Run it", "The **step** text.", (), None, (), False, None)


class _Host(App[None]):
    def __init__(self, child: StepPane | ProfileViewer | CommandPane | StatusPane) -> None:
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


@pilot_test
async def test_command_output_before_the_log_exists_is_shown_in_order() -> None:
    pane = CommandPane()
    pane.output(OutputLine("root is needed for the audit pane", "warn"))  # before mounting
    async with _Host(pane).run_test() as pilot:
        pane.started(CommandStarted("seclab exec -- true"))
        pane.finished(CommandFinished("seclab exec -- true", 0, "done\n", ""))
        await until(pilot, lambda: bool(pane.query("#command-log")))
        await pilot.pause()
        log = pane.query_one("#command-log", RichLog)
        text = "\n".join(line.text for line in log.lines)
        assert text.index("root is needed") < text.index("$ seclab exec -- true")
        assert text.index("$ seclab exec") < text.index("done") < text.index("exit status 0")


@pilot_test
async def test_workload_states_before_the_table_exists_are_shown() -> None:
    pane = StatusPane()
    pane.show([("audit-pod", WorkloadState(Phase.PENDING))])
    pane.update_one("audit-pod", WorkloadState(Phase.RUNNING))
    pane.update_one("extra", WorkloadState(Phase.EXITED, exit_code=3))
    async with _Host(pane).run_test() as pilot:
        await until(pilot, lambda: bool(pane.query("#status")))
        table = pane.query_one("#status", DataTable)
        await until(pilot, lambda: table.row_count == 2)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(2)]
        assert rows == [["audit-pod", "running", ""], ["extra", "exited", "exit 3"]]
        pane.update_one("extra", WorkloadState(Phase.NOT_FOUND))  # gone: no longer listed
        await pilot.pause()
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == "audit-pod"
