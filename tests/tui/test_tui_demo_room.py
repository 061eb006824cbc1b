"""Demo mode checks the room before the talk and says what would download or fail."""

from __future__ import annotations

from textual.widgets import RichLog
from tui_helpers import RecordingSession, pilot_test, settle, until

from lab.prepare.room import unready
from lab.tui.app import SeclabApp, make_app
from lab.tui.demo import DemoControl


def _demo(room: list[str] | Exception, asked: list[tuple[str, object]]) -> SeclabApp:
    def check(target: str, lessons: tuple[str, ...] | None) -> list[str]:
        asked.append((target, lessons))
        if isinstance(room, Exception):
            raise room
        return room

    control = DemoControl(instant=True)
    control.toggle_pause()  # paused: the room check, not the lessons, is under test
    return make_app(
        "docker",
        demo=True,
        demo_control=control,
        demo_lessons=("first",),
        session_factory=lambda name: RecordingSession(target_name=name),
        room_check=check,
    )


def _log(app: SeclabApp) -> str:
    """The command pane's text without spaces and breaks (the pane wraps long lines)."""
    found = app.lab.query("#command-log")
    text = "".join(line.text for line in found.first(RichLog).lines) if found else ""
    return "".join(text.split())


def _said(text: str) -> str:
    return "".join(text.split())


@pilot_test
async def test_an_unready_room_is_named_with_its_fix_before_the_talk() -> None:
    asked: list[tuple[str, object]] = []
    missing = "image http-echo: neither hashicorp/http-echo:1.0 nor … (fix: seclab prepare)"
    app = _demo([missing], asked)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: _said("before the talk") in _log(app))
        assert _said(f"room not ready: {missing}") in _log(app)
        assert _said("before the talk: seclab prepare --target docker") in _log(app)
        assert asked == [("docker", ("first",))]
        await settle(pilot, "room")


@pilot_test
async def test_a_ready_room_says_so_and_a_failed_check_does_not_stop_the_demo() -> None:
    app = _demo([], [])
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: _said("room ready: nothing will download") in _log(app))
    app = _demo(RuntimeError("engine went away"), [])
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: _said("could not be checked: engine went away") in _log(app))
        assert any(w.group == "demo" and w.is_running for w in app.workers)  # still playing


def test_the_shipped_course_on_local_is_ready_or_says_why() -> None:
    problems = unready("local", ("audit",))
    # This machine runs the local target (CI proves it): nothing should be in the way.
    assert problems == [], problems
