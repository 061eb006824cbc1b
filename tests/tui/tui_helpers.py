"""Pilot helpers (wait on workers, never sleep) and stand-ins for what cannot be real here.

A session that fails on request (the error path) and an audit stream that replays made-up
events (a flood far beyond what the kernel gives a test) are not possible with the real
engine; everything else in tests/tui runs the real course engine on the local target.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from textual.pilot import Pilot

from lab.audit.loss import LossReport
from lab.audit.records import AuditEvent
from lab.audit.stream import StreamStats
from lab.targets.base import Phase, WorkloadState
from lab.tui.session import (
    CheckOutcome,
    CommandFinished,
    CommandStarted,
    LessonSummary,
    Listener,
    OutputLine,
    StepView,
)


@dataclass
class RecordingSession:
    """Two short lessons; records every call; raises `fail_with` from `run_step` when set."""

    target_name: str = "local"
    fail_with: Exception | None = None
    calls: list[str] = field(default_factory=list)
    passed: set[tuple[str, int]] = field(default_factory=set)
    closed: int = 0

    def lessons(self) -> list[LessonSummary]:
        return [
            LessonSummary(lid, lid.title(), "", 2, sum((lid, i) in self.passed for i in range(2)))
            for lid in ("first", "second")
        ]

    def resume_index(self, lesson_id: str) -> int:
        return next((i for i in range(2) if (lesson_id, i) not in self.passed), 0)

    def step(self, lesson_id: str, index: int) -> StepView:
        return StepView(
            lesson_id,
            index,
            2,
            f"{lesson_id} step {index + 1}",
            f"Text of **{lesson_id}** step {index + 1}.",
            hints=("first hint", "second hint"),
            solution="the solution",
            notes=f"notes for {lesson_id} {index + 1}",
            done=(lesson_id, index) in self.passed,
        )

    def run_step(self, lesson_id: str, index: int, listener: Listener) -> None:
        self.calls.append(f"run {lesson_id} {index}")
        if self.fail_with is not None:
            raise self.fail_with
        listener(CommandStarted(f"seclab exec -- echo {lesson_id}-{index}"))
        listener(
            CommandFinished(f"seclab exec -- echo {lesson_id}-{index}", 0, f"{lesson_id}-{index}\n")
        )
        listener(OutputLine("ran"))

    def solve(self, lesson_id: str, index: int, listener: Listener) -> None:
        self.calls.append(f"solve {lesson_id} {index}")

    def check(self, lesson_id: str, index: int, listener: Listener) -> CheckOutcome:
        self.calls.append(f"check {lesson_id} {index}")
        self.passed.add((lesson_id, index))
        return CheckOutcome(True, "every check passed")

    def reset_step(self, lesson_id: str, index: int, listener: Listener) -> None:
        self.calls.append(f"reset {lesson_id} {index}")
        self.passed.discard((lesson_id, index))

    def workloads(self) -> list[tuple[str, WorkloadState]]:
        return [("echo", WorkloadState(Phase.RUNNING, pids=(1,)))]

    def watched_pids(self) -> set[int]:
        return {1}

    def close(self) -> list[str]:
        self.closed += 1
        return ["echo"]


class FloodStream:
    """Made-up events at `rate` per second from its own thread, into a bounded ring.

    Like the real stream, production happens off the UI thread, and a consumer that falls
    behind loses the oldest events (counted as lost).
    """

    def __init__(self, rate: int = 100_000, capacity: int = 200_000) -> None:
        self.rate = rate
        self.captured = 0
        self.dropped = 0
        self._ring: deque[AuditEvent] = deque()
        self._capacity = capacity
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        names = ("getppid", "read", "write", "mkdir", "openat")
        actions = ("log", "log", "log", "errno", "kill_process")
        started, serial = time.monotonic(), 0
        while not self._stop.wait(0.01):
            due = int((time.monotonic() - started) * self.rate) - serial
            now = time.time()
            batch = [
                AuditEvent(
                    serial=n, time=now, pid=4242, arch=0xC000003E, syscall=110, code=0x7FFC0000,
                    comm="flood", exe="/flood", syscall_name=names[n % 5], action=actions[n % 5],
                )
                for n in range(serial, serial + due)
            ]  # fmt: skip
            serial += due
            with self._lock:
                self._ring.extend(batch)
                self.captured += due
                overflow = len(self._ring) - self._capacity
                for _ in range(max(overflow, 0)):
                    self._ring.popleft()
                self.dropped += max(overflow, 0)

    def get_batch(self, max_wait: float = 0.1, max_items: int = 10_000) -> list[AuditEvent]:
        with self._lock:
            count = min(len(self._ring), max_items)
            return [self._ring.popleft() for _ in range(count)]

    def stats(self) -> StreamStats:
        loss = LossReport(buffer_dropped=self.dropped)
        return StreamStats("flood", "made-up events", False, self.captured, self.captured, loss)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


async def settle(pilot: Pilot[None], *groups: str) -> None:
    """Wait until the named worker groups (default: step and session) are done, then idle."""
    app = pilot.app
    lab = getattr(app, "lab", None)
    if lab is not None and not lab.workers_started:
        # The lab starts its workers after its first frame: on a loaded machine that is later
        # than the test's first look, and "no worker yet" is not "every worker done".
        await until(pilot, lambda: lab.workers_started)
    wanted = groups or ("step", "session")
    if lab is not None and {"audit", "profile"} & set(wanted):
        # Those start once the session is ready (the lessons first).
        await until(pilot, lambda: lab.side_workers_started)
    workers = [w for w in app.workers if w.group in wanted]
    if workers:  # an empty list would mean "every worker", the endless audit feed included
        await app.workers.wait_for_complete(workers)
    await pilot.pause()


async def until(pilot: Pilot[None], condition: Callable[[], bool], limit: int = 2400) -> None:
    """Let the app process messages until `condition` holds.

    `limit` rounds (two minutes) only keep a broken test from hanging: a loaded machine (load
    average 14 on 2 cores) takes many times longer than an idle one, and must still pass.
    """
    for _ in range(limit):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the app never reached the expected state")


def pilot_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test in its own event loop (no pytest-asyncio needed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def screen_rows(pilot: Pilot[None]) -> list[str]:
    """The text of every row as the terminal would show it now (what covers what included)."""
    return [strip.text for strip in pilot.app.screen._compositor.render_strips()]


class ListStream:
    """Hands out the events a test gives it, once; the figures a real stream reports."""

    def __init__(self, events: list[AuditEvent]) -> None:
        self.events = list(events)
        self.captured = len(events)

    def add(self, events: list[AuditEvent]) -> None:
        self.events.extend(events)
        self.captured += len(events)

    def get_batch(self, max_wait: float = 0.1, max_items: int = 10_000) -> list[AuditEvent]:
        out, self.events = self.events[:max_items], self.events[max_items:]
        return out

    def stats(self) -> StreamStats:
        return StreamStats("test", "made-up events", False, self.captured, self.captured,
                           LossReport())  # fmt: skip
