"""The lab's own polling (the workloads pane asking each workload's state every second or two)
stays out of the commands pane: the learner sees the commands that teach."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import RichLog
from tui_helpers import pilot_test, settle, until

from lab.tui.app import SeclabApp, make_app
from lab.tui.course_session import CourseSession, course_session_factory


def _commands(app: SeclabApp) -> str:
    return "\n".join(line.text for line in app.lab.query_one("#command-log", RichLog).lines)


class _Counted:
    """The real session factory, counting the workloads pane's polls."""

    def __init__(self) -> None:
        self.make = course_session_factory(observe=False)
        self.polls = 0

    def __call__(self, target_name: str) -> Any:
        session: CourseSession = self.make(target_name)
        poll = session.workloads

        def counted() -> Any:
            self.polls += 1
            return poll()

        session.workloads = counted  # type: ignore[method-assign]
        return session


@pytest.mark.docker
@pilot_test
async def test_docker_state_polls_stay_out_of_the_commands_pane() -> None:
    factory = _Counted()
    app = make_app("docker", "audit", session_factory=factory, status_interval=0.2)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.lab.step is not None)
        await settle(pilot)  # the step's own loading done: "r" now runs it, not "still running"
        await pilot.press("r")
        await settle(pilot)
        await until(pilot, lambda: "$ docker run" in _commands(app))  # the commands that teach
        shown = _commands(app)
        after_run = factory.polls
        await until(pilot, lambda: factory.polls >= after_run + 3)
        await settle(pilot, "status")
        assert _commands(app) == shown  # three state polls later: nothing more in the pane
        await pilot.press("x")  # reset: the workload is gone, a poll would say No such object
        await settle(pilot)
        shown = _commands(app)
        reset_at = factory.polls
        await until(pilot, lambda: factory.polls >= reset_at + 3)
        await settle(pilot, "status")
        assert _commands(app) == shown
        assert "No such object" not in shown
