"""The app shell through Pilot: keys, help, palette, errors, target switching and quitting.

These use `RecordingSession` (tui_helpers) because they test the screen's own behaviour (and
failures on demand); `test_tui_lessons.py` drives the real course engine on the local target.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, Markdown, RichLog, Static
from tui_helpers import RecordingSession, pilot_test, settle, until

from lab.audit.source import SourceUnavailable
from lab.targets.base import TargetError
from lab.tui.app import SeclabApp, make_app
from lab.tui.screens.dialogs import ErrorScreen, HelpScreen, TargetScreen
from lab.tui.widgets.step import StepPane


def _app(session: RecordingSession, **kwargs: object) -> tuple[SeclabApp, list[str]]:
    made: list[str] = []

    def factory(name: str) -> RecordingSession:
        made.append(name)
        session.target_name = name
        return session

    return make_app("local", session_factory=factory, **kwargs), made  # type: ignore[arg-type]


def _text(app: SeclabApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _log_text(app: SeclabApp) -> str:
    return "\n".join(line.text for line in app.lab.query_one("#command-log", RichLog).lines)


@pilot_test
async def test_run_key_shows_the_command_before_its_output_then_the_check() -> None:
    session = RecordingSession()
    app, _ = _app(session)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        log = _log_text(app)
        assert log.index("$ seclab exec -- echo first-0") < log.index("first-0\n")
        assert "exit status 0" in log
        assert "check ✔ passed: every check passed" in log
        assert session.calls == ["run first 0", "check first 0"]
        assert "1/2" in str(app.lab.query_one("#lessons").get_option_at_index(0).prompt)


@pilot_test
async def test_next_previous_hint_and_solution_keys() -> None:
    app, _ = _app(RecordingSession())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "Step 2/2" in _text(app, "#step-title")
        await pilot.press("h", "h")
        extra = app.lab.query_one("#step-extra", Markdown).source
        assert "Hint 1:" in extra and "second hint" in extra
        await pilot.press("s")
        assert "the solution" in app.lab.query_one("#step-extra", Markdown).source
        await pilot.press("p")
        await settle(pilot)
        assert "Step 1/2" in _text(app, "#step-title")


@pilot_test
async def test_help_screen_lists_every_key() -> None:
    app, _ = _app(RecordingSession())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = app.screen.query_one(Markdown).source
        for key in ("`r`", "`c`", "`n` / `p`", "`h`", "`s`", "`x`", "`/`", "`t`", "`q`"):
            assert key in help_text
        await pilot.press("escape")
        assert app.screen is app.lab


@pilot_test
async def test_command_palette_offers_the_lab_actions() -> None:
    app, _ = _app(RecordingSession())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.lab)}
        for title in (
            "Run the step",
            "Check the step",
            "Next step",
            "Previous step",
            "Show a hint",
            "Reset the step",
            "Filter the audit pane",
            "Switch target",
        ):
            assert title in titles  # fmt: skip
        run = next(c for c in app.get_system_commands(app.lab) if c.title == "Run the step")
        await run.callback()
        await settle(pilot)
        assert "$ seclab exec -- echo first-0" in _log_text(app)


@pilot_test
async def test_a_failing_step_shows_a_readable_error_with_its_fix() -> None:
    session = RecordingSession(
        fail_with=TargetError(
            "the Docker engine is not running", hint="sudo systemctl start docker"
        )
    )
    app, _ = _app(session)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await until(pilot, lambda: isinstance(app.screen, ErrorScreen))
        assert "the Docker engine is not running" in _text(app, "#error-message")
        assert "sudo systemctl start docker" in _text(app, "#error-hint")
        assert "Traceback" not in _text(app, "#error-message")
        await pilot.press("escape")
        assert app.screen is app.lab


@pilot_test
async def test_quit_stops_what_the_session_started() -> None:
    session = RecordingSession()
    app, _ = _app(session)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("q")
    assert session.closed == 1


@pilot_test
async def test_ctrl_c_quits_the_same_careful_way() -> None:
    session = RecordingSession()
    app, _ = _app(session)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
    assert session.closed == 1


@pilot_test
async def test_switching_target_closes_the_old_session_first() -> None:
    session = RecordingSession()
    app, made = _app(session)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, TargetScreen)
        await pilot.press("down", "enter")  # local → docker
        await settle(pilot)
        await until(pilot, lambda: app.lab.session is not None and made == ["local", "docker"])
        assert session.closed == 1
        assert app.lab.sub_title == "target: docker"


@pilot_test
async def test_audit_pane_says_why_it_is_empty_and_how_to_fix_it() -> None:
    def no_permission() -> None:
        raise SourceUnavailable("netlink", "permission denied", "run with sudo")

    app, _ = _app(RecordingSession(), audit_stream_factory=no_permission)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, "audit", "session")
        await until(pilot, lambda: "permission denied" in _text(app, "#audit-stats"))
        assert "run with sudo" in _text(app, "#audit-stats")
        await pilot.press("r")  # the rest works
        await settle(pilot)
        assert "every check passed" in _log_text(app)


@pilot_test
async def test_filter_key_focuses_the_filter_box() -> None:
    app, _ = _app(RecordingSession())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        assert app.focused.id == "audit-filter"


@pytest.mark.parametrize("key", ["x"])
@pilot_test
async def test_reset_key_forgets_the_step(key: str) -> None:
    session = RecordingSession()
    app, _ = _app(session)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert "done" in _text(app, "#step-title")
        await pilot.press(key)
        await settle(pilot)
        assert session.calls[-1] == "reset first 0"
        assert "done" not in _text(app, "#step-title")
        assert isinstance(app.lab.query_one(StepPane), StepPane)


@pilot_test
async def test_clicking_a_lesson_opens_it() -> None:
    app, _ = _app(RecordingSession())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        lessons = app.lab.query_one("#lessons")
        await pilot.click(lessons, offset=(4, 1))  # the second row: "Second  0/2"
        await settle(pilot)
        await until(pilot, lambda: app.lab.step is not None and app.lab.step.lesson_id == "second")
        assert "second step 1" in _text(app, "#step-title")
