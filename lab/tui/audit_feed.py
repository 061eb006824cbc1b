"""Turns a flood of audit events into small batches the audit pane can draw in one call.

Runs on a worker thread: drains the audit stream, applies the learner's filter, keeps counts per
syscall, formats only the lines the bounded pane can keep, and hands over one `FeedBatch` per
interval. The pane acknowledges each batch; until it does, the feed keeps accumulating, so a slow
UI never builds up a queue of messages (the producer waits, as toolong does). No Textual here.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Protocol

EventFilter = Callable[[Any], bool]

# Events taken from the source and counted per step: the feed's lock is held for one slice's
# merge at most, and the source's own lock for one slice's worth of pops.
DRAIN_SLICE = 5_000
# Per poll: a source that fills faster than the feed drains still lets poll return a batch.
MAX_DRAIN = 1_000_000

_syscall_name = attrgetter("syscall_name")


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
    # The filter changed: these lines replace what the pane shows (the recent records that match).
    replace: bool = False


def format_event(event: Any) -> str:
    """One decoded record as a line: time, syscall, action, process and where it ran."""
    clock = time.strftime("%H:%M:%S", time.localtime(float(event.time or 0.0)))
    where = getattr(event, "pod", None) or _workload(getattr(event, "container_name", None))
    # Columns narrow enough that comm[pid] starts by column 34: the pane shows who made the
    # record without scrolling (a longer syscall name pushes its row along, nothing is cut).
    line = (
        f"{clock} {event.syscall_name or event.syscall:<11} {event.action:<12} "
        f"{event.comm or '?'}[{event.pid}]"
    )
    if event.signal:
        line += f" sig={event.signal}"
    return f"{line} in {where}" if where else line


def _workload(container: str | None) -> str | None:
    """`seclab-audit-pod-7a2bc6ae` (a lab container) as the workload the lesson names."""
    match = _LAB_CONTAINER.fullmatch(container or "")
    return match.group(1) if match else container


_LAB_CONTAINER = re.compile(r"seclab-(.+?)(?:-[0-9a-f]{8})?")


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
    _generation: int = 0  # bumped by set_filter: a slice counted under an older filter is redone
    # The newest records, whatever the filter: a new filter narrows (or widens) what is shown
    # from these, as lnav and toolong do, rather than starting from an empty pane.
    history: int = 20_000
    _recent: deque[Any] = field(init=False)
    _refilter: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    acked: threading.Event = field(default_factory=threading.Event, repr=False)

    def __post_init__(self) -> None:
        self._pending = deque(maxlen=min(self.per_batch, self.max_lines))
        self._recent = deque(maxlen=self.history)
        self.acked.set()

    def set_filter(self, predicate: EventFilter | None) -> None:
        """Show only events the predicate accepts: the recent ones that match, then new ones.

        Cheap on the calling (UI) thread: the recent records are filtered on the feed's thread,
        at its next batch, which replaces what the pane shows.
        """
        with self._lock:
            self._filter = predicate
            self._generation += 1
            self._refilter = True

    def _apply_filter_to_recent(self) -> None:
        """Counts, matches and lines again from the recent records, under the current filter."""
        while True:
            with self._lock:
                keep, generation, recent = self._filter, self._generation, list(self._recent)
            shown = recent if keep is None else [e for e in recent if keep(e)]
            names = _count_names(shown)
            with self._lock:
                if generation != self._generation:
                    continue
                self._counts = names
                self._matched = len(shown)
                limit = min(self.max_lines, self.history)
                self._pending = deque(shown[-limit:], maxlen=limit)
                self._hidden = max(0, len(shown) - limit)
                self._refilter = False
                return

    def take(self, events: Iterable[Any]) -> None:
        """Add drained events (filtered, counted, and the newest kept for display)."""
        drained = events if isinstance(events, list) else list(events)
        for start in range(0, len(drained), DRAIN_SLICE):
            self._take_slice(drained[start : start + DRAIN_SLICE])

    def _take_slice(self, events: list[Any]) -> None:
        # Filter and count outside the lock, so `set_filter` (called from the UI thread) never
        # waits for a drain; a filter changed meanwhile makes the slice count again under it.
        while True:
            with self._lock:
                keep, generation = self._filter, self._generation
            shown = events if keep is None else [e for e in events if keep(e)]
            names = _count_names(shown)
            with self._lock:
                if generation != self._generation:
                    continue
                self._recent.extend(events)
                self._matched += len(shown)
                self._counts.update(names)
                pending = self._pending
                limit = pending.maxlen or 0
                # Lines that scroll past the pane's bound before being shown are counted.
                self._hidden += max(0, len(pending) + len(shown) - limit)
                pending.extend(shown[-limit:] if limit else ())
                return

    def poll(self) -> FeedBatch | None:
        """Drain the source; a batch when the pane has taken the previous one, else None.

        Called on the pane's feed thread (`AuditPane._drain`), never on the event loop.
        """
        drained = 0
        while drained < MAX_DRAIN:
            events = self.source.get_batch(0.0, DRAIN_SLICE)
            self.take(events)
            drained += len(events)
            if len(events) < DRAIN_SLICE:
                break
            # Not a wait (this is the feed thread): release the GIL so the event loop runs now
            # rather than at the next forced switch, 5 ms later.
            os.sched_yield()
        if not self.acked.is_set():
            return None
        replace = self._refilter
        if replace:
            self._apply_filter_to_recent()
        with self._lock:
            events, hidden = list(self._pending), self._hidden
            self._pending = deque(maxlen=min(self.per_batch, self.max_lines))
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
            replace=replace,
        )


def _count_names(events: list[Any]) -> Counter[str]:
    """Events per syscall name (the number when the name is unknown)."""
    names = Counter(map(_syscall_name, events))  # counted in C, not one Python step each
    if None in names or "" in names:
        del names[None], names[""]
        names.update(str(e.syscall) for e in events if not e.syscall_name)
    return names
