"""Turns a flood of audit events into small batches the audit pane can draw in one call.

Runs on a worker thread: drains the audit stream, applies the learner's filter, keeps counts per
syscall, formats only the lines the bounded pane can keep, and hands over one `FeedBatch` per
interval. The pane acknowledges each batch; until it does, the feed keeps accumulating, so a slow
UI never builds up a queue of messages (the producer waits, as toolong does). No Textual here.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

EventFilter = Callable[[Any], bool]


class AuditSource(Protocol):
    """The part of `lab.audit.stream.AuditStream` the feed uses."""

    def get_batch(self, max_wait: float = 0.1, max_items: int = 10_000) -> list[Any]: ...

    def stats(self) -> Any: ...


@dataclass(frozen=True)
class FeedBatch:
    """What changed since the last batch: new lines, counts and the stream's figures."""

    lines: list[str]
    top: list[tuple[str, int]]
    matched: int
    captured: int
    lost: int
    source: str
    hidden: int = 0  # lines that matched but scrolled past the pane's bound before being shown


def format_event(event: Any) -> str:
    """One decoded record as a line: time, syscall, action, process and where it ran."""
    clock = time.strftime("%H:%M:%S", time.localtime(float(event.time or 0.0)))
    where = getattr(event, "pod", None) or getattr(event, "container_name", None)
    line = (
        f"{clock} {event.syscall_name or event.syscall:<15} {event.action:<12} "
        f"{event.comm or '?'}[{event.pid}]"
    )
    if event.signal:
        line += f" sig={event.signal}"
    return f"{line} in {where}" if where else line


@dataclass
class AuditFeed:
    """Drains a source into bounded batches; `set_filter` may be called from any thread."""

    source: AuditSource
    max_lines: int = 2000
    # Newest lines handed over per batch: at 10+ batches a second more could not be read, and
    # each extra line costs the UI thread time (the rest are counted, and shown as "hidden").
    per_batch: int = 200
    top_n: int = 12
    _filter: EventFilter | None = None
    _counts: Counter[str] = field(default_factory=Counter)
    _matched: int = 0
    _pending: deque[Any] = field(init=False)
    _hidden: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    acked: threading.Event = field(default_factory=threading.Event, repr=False)

    def __post_init__(self) -> None:
        self._pending = deque(maxlen=min(self.per_batch, self.max_lines))
        self.acked.set()

    def set_filter(self, predicate: EventFilter | None) -> None:
        """Show only events the predicate accepts from now on; counts start again."""
        with self._lock:
            self._filter = predicate
            self._counts.clear()
            self._matched = 0
            self._pending.clear()
            self._hidden = 0

    def take(self, events: Iterable[Any]) -> None:
        """Add drained events (filtered, counted, and the newest kept for display)."""
        with self._lock:
            keep = self._filter
            for event in events:
                if keep is not None and not keep(event):
                    continue
                self._matched += 1
                self._counts[event.syscall_name or str(event.syscall)] += 1
                if len(self._pending) == self._pending.maxlen:
                    self._hidden += 1
                self._pending.append(event)

    def poll(self) -> FeedBatch | None:
        """Drain the source; a batch when the pane has taken the previous one, else None."""
        self.take(self.source.get_batch(0.0, 1_000_000))
        if not self.acked.is_set():
            return None
        with self._lock:
            events, hidden = list(self._pending), self._hidden
            self._pending.clear()
            self._hidden = 0
            top = self._counts.most_common(self.top_n)
            matched = self._matched
        stats = self.source.stats()
        self.acked.clear()
        loss = getattr(stats, "loss", None)
        source = str(getattr(stats, "source", "?"))
        if getattr(stats, "rate_limited", False):
            source += " (rate-limited by printk: expect loss)"
        if getattr(stats, "error", None):
            source += f" — stopped: {stats.error}"
        return FeedBatch(
            lines=[format_event(e) for e in events],
            top=top,
            matched=matched,
            captured=int(getattr(stats, "captured", 0)),
            lost=int(loss.total_known()) if loss is not None else 0,
            source=source,
            hidden=hidden,
        )
