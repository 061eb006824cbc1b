"""The step pane as a learner reads it: the title stays, hints start at their first word, a code
block wraps, a reset forgets the result, and a lesson's last step leads to the next lesson."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from textual.pilot import Pilot
from textual.widgets import Markdown
from tui_helpers import RecordingSession, pilot_test, screen_rows, settle, until

from lab.tui.app import SeclabApp, make_app
from lab.tui.session import StepView

LONG = "\n\n".join(
    f"Paragraph {n} of the step, long enough to wrap in narrow panes." for n in range(12)
)
SAMPLE = (
    "A record:\n\n    audit(1594067860.484:14536): ... pid=29064 comm=\"http-echo\" "
    'exe="/http-echo" sig=0 arch=c000003e syscall=51 compat=0 ip=0x46fe1f code=0x7ffc0000\n'
)
HINT = " ".join(["The first sentence of a long hint starts here."] + ["More words follow."] * 30)


@dataclass
class LongSession(RecordingSession):
    """Steps with long text, a long hint, or a sample audit record in a code block."""

    text: str = LONG

    def step(self, lesson_id: str, index: int) -> StepView:
        return replace(super().step(lesson_id, index), text=self.text, hints=(HINT,))


def _app(session: RecordingSession) -> SeclabApp:
    return make_app("local", session_factory=lambda name: session, status_interval=3600)


def _extra(app: SeclabApp) -> str:
    return app.lab.query_one("#step-extra", Markdown).source


async def _started(pilot: Pilot[None], app: SeclabApp) -> None:
    await until(pilot, lambda: app.lab.step is not None and bool(app.lab.query("#step-extra")))
    await settle(pilot)


@pytest.mark.parametrize("size", [(160, 50), (80, 24)])
@pilot_test
async def test_the_title_stays_in_view_after_a_run(size: tuple[int, int]) -> None:
    app = _app(LongSession())
    async with app.run_test(size=size) as pilot:
        await _started(pilot, app)
        await pilot.press("r")
        await settle(pilot)
        await until(pilot, lambda: "passed" in _extra(app))
        await pilot.pause()
        assert any("Step 1/2: first step 1" in row for row in screen_rows(pilot))


@pilot_test
async def test_a_hint_shows_from_its_first_word() -> None:
    app = _app(LongSession())
    async with app.run_test(size=(80, 24)) as pilot:
        await _started(pilot, app)
        await pilot.press("h")
        await until(pilot, lambda: "Hint 1" in _extra(app))
        await pilot.pause()
        await pilot.pause()
        rows = "\n".join(screen_rows(pilot))
        assert "Hint 1: The first sentence" in rows


@pilot_test
async def test_a_sample_record_wraps_so_its_end_shows() -> None:
    app = _app(LongSession(text=SAMPLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await _started(pilot, app)
        await until(pilot, lambda: bool(app.lab.query("MarkdownFence")))
        await pilot.pause()
        rows = "\n".join(screen_rows(pilot))
        assert "code=0x7ffc0000" in rows


@pilot_test
async def test_reset_forgets_the_result_and_the_last_step_leads_to_the_next_lesson() -> None:
    session = RecordingSession()
    app = _app(session)
    async with app.run_test(size=(160, 50)) as pilot:
        await _started(pilot, app)
        await pilot.press("r")
        await settle(pilot)
        await until(pilot, lambda: "✔ passed" in _extra(app))
        assert "next step" in _extra(app)
        await pilot.press("x")
        await settle(pilot)
        await until(pilot, lambda: "passed" not in _extra(app))
        await pilot.press("n", "r")
        await settle(pilot)
        await until(pilot, lambda: "✔ passed" in _extra(app))
        assert "next lesson: Second" in _extra(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.lab.step is not None
        assert (app.lab.step.lesson_id, app.lab.step.index) == ("second", 0)
