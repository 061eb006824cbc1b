"""The audit filter narrows what is shown (as lnav and toolong do): Enter applies, Escape clears,
both give the keys back, the rows already seen stay, and new rows keep coming.

The events are made up: the kernel cannot be made to log for named processes in this test.
"""

from __future__ import annotations

from textual.widgets import Input
from tui_helpers import ListStream, RecordingSession, pilot_test, settle, until

from lab.audit.records import AuditEvent
from lab.tui.app import SeclabApp, make_app
from lab.tui.widgets.audit import AuditPane


def _record(serial: int, comm: str, syscall: str) -> AuditEvent:
    return AuditEvent(
        serial, 1_700_000_000.0, 100 + serial, 0xC000003E, 83, 0, comm=comm,
        syscall_name=syscall, action="log",
    )  # fmt: skip


def _lines(app: SeclabApp) -> list[str]:
    return app.lab.query_one(AuditPane).lines()


@pilot_test
async def test_the_filter_narrows_keeps_rows_coming_and_gives_the_keys_back() -> None:
    stream = ListStream([_record(n, "alpha" if n % 2 else "beta", "read") for n in range(10)])
    session = RecordingSession()
    app = make_app(
        "local", session_factory=lambda name: session, audit_stream_factory=lambda: stream
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: len(_lines(app)) == 10 and app.lab.step is not None)
        await pilot.press("slash", *"comm=alpha", "enter")
        # The rows already seen that match stay: the pane is narrowed, not emptied.
        await until(pilot, lambda: len(_lines(app)) == 5)
        assert all("alpha[" in line for line in _lines(app))
        assert not isinstance(app.focused, Input)
        await pilot.press("n")  # the lab's keys again, not typed into the filter
        await settle(pilot)
        assert app.lab.step is not None and app.lab.step.index == 1
        stream.add([_record(20, "alpha", "write"), _record(21, "beta", "write")])
        await until(pilot, lambda: len(_lines(app)) == 6)  # new rows keep coming, filtered
        assert "alpha[120]" in _lines(app)[-1]
        await pilot.press("slash", "escape")  # clears: every recent row again
        await until(pilot, lambda: len(_lines(app)) == 12)
        assert app.query_one("#audit-filter", Input).value == ""
        assert not isinstance(app.focused, Input)
        await pilot.press("r")
        await settle(pilot)
        assert session.calls[-2:] == ["run first 1", "check first 1"]
