"""The key bar: every shown key on the first frame, in a useful order, and clickable."""

from __future__ import annotations

import threading

from tui_helpers import RecordingSession, pilot_test, settle, until

from lab.tui.app import make_app
from lab.tui.demo import DemoControl
from lab.tui.widgets.keybar import KeyBar, fitted


def _bar(app: object) -> str:
    return str(app.lab.query_one(KeyBar).render())  # type: ignore[attr-defined]


@pilot_test
async def test_the_bar_lists_the_lab_keys_then_quit_and_the_palette() -> None:
    release = threading.Event()

    def slow_session(name: str) -> RecordingSession:
        release.wait(60)  # the session is not made until the bar has been looked at
        return RecordingSession()

    app = make_app("local", session_factory=slow_session)
    async with app.run_test(size=(160, 50)) as pilot:
        # Drawn with the first frame, before the session exists.
        await pilot.pause()
        assert app.lab.session is None
        words = _bar(app).split()
        release.set()
        assert words[:4] == ["r", "Run", "c", "Check"]
        assert words[-4:] == ["q", "Quit", "^p", "palette"]
        assert "Filter" in words and "Help" in words and "Target" in words
        assert "w" not in words  # bindings with show=False stay in the help screen only
        await settle(pilot)


@pilot_test
async def test_clicking_run_in_the_bar_runs_the_step() -> None:
    session = RecordingSession()
    app = make_app("local", session_factory=lambda name: session)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.lab.step is not None)
        column = _bar(app).index("Run") + 1  # the bar's left padding
        await pilot.click(KeyBar, offset=(column, 0))
        await until(pilot, lambda: session.calls[:1] == ["run first 0"])
        await settle(pilot)
        assert session.calls == ["run first 0", "check first 0"]


@pilot_test
async def test_demo_mode_puts_the_presenter_keys_and_quit_first() -> None:
    control = DemoControl(instant=True)
    control.toggle_pause()  # paused: nothing plays while the bar is read
    app = make_app(
        "local", demo=True, demo_control=control, session_factory=lambda name: RecordingSession()
    )
    async with app.run_test(size=(160, 50)) as pilot:
        text = _bar(app)
        assert text.index("Pause/resume") < text.index("Quit") < text.index("Run")
        await settle(pilot)


def test_a_narrow_line_keeps_quit_and_help_in_view() -> None:
    keys = [("r", "Run", "screen.run_step"), ("c", "Check", "screen.check")] * 6
    keys += [("?", "Help", "screen.help"), ("q", "Quit", "app.quit")]
    wide = fitted(keys, 200).plain
    assert wide.startswith("r Run  c Check") and wide.endswith("q Quit")
    narrow = fitted(keys, 40).plain
    assert narrow.startswith("? Help q Quit r Run")


@pilot_test
async def test_80_columns_show_the_audit_pane_and_the_palette_offers_lessons() -> None:
    session = RecordingSession()
    app = make_app("local", session_factory=lambda name: session)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.lab.step is not None)
        assert app.lab.query_one("#left").size.width == 0  # the lesson list gave its room
        assert app.lab.query_one("#right").size.width >= 30  # the audit pane has room
        assert "q Quit" in _bar(app)
        commands = {c.title: c for c in app.get_system_commands(app.lab)}
        assert "Lesson: Second" in commands
        commands["Lesson: Second"].callback()
        await until(pilot, lambda: app.lab.step is not None and app.lab.step.lesson_id == "second")
        await settle(pilot)
