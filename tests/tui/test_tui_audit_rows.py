"""Audit rows say who made each record (comm[pid], the signal, the container) beside the time,
syscall and action, at 160×50 and at 80×24, and the counts box covers none of it.

The events are made up (the kernel cannot be made to log for a named container in this test).
"""

from __future__ import annotations

import pytest
from tui_helpers import ListStream, RecordingSession, pilot_test, screen_rows, until

from lab.audit.records import AuditEvent
from lab.tui.app import SeclabApp, make_app
from lab.tui.widgets.audit import AuditPane


def _record(serial: int, syscall: str, action: str, signal: int = 0) -> AuditEvent:
    return AuditEvent(
        serial, 1_700_000_000.0 + serial, 123456, 0xC000003E, 83, 0, comm="python3",
        syscall_name=syscall, action=action, signal=signal, container_name="audit-pod",
    )  # fmt: skip


EVENTS = [
    *(_record(n, name, "log") for n, name in enumerate(("read", "write", "openat") * 3)),
    _record(99, "mkdir", "kill_process", signal=31),
]


def _app(stream: ListStream) -> SeclabApp:
    def sessions(name: str) -> RecordingSession:
        return RecordingSession()

    return make_app("local", session_factory=sessions, audit_stream_factory=lambda: stream)


def _all_listed(app: SeclabApp) -> bool:
    return len(app.lab.query_one(AuditPane).lines()) == len(EVENTS)


@pytest.mark.parametrize("size", [(160, 50), (80, 24)])
@pilot_test
async def test_a_row_shows_who_made_the_record(size: tuple[int, int]) -> None:
    app = _app(ListStream(EVENTS))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: _all_listed(app))
        await pilot.pause()
        rows = screen_rows(pilot)
        kill = next((row for row in rows if "kill_process" in row), "")
        assert "mkdir" in kill and "python3[123456]" in kill, rows
        if size[0] >= 160:  # room for all of it: the time, the signal and the container too
            assert "sig=31" in kill and "audit-pod" in kill and ":" in kill.split("mkdir")[0]


@pilot_test
async def test_the_counts_box_lists_several_syscalls_and_covers_no_row() -> None:
    app = _app(ListStream(EVENTS))
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: _all_listed(app))
        await pilot.pause()
        box = app.lab.query_one("#audit-counts").region
        rows = screen_rows(pilot)[box.y : box.bottom]
        shown = " ".join(row[box.x : box.right] for row in rows).split()
        assert sorted(shown[1:6:2]) == ["openat", "read", "write"], rows
        assert "mkdir" in shown and "1" in shown
