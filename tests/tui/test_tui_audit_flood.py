"""The audit pane under a flood: bounded work per drain, exact counts, no screen layout per batch.

The feed tests use a list-backed source (the kernel cannot be made to log a million records
in a test); the Pilot tests use `FloodStream` (tui_helpers) for the same reason.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Log
from tui_helpers import FloodStream, RecordingSession, pilot_test, until

from lab.audit.loss import LossReport
from lab.audit.records import AuditEvent
from lab.audit.stream import StreamStats
from lab.tui.app import make_app
from lab.tui.audit_feed import DRAIN_SLICE, AuditFeed
from lab.tui.audit_filter import compile_filter
from lab.tui.flood_collector import FloodCollector
from lab.tui.widgets.audit import ActionHighlighter, AuditLog, AuditPane

NAMES = ("read", "write", "mkdir", "openat", "close", None)
MILLION = 1_000_000


def _events(count: int) -> list[AuditEvent]:
    """`count` references to six distinct events (a million objects would not fit a test)."""
    kinds = [
        AuditEvent(n, 0.0, 7, 0xC000003E, 83 if name is None else n, 0x7FFC0000, comm="flood",
                   syscall_name=name, action="kill_process" if name == "mkdir" else "log")
        for n, name in enumerate(NAMES)
    ]  # fmt: skip
    return [kinds[n % len(kinds)] for n in range(count)]


class SlicedSource:
    """Hands out what a test put in; records each call's size and whether the lock was held."""

    def __init__(self, events: list[AuditEvent]) -> None:
        self.events = events
        self.feed: AuditFeed | None = None
        self.calls: list[tuple[int, bool]] = []

    def get_batch(self, max_wait: float = 0.1, max_items: int = 10_000) -> list[AuditEvent]:
        locked = self.feed is not None and self.feed._lock.locked()
        self.calls.append((max_items, locked))
        out, self.events = self.events[:max_items], self.events[max_items:]
        return out

    def stats(self) -> StreamStats:
        return StreamStats("flood", "test", False, MILLION, MILLION, LossReport(serial_gaps=2))


def test_a_million_events_in_one_drain_make_one_bounded_batch_with_exact_counts() -> None:
    source = SlicedSource(_events(MILLION))
    feed = AuditFeed(source, per_batch=200)
    source.feed = feed
    batch = feed.poll()
    assert batch is not None
    assert len(batch.lines) == 200 and batch.hidden == MILLION - 200
    assert batch.matched == MILLION
    per_kind = MILLION // 6
    expected = {"read": per_kind + 1, "write": per_kind + 1, "mkdir": per_kind + 1,
                "openat": per_kind + 1, "close": per_kind, "83": per_kind}  # fmt: skip
    assert dict(batch.top) == expected
    assert batch.lost == 2
    # Bounded work per source call, and the feed's lock never held while the source is asked.
    assert {size for size, _ in source.calls} == {DRAIN_SLICE}
    assert len(source.calls) == MILLION // DRAIN_SLICE and not source.events
    assert not any(locked for _, locked in source.calls)


