"""The live audit stream: a source thread, parse+decode, enrich, filter, a bounded ring buffer.

Consumers take events in batches (`get_batch`, or an `on_batch` callback), so a TUI can write
50–100 ms of events with one call. The ring drops the oldest events when nobody keeps up, and
says how many.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from lab.audit import backlog
from lab.audit.decode import decode_line
from lab.audit.loss import LossReport, SerialGaps, serial_of, suppressed_count
from lab.audit.marker import MARKER_PREFIX, emit_marker, marker_key, own_key
from lab.audit.netlink import AUDIT_SECCOMP
from lab.audit.records import AuditEvent
from lab.audit.source import AuditSource, RawRecord


class Sink(Protocol):
    """Anything that takes every shown event, e.g. an aggregate of counts per syscall."""

    def add(self, event: AuditEvent) -> None: ...


class Enricher(Protocol):
    """Adds container (and pod) fields to an event without blocking."""

    def enrich(self, event: AuditEvent) -> AuditEvent: ...


@dataclass(frozen=True)
class StreamStats:
    """What the stream has done: where from, how many events, and what was lost and why."""

    source: str
    reason: str
    rate_limited: bool
    captured: int
    shown: int
    loss: LossReport
    error: str | None = None
    backlog_limit: int | None = None  # the kernel's, when root could read it
    backlog_was: int | None = None  # the limit before this session raised it

    @property
    def lost(self) -> int:
        """Records known lost, all causes that do not overlap (see LossReport.total_known)."""
        return self.loss.total_known()


class AuditStream:
    """Reads one opened source on a dedicated thread; hands decoded, matching events out in batches.

    `match` and the enricher run on the reader thread, before the ring, so only matching events
    take space; `on_batch`, when given, is called on the reader thread too and must not block.
    """

    def __init__(
        self,
        source: AuditSource,
        *,
        match: Callable[[AuditEvent], bool] | None = None,
        enricher: Enricher | None = None,
        sinks: tuple[Sink, ...] = (),
        capacity: int = 100_000,
        on_batch: Callable[[list[AuditEvent]], None] | None = None,
        backlog_limit: int | None = None,
    ) -> None:
        self.source = source
        self.error: str | None = None
        self.records = 0  # raw records taken from the source, of any kind
        self.captured = 0
        self.shown = 0
        self.dropped = 0
        self.suppressed = 0
        self.gaps = SerialGaps()
        self._match = match
        self._enricher = enricher
        self._sinks = sinks
        self._on_batch = on_batch
        self._ring: collections.deque[AuditEvent] = collections.deque(maxlen=capacity)
        self._cond = threading.Condition()
        self._markers: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._backlog = backlog.BacklogGuard(backlog_limit)

    def start(self) -> AuditStream:
        """Note the kernel's counters, raise the backlog if asked, start the reader thread."""
        self._backlog.enter()
        self._thread = threading.Thread(target=self._run, name="seclab-audit-stream", daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> AuditStream:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the thread, close the source, restore the kernel's backlog limit."""
        self._stop.set()
        # A signal (Ctrl-C, SIGHUP) may land between creating the thread and starting it.
        if self._thread is not None and self._thread.ident is not None:
            self._thread.join()
            self._thread = None
        try:
            self.source.close()
        finally:
            self._backlog.exit()
            with self._cond:
                self._cond.notify_all()

    @property
    def running(self) -> bool:
        """True while the reader thread reads (False after close() or a source failure)."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                batch = self.source.read_batch(0.1)
                if batch:
                    self._take(batch)
        except Exception as exc:  # the consumer reads it from `error` and stats()
            self.error = str(exc)
        finally:
            with self._cond:
                self._cond.notify_all()

    def _take(self, batch: list[RawRecord]) -> None:
        # The hot path (~150k records/s): locals, and no call per record that can be avoided.
        shown: list[AuditEvent] = []
        markers: list[str] = []
        see, match, enricher = self.gaps.see, self._match, self._enricher
        captured = 0
        for kind, text in batch:
            event = decode_line(text) if kind in (0, AUDIT_SECCOMP) else None
            if event is None:
                serial = serial_of(text)
                if serial is not None:
                    see(serial)
                elif not kind:
                    self.suppressed += suppressed_count(text)
                continue
            see(event.serial)
            comm = event.comm
            if comm is not None and comm.startswith(MARKER_PREFIX):
                markers.append(marker_key(event))
                continue
            captured += 1
            if enricher is not None:
                event = enricher.enrich(event)
            if match is None or match(event):
                shown.append(event)
        self.captured += captured
        self.records += len(batch)
        for sink in self._sinks:
            for event in shown:
                sink.add(event)
        self.shown += len(shown)
        if self._on_batch is not None and shown:
            self._on_batch(shown)
        with self._cond:
            ring = self._ring
            overflow = len(ring) + len(shown) - (ring.maxlen or 0)
            if overflow > 0:
                self.dropped += overflow
            ring.extend(shown)
            self._markers.update(markers)
            if shown or markers:
                self._cond.notify_all()

    def get_batch(self, max_wait: float = 0.1, max_items: int = 10_000) -> list[AuditEvent]:
        """The events waiting (at most `max_items`), after waiting up to `max_wait` for one."""
        with self._cond:
            if not self._ring:
                self._cond.wait_for(lambda: bool(self._ring) or not self.running, max_wait)
            ring = self._ring
            if len(ring) <= max_items:  # the usual case: take it all at C speed, under the lock
                events = list(ring)
                ring.clear()
                return events
            return [ring.popleft() for _ in range(max_items)]

    def drain(self) -> list[AuditEvent]:
        """Whatever is waiting, without waiting."""
        return self.get_batch(0)

    def discard(self) -> int:
        """Forget the events waiting (stopping at once); how many there were."""
        with self._cond:
            count = len(self._ring)
            self._ring.clear()
        return count

    def mark(self) -> str | None:
        """Make a marker record now; `marked(token)` says when it (so all before it) was read.
        None when the source cannot promise that (printk may drop the marker)."""
        if self.source.rate_limited or not self.running:
            return None
        return own_key(emit_marker())

    def marked(self, token: str) -> bool:
        """True once the marker `token` arrived (then forgotten)."""
        with self._cond:
            if token in self._markers:
                self._markers.discard(token)
                return True
        return False

    def sync(self, timeout: float = 10.0) -> bool:
        """Wait until every record made before this call was read (netlink only: printk may
        drop the marker). Returns False when the source cannot promise that."""
        if self.source.rate_limited or not self.running:
            return False
        token = own_key(emit_marker())
        with self._cond:
            seen = self._cond.wait_for(lambda: token in self._markers or not self.running, timeout)
            self._markers.discard(token)
        return bool(seen) and self.error is None

    def stats(self) -> StreamStats:
        """Counts so far; the kernel's `lost` counter is asked for now (root only)."""
        loss = LossReport(
            serial_gaps=self.gaps.missing,
            printk_suppressed=self.suppressed,
            kernel_lost=self._backlog.lost_since_start(),
            receive_overflows=getattr(self.source, "socket_drops", 0),
            buffer_dropped=self.dropped,
            unread_at_stop=getattr(self.source, "left_unread", 0),
        )
        return StreamStats(
            self.source.name, self.source.reason, self.source.rate_limited,
            self.captured, self.shown, loss, self.error,
            self._backlog.limit, self._backlog.original,
        )  # fmt: skip
