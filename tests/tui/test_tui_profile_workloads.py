"""`v` shows the current step's profile read afresh (one the lesson wrote included) and leads
back to the audit pane; the workloads pane lists what still exists and how one-shots ended."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent
from tui_helpers import RecordingSession, pilot_test, screen_rows, settle, until

from lab.targets.base import Phase, WorkloadState
from lab.tui.app import SeclabApp, make_app
from lab.tui.course_session import course_session_factory
from lab.tui.session import StepView


@dataclass
class ProfileSession(RecordingSession):
    """Its steps use a profile written outside the shipped profiles (as make-your-own does)."""

    written: Path = Path("/nonexistent")

    def step(self, lesson_id: str, index: int) -> StepView:
        return replace(super().step(lesson_id, index), profiles=(str(self.written),))


def _shown(pilot: Pilot[None]) -> str:
    return "\n".join(screen_rows(pilot))


@pilot_test
async def test_v_shows_the_steps_own_profile_afresh_and_v_again_goes_back(
    tmp_path: Path,
) -> None:
    written = tmp_path / "work" / "my-profile.json"
    written.parent.mkdir()
    written.write_text('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []}')
    shipped = tmp_path / "profiles"
    shipped.mkdir()
    (shipped / "audit.json").write_text('{"defaultAction": "SCMP_ACT_LOG"}')
    session = ProfileSession(written=written)
    app = make_app(
        "local", session_factory=lambda name: session, profiles_dir=shipped, status_interval=3600
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.lab.step is not None)
        await pilot.press("v")
        tabs = app.lab.query_one(TabbedContent)
        assert tabs.active == "tab-profile"
        await until(pilot, lambda: "SCMP_ACT_ERRNO" in _shown(pilot))
        assert "back to the Audit tab" in str(app.lab.query_one("#profile-back", Static).render())
        await pilot.press("v")
        assert tabs.active == "tab-audit"
        written.write_text('{"defaultAction": "SCMP_ACT_KILL_PROCESS"}')  # the learner edits it
        await pilot.press("v")
        await until(pilot, lambda: "SCMP_ACT_KILL_PROCESS" in _shown(pilot))  # not the stale one


@dataclass
class EndedSession(RecordingSession):
    def workloads(self) -> list[tuple[str, WorkloadState]]:
        return [
            ("echo", WorkloadState(Phase.RUNNING, pids=(1,))),
            ("old-pod", WorkloadState(Phase.NOT_FOUND, reason="NotFound")),
            ("mkdir-kill", WorkloadState(Phase.EXITED, signal=31, reason="SIGSYS")),
        ]


def _rows(app: SeclabApp) -> list[list[str]]:
    table = app.lab.query_one("#status", DataTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


@pilot_test
async def test_the_workloads_pane_drops_the_gone_and_says_how_one_shots_ended() -> None:
    app = make_app("local", session_factory=lambda name: EndedSession(), status_interval=0.1)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: len(app.lab.query("#status")) == 1 and bool(_rows(app)))
        assert _rows(app) == [["echo", "running", ""], ["mkdir-kill", "exited", "sig=31"]]


@pytest.mark.root
@pilot_test
async def test_a_one_shot_is_listed_with_how_it_ended_not_as_not_found() -> None:
    from lab.tui.screens.predict import PredictScreen

    factory = course_session_factory(observe=False)
    app = make_app("local", "block-mkdir", session_factory=factory, status_interval=0.2)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.lab.step is not None)
        await settle(pilot)
        await pilot.press("n", "n")  # Kill on mkdir: a one-shot the target removes once it ends
        await until(pilot, lambda: getattr(app.lab.step, "title", "") == "Kill on mkdir")
        await settle(pilot)
        await pilot.press("r")  # the step asks for a prediction first: escape runs it without
        await until(pilot, lambda: isinstance(app.screen, PredictScreen))
        await pilot.press("escape")
        await settle(pilot)
        await until(pilot, lambda: any(row[0] == "mkdir-kill" for row in _rows(app)))
        await settle(pilot, "status")
        # The shell that ran mkdir survived the kill and said so (`status 159`), then ended.
        row = next(row for row in _rows(app) if row[0] == "mkdir-kill")
        assert row == ["mkdir-kill", "exited", "exit 0"], _rows(app)
