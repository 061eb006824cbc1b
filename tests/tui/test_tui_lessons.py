"""Whole lessons on the local target through the keys, with the real course engine and kernel.

Audit records are matched on this test's own workload pids (the `w` filter): other processes
on this kernel log records too.
"""

from __future__ import annotations

import os

import pytest
from textual.pilot import Pilot
from textual.widgets import Log, OptionList, RichLog, Static
from tui_helpers import pilot_test, settle, until

from lab.tui.app import SeclabApp, make_app
from lab.tui.audit_source import open_audit_stream
from lab.tui.demo import DemoControl
from lab.tui.screens.demo import DemoScreen

pytestmark = pytest.mark.root

CORE_LESSONS = ("seccomp-here", "audit", "violation", "fine-grained", "block-mkdir")


def _title(app: SeclabApp) -> str:
    return str(app.lab.query_one("#step-title", Static).render())


def _commands(app: SeclabApp) -> str:
    return "\n".join(line.text for line in app.lab.query_one("#command-log", RichLog).lines)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _do_step(app: SeclabApp, pilot: Pilot[None]) -> None:
    """What a learner does: r; when the step has a part for them, s (the lab does it)."""
    await pilot.press("r")
    await settle(pilot)
    if app.lab.step is not None and app.lab.step.learner_part:
        await pilot.press("s")
        await settle(pilot)


@pilot_test
async def test_the_audit_lesson_through_the_keys() -> None:
    app = make_app("local", "audit", audit_stream_factory=open_audit_stream)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, "session", "audit")
        assert app.lab.step is not None and app.lab.step.index == 0
        await _do_step(app, pilot)
        assert "✔ done" in _title(app)
        shown = _commands(app)  # the exact command, shown before the workload's state
        assert shown.index("$ seclab exec --profile audit.json") < shown.index("audit-pod: ")
        status = app.lab.query_one("#status")
        await until(pilot, lambda: status.row_count > 0)
        assert "running" in str(status.get_row_at(0)[1])
        session = app.lab.session
        assert session is not None
        pids = session.watched_pids()
        assert pids and all(_alive(pid) for pid in pids)

        await pilot.press("w")  # the audit pane shows only this workload's records from now on
        await pilot.press("n")
        await settle(pilot)
        assert "Step 2/3" in _title(app)
        await _do_step(app, pilot)
        assert "✔ done" in _title(app)
        audit = app.lab.query_one("#audit-log", Log)
        await until(pilot, lambda: any(" accept4 " in line for line in audit.lines))
        for line in audit.lines:  # decoded names, and only our workload's processes
            assert " log " in line and "[" in line
        assert any(" read " in line or " recvfrom " in line for line in audit.lines)

        await pilot.press("n")
        await settle(pilot)
        await _do_step(app, pilot)
        assert "Step 3/3" in _title(app) and "✔ done" in _title(app)
        lessons = app.lab.query_one("#lessons", OptionList)
        audit_row = next(
            str(lessons.get_option_at_index(i).prompt)
            for i in range(lessons.option_count)
            if "Audit" in str(lessons.get_option_at_index(i).prompt)
        )
        assert audit_row.startswith("✔") and "3/3" in audit_row
        await pilot.press("q")
    # Quitting stopped every process the session started.
    assert not any(_alive(pid) for pid in pids)


@pilot_test
async def test_progress_resumes_at_the_first_step_not_yet_passed() -> None:
    first = make_app("local", "audit")
    async with first.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await _do_step(first, pilot)
        assert "✔ done" in _title(first)
        await pilot.press("q")
    again = make_app("local", "audit")
    async with again.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert again.lab.step is not None and again.lab.step.index == 1
        assert "Step 2/3" in _title(again)
        await pilot.press("q")


@pilot_test
async def test_demo_mode_plays_the_core_lessons_unattended() -> None:
    app = make_app(
        "local",
        demo=True,
        demo_control=DemoControl(instant=True),
        demo_lessons=CORE_LESSONS,
        audit_stream_factory=open_audit_stream,
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, "session")
        await until(pilot, lambda: any(w.group == "demo" for w in app.workers))
        await settle(pilot, "demo")
        screen = app.lab
        assert isinstance(screen, DemoScreen)
        await until(pilot, lambda: screen.finished)
        played = {result.lesson_id for result in screen.results}
        assert played == set(CORE_LESSONS)
        failed = [r for r in screen.results if not r.outcome.passed]
        assert failed == [], failed
        assert "exit status" in _commands(app)  # commands ran and their results were shown
        await pilot.press("q")