def test_the_filter_runs_outside_the_lock_and_a_change_mid_drain_counts_again() -> None:
    source = SlicedSource(_events(3 * DRAIN_SLICE))
    feed = AuditFeed(source)
    changed = threading.Event()

    def keep_all_then_switch(event: Any) -> bool:
        if not changed.is_set():
            # The UI thread changes the filter while the feed is filtering a slice: with the
            # lock held for the drain this would wait forever (here: 5 s, then fail).
            other = threading.Thread(
                target=feed.set_filter, args=(compile_filter("syscall=mkdir"),)
            )
            other.start()
            other.join(timeout=5)
            assert not other.is_alive(), "set_filter waited for the drain"
            changed.set()
        return True

    feed.set_filter(keep_all_then_switch)
    batch = feed.poll()
    assert changed.is_set() and batch is not None
    # The slice being filtered when the filter changed was counted again under the new one.
    assert batch.top == [("mkdir", 3 * DRAIN_SLICE // 6)]
    assert batch.matched == 3 * DRAIN_SLICE // 6
    assert {line.split()[1] for line in batch.lines} == {"mkdir"}


def test_hidden_counts_what_scrolled_past_across_polls_the_pane_had_not_taken() -> None:
    source = SlicedSource(_events(150))
    feed = AuditFeed(source, per_batch=100)
    first = feed.poll()
    assert first is not None and len(first.lines) == 100 and first.hidden == 50
    source.events = _events(30)
    assert feed.poll() is None  # not acknowledged: kept, bounded
    source.events = _events(90)
    feed.acked.set()
    second = feed.poll()
    assert second is not None and len(second.lines) == 100 and second.hidden == 20
    assert second.matched == 150 + 30 + 90


class LogOnly(App[None]):
    """A screen with only the audit log in a fixed box, as in the lab screen."""

    def compose(self) -> ComposeResult:
        yield AuditLog(max_lines=2000, id="audit-log")


@pilot_test
async def test_the_log_grows_without_a_screen_layout_and_its_scrollbar_follows(
    monkeypatch: Any,
) -> None:
    layouts: list[int] = []
    original = Screen._refresh_layout

    def counting(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(1)
        original(self, *args, **kwargs)

    app = LogOnly()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(Screen, "_refresh_layout", counting)
        log = app.query_one(AuditLog)
        for batch in range(12):
            log.write_lines([f"line-{batch}-{n}" for n in range(200)])
            await pilot.pause()
        await until(pilot, lambda: log.vertical_scrollbar.window_virtual_size == 2000)
        assert layouts == []  # a plain Log asks for one per batch while it fills
        assert len(log.lines) == 2000 and log.lines[-1] == "line-11-199"
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y  # following the end
        # What is drawn is the newest lines, not those of the batch that filled the log.
        await pilot.pause()
        drawn = app.export_screenshot()
        assert "line-11-199" in drawn and "line-9-199" not in drawn


@pilot_test
async def test_a_flood_through_the_lab_screen_is_counted_exactly_and_nothing_stays_frozen(
    monkeypatch: Any,
) -> None:
    frozen_before, threshold_before = gc.get_freeze_count(), gc.get_threshold()
    streams: list[FloodStream] = []

    def flood() -> FloodStream:
        streams.append(FloodStream(rate=100_000))
        return streams[-1]

    listed: list[int] = []
    write_lines = AuditLog.write_lines

    def counting(log: AuditLog, lines: list[str], scroll_end: bool | None = None) -> AuditLog:
        listed.append(len(lines))
        return write_lines(log, lines, scroll_end)

    monkeypatch.setattr(AuditLog, "write_lines", counting)
    app = make_app(
        "local", session_factory=lambda name: RecordingSession(), audit_stream_factory=flood
    )
    async with app.run_test(size=(160, 50)) as pilot:
        pane = app.lab.query_one(AuditPane)
        await until(pilot, lambda: pane.feed is not None and len(pane.lines()) >= 400)
        assert gc.get_freeze_count() > frozen_before  # start-up objects out of the collector's way
        assert gc.get_threshold()[0] == FloodCollector.young
        stream = streams[0]
        stream.close()  # the producer stops; the feed drains what is left
        total = stream.captured - stream.dropped

        def shown() -> str:
            return str(pane.query_one("#audit-stats").render())

        await until(pilot, lambda: f"shown {total:,}" in shown())
        assert f"captured {stream.captured:,}" in shown()
        assert f"lost {stream.dropped:,}" in shown()
        counts = str(pane.query_one("#audit-counts").render()).split()
        assert sum(int(word.replace(",", "")) for word in counts[::2]) == total
        assert 400 <= len(pane.lines()) <= 2000
        # Every matched event is either in the list or counted as not listed.
        assert f"({total - sum(listed):,} not listed)" in shown()
    assert gc.get_freeze_count() == frozen_before  # given back when the pane went away
    assert gc.get_threshold() == threshold_before


def test_the_flood_collector_settings_are_taken_once_and_put_back_by_the_last() -> None:
    before = gc.get_threshold()
    first, second = FloodCollector(young=12_345), FloodCollector(young=12_345)
    first.release()  # nothing engaged: nothing changes
    assert gc.get_threshold() == before
    try:
        first.engage()
        first.engage()
        second.engage()  # does not take the flood settings for the ones to put back
        assert gc.get_threshold() == (12_345, *before[1:]) and gc.get_freeze_count() > 0
        first.release()
        first.release()  # one release per engage counts
        assert gc.get_threshold() == (12_345, *before[1:])  # the second still runs
    finally:
        first.release()
        second.release()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


class OneLog(App[None]):
    """The audit log with the pane's highlighter, and an input to take the focus."""

    def compose(self) -> ComposeResult:
        yield Input()
        log = AuditLog(highlight=True)
        log.highlighter = ActionHighlighter()
        yield log


@pilot_test
async def test_the_audit_log_draws_each_row_as_textual_log_does() -> None:
    app = OneLog()
    kinds = [("mkdir", "kill_process"), ("read", "log"), ("mkdir", "errno")] * 20
    lines = [
        f"12:00:0{n % 3} {name:<15} {act:<12} flood[{n}]" for n, (name, act) in enumerate(kinds)
    ]
    async with app.run_test(size=(120, 20)) as pilot:
        log = app.query_one(AuditLog)
        log.write_lines(lines)
        for focused in (False, True):  # the focused log has another background
            if focused:
                log.focus()
            await pilot.pause()
            for _ in range(2):  # the second time from the cache
                rows = range(log.size.height)
                assert [list(log.render_line(y)) for y in rows] == [
                    list(Log.render_line(log, y)) for y in rows
                ]
        assert any("flood[59]" in log.render_line(y).text for y in range(log.size.height))
