"""Capture every seccomp record while a block runs, with a deterministic flush (`sync`).

`sync()` makes a record we can recognise and waits until it arrives. The kernel hands audit
records to netlink in serial order, so once our marker is here, everything before it is too.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable
from types import TracebackType

from lab.audit.decode import decode_line
from lab.audit.loss import LossReport, SerialGaps, serial_of
from lab.audit.marker import MARKER_PREFIX, emit_marker, is_marker, marker_key, own_key
from lab.audit.netlink import AUDIT_SECCOMP, NetlinkSource
from lab.audit.records import AuditEvent


class AuditCapture:
    """A context manager that keeps every seccomp event from the netlink audit group."""

    def __init__(self, max_events: int = 1_000_000) -> None:
        self.gaps = SerialGaps()
        self.dropped = 0  # oldest events let go because more than `max_events` were kept
        self._source = NetlinkSource()
        # The reader thread only keeps raw text: it must outrun floods from other processes
        # (a socket overflow loses records). Decoding happens when someone asks for events.
        # Bounded because a TUI session may keep a capture open for hours under LOG profiles.
        self._raw: collections.deque[str] = collections.deque(maxlen=max_events)
        self._events: collections.deque[AuditEvent] = collections.deque(maxlen=max_events)
        self._markers: set[str] = set()
        self._cond = threading.Condition()
        self._decoding = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> AuditCapture:
        self._source.open()  # SourceUnavailable says: run with sudo
        self._thread = threading.Thread(target=self._read, name="seclab-audit-capture", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the reader thread and leave the multicast group."""
        self._stop.set()
        # A signal (Ctrl-C, SIGHUP) may land between creating the thread and starting it.
        if self._thread is not None and self._thread.ident is not None:
            self._thread.join()
            self._thread = None
        self._source.close()

    def _read(self) -> None:
        try:
            while not self._stop.is_set():
                batch = self._source.read_batch(0.1)
                if batch:
                    self._take(batch)
        except BaseException as exc:  # reported by sync() and events()
            with self._cond:
                self._error = exc
                self._cond.notify_all()

    def _take(self, batch: Iterable[tuple[int, str]]) -> None:
        raw: list[str] = []
        markers: list[str] = []
        see = self.gaps.see
        for kind, text in batch:
            serial = serial_of(text)
            if serial is not None:
                see(serial)
            if kind != AUDIT_SECCOMP:
                continue
            if MARKER_PREFIX in text:
                event = decode_line(text)
                if event is not None and event.comm is not None and is_marker(event):
                    markers.append(marker_key(event))
                    continue
            raw.append(text)
        with self._cond:
            overflow = len(self._raw) + len(raw) - (self._raw.maxlen or 0)
            self.dropped += max(overflow, 0)
            self._raw.extend(raw)
            self._markers.update(markers)
            if markers:
                self._cond.notify_all()

    def sync(self, timeout: float = 10.0) -> None:
        """Return once every record made before this call has been captured."""
        token = own_key(emit_marker())
        with self._cond:
            arrived = self._cond.wait_for(
                lambda: token in self._markers or self._error is not None, timeout
            )
            if self._error is not None:
                raise RuntimeError(f"the audit reader failed: {self._error}") from self._error
            if not arrived:
                raise TimeoutError(
                    f"the audit marker record did not arrive within {timeout:g} s: it was lost "
                    f"({self.loss()}), or /proc/sys/kernel/seccomp/actions_logged lacks `log`"
                )
            self._markers.discard(token)

    def events(self, pids: Iterable[int] | None = None) -> list[AuditEvent]:
        """The events captured so far, optionally only those of the given pids."""
        with self._decoding:  # one caller decodes the backlog; events stay in serial order
            with self._cond:
                pending = list(self._raw)
                self._raw.clear()
            decoded = [e for e in map(decode_line, pending) if e is not None]
            with self._cond:
                overflow = len(self._events) + len(decoded) - (self._events.maxlen or 0)
                self.dropped += max(overflow, 0)
                self._events.extend(decoded)
                events = list(self._events)
        if pids is None:
            return events
        wanted = set(pids)
        return [e for e in events if e.pid in wanted]

    def clear(self) -> None:
        """Forget the events kept so far (e.g. between two lessons)."""
        with self._decoding, self._cond:
            self._raw.clear()
            self._events.clear()

    def loss(self) -> LossReport:
        """What was lost while capturing: serial gaps, socket overflows, events let go."""
        return LossReport(
            serial_gaps=self.gaps.missing,
            receive_overflows=self._source.socket_drops,
            buffer_dropped=self.dropped,
            unread_at_stop=self._source.left_unread,
        )
