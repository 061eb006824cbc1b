"""How `seclab watch` writes: events to stdout in batches, and the summary to stderr."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable

import click

from lab.audit.aggregate import Aggregate
from lab.audit.decode import describe
from lab.audit.records import AuditEvent
from lab.audit.stream import StreamStats


class Output:
    """Writes batches of events to stdout with os.write.

    Python's buffered writers can drop the rest of a large write to a full pipe when a signal
    arrives in the middle (measured here); a plain os.write loop resumes after each partial write.
    """

    def __init__(self, as_json: bool) -> None:
        self.format: Callable[[AuditEvent], str] = _json_line if as_json else describe
        self.shown = 0
        # Started with stdout closed (`seclab watch >&-`): Python gives None; nothing to show.
        self.closed = sys.stdout is None
        self._fd: int | None = None
        if self.closed:
            return
        sys.stdout.flush()
        # Captured output (click's test runner) has no descriptor: write through sys.stdout.
        with contextlib.suppress(AttributeError, OSError, ValueError):
            self._fd = sys.stdout.fileno()

    def write(self, events: list[AuditEvent]) -> None:
        """One line per event (text or JSON), written in one go; stops quietly on a closed pipe."""
        if not events or self.closed:
            return
        text = "".join(self.format(e) + "\n" for e in events)
        if self._fd is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            self.shown += len(events)
            return
        view = memoryview(text.encode())
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except BrokenPipeError:
            self.closed = True  # the reader went away (`| head`): stop quietly
            return
        self.shown += len(events)


def _json_line(event: AuditEvent) -> str:
    return json.dumps(event.to_json())


def summary(stats: StreamStats, shown: int, aggregate: Aggregate, unprinted: int = 0) -> None:
    """Source, counts, loss by cause, the kernel's backlog, top syscalls: on stderr."""
    echo = lambda text: click.echo(text, err=True)  # noqa: E731
    echo(f"seclab watch: source {stats.source} ({stats.reason})")
    echo(f"  events shown {shown:,} of {stats.captured:,} captured ({stats.shown:,} matched)")
    loss = stats.loss
    parts = [
        f"serial gaps {loss.serial_gaps:,}",
        f"printk suppressed {loss.printk_suppressed:,}",
        "kernel lost " + ("unknown (needs root)" if loss.kernel_lost is None
                          else f"{loss.kernel_lost:,} (all processes)"),
        f"socket overflows {loss.receive_overflows:,}",
        f"buffer dropped {loss.buffer_dropped:,}",
        f"left unread at stop {loss.unread_at_stop:,}",
    ]  # fmt: skip
    if unprinted:
        parts.append(f"decoded but not printed at stop {unprinted:,}")
    echo("  lost: " + ", ".join(parts))
    if loss.receive_overflows or loss.unread_at_stop or unprinted:
        echo(
            "  (socket overflows: records the kernel dropped because our receive buffer was full;"
            " left unread at stop: records of any process received but not yet decoded;"
            " decoded but not printed: matching events a second Ctrl-C left unprinted)"
        )
    if stats.backlog_limit is not None:
        raised = (f" (raised from {stats.backlog_was} while seclab watches; put back when "
                  "the last watch ends)" if stats.backlog_was is not None else "")  # fmt: skip
        echo(f"  kernel audit backlog limit {stats.backlog_limit}{raised}")
    if stats.rate_limited:
        echo("  this source is rate-limited by printk: run as root for the netlink source")
    if stats.error:
        echo(f"  the source stopped: {stats.error}")
    if aggregate.total:
        echo("  top syscalls:")
        for line in aggregate.format_top(10):
            echo("  " + line)
