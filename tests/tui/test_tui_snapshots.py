"""SVG snapshots of the main screens (pytest-textual-snapshot; Textual is pinned exactly).

The session is `RecordingSession` and there is no audit source, so every frame is
deterministic; blinking cursors are frozen before the picture is taken.
Update after an intended change: `pytest tests/tui/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select
from tui_helpers import RecordingSession, settle, until

from lab.targets.base import TargetError
from lab.tui.app import SeclabApp, make_app
from lab.tui.demo import DemoControl
from lab.tui.screens.dialogs import ErrorScreen

SIZE = (140, 40)
Compare = Callable[..., bool]


def _app(tmp_path: Path, session: RecordingSession | None = None, **kwargs: Any) -> SeclabApp:
    profiles = tmp_path / "profiles"
    profiles.mkdir(exist_ok=True)
    (profiles / "audit.json").write_text(json.dumps({"defaultAction": "SCMP_ACT_LOG"}, indent=2))
    (profiles / "violation.json").write_text(
        json.dumps({"defaultAction": "SCMP_ACT_ERRNO", "syscallz": []}, indent=2)
    )
    chosen = session or RecordingSession()
    # No periodic status refresh: a slow machine would otherwise catch one mid-test.
    return make_app(
        "local",
        session_factory=lambda name: chosen,
        profiles_dir=profiles,
        status_interval=3600,
        **kwargs,
    )


async def _ready(pilot: Pilot[None]) -> None:
    await settle(pilot, "session", "audit", "profile")
    for field in pilot.app.query(Input):
        field.cursor_blink = False


def test_lab_screen_after_running_a_step(snap_compare: Compare, tmp_path: Path) -> None:
    async def run_step(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        await pilot.press("r")
        await settle(pilot)
        await settle(pilot, "status")
        # The check result is Markdown, whose blocks mount asynchronously.
        extra = pilot.app.query_one("#step-extra")
        await until(pilot, lambda: bool(extra.query("MarkdownParagraph")))
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_step)


def test_help_screen(snap_compare: Compare, tmp_path: Path) -> None:
    async def open_help(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        # Markdown mounts its blocks asynchronously: wait for the table of keys to be there.
        await until(pilot, lambda: bool(pilot.app.screen.query("MarkdownTableContent")))
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=open_help)


def test_error_screen(snap_compare: Compare, tmp_path: Path) -> None:
    failure = TargetError("no Docker engine answers at /var/run/docker.sock", hint="start Docker")

    async def fail(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        await pilot.press("r")
        await settle(pilot)
        await until(pilot, lambda: isinstance(pilot.app.screen, ErrorScreen))
        await pilot.pause()

    app = _app(tmp_path, RecordingSession(fail_with=failure))
    assert snap_compare(app, terminal_size=SIZE, run_before=fail)


def test_profile_viewer_with_lint_and_diff(snap_compare: Compare, tmp_path: Path) -> None:
    async def compare_profiles(pilot: Pilot[None]) -> None:
        await _ready(pilot)
        await pilot.press("v")
        app = pilot.app
        profiles = tmp_path / "profiles"
        app.query_one("#profile-compare", Select).value = str(profiles / "audit.json")
        app.query_one("#profile-pick", Select).value = str(profiles / "violation.json")
        await settle(pilot, "profile")

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=compare_profiles)


def test_demo_screen_with_instructor_notes(snap_compare: Compare, tmp_path: Path) -> None:
    control = DemoControl(instant=True)
    control.toggle_pause()  # paused on the first step, before anything runs

    async def paused(pilot: Pilot[None]) -> None:
        await _ready(pilot)

    app = _app(tmp_path, demo=True, demo_control=control)
    assert snap_compare(app, terminal_size=SIZE, run_before=paused)
    control.stop()
