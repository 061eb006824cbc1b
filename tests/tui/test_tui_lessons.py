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


def _audit_row(lessons: OptionList) -> str:
    prompts = (str(lessons.get_option_at_index(i).prompt) for i in range(lessons.option_count))
    return next((prompt for prompt in prompts if "Audit" in prompt), "")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _passed(app: SeclabApp) -> bool:
    return app.lab.step is not None and app.lab.step.done and "✔ done" in _title(app)


async def _do_step(app: SeclabApp, pilot: Pilot[None]) -> None:
    """What a learner does: r; when the step has a part for them, s (the lab does it).

    Each key waits for what it leads to (the step passed, or the lab's "Your turn"), not for a
    time: on a loaded machine the result arrives late, and a key pressed early is refused.
    """
    step = app.lab.step
    assert step is not None
    await settle(pilot)  # a key pressed while the step still loads is refused
    await pilot.press("r")
    await settle(pilot)
    if step.learner_part:
        await until(pilot, lambda: "Your turn" in _commands(app) or _passed(app))
        if not _passed(app):
            await pilot.press("s")
            await settle(pilot)
    await until(pilot, lambda: _passed(app))


async def _at_step(app: SeclabApp, pilot: Pilot[None], index: int) -> None:
    """Wait until the lab shows step `index` (the step view arrives by message)."""
    await settle(pilot)
    await until(pilot, lambda: app.lab.step is not None and app.lab.step.index == index)
    await until(pilot, lambda: f"Step {index + 1}/" in _title(app))


@pilot_test
async def test_the_audit_lesson_through_the_keys() -> None:
    app = make_app("local", "audit", audit_stream_factory=open_audit_stream)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, "session", "audit")
        await _at_step(app, pilot, 0)
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
        await _at_step(app, pilot, 1)
        await _do_step(app, pilot)
        assert "✔ done" in _title(app)
        audit = app.lab.query_one("#audit-log", Log)
        await until(pilot, lambda: any(" accept4 " in line for line in audit.lines))
        for line in audit.lines:  # decoded names, and only our workload's processes
            assert " log " in line and "[" in line
        assert any(" read " in line or " recvfrom " in line for line in audit.lines)

        await pilot.press("n")
        await _at_step(app, pilot, 2)
        await _do_step(app, pilot)
        assert "Step 3/3" in _title(app) and "✔ done" in _title(app)
        lessons = app.lab.query_one("#lessons", OptionList)
        await until(pilot, lambda: "3/3" in _audit_row(lessons))
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
        await _at_step(first, pilot, 0)
        await _do_step(first, pilot)
        await pilot.press("q")
    again = make_app("local", "audit")
    async with again.run_test(size=(160, 50)) as pilot:
        await _at_step(again, pilot, 1)  # fails after two minutes if it resumed elsewhere
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
