"""The audit pane under a flood: 100,000 events/s for 10 s into the lab screen.

Prints frames drawn per second, the event-loop stalls (the longest, the 99th percentile and how
many passed 100 ms), key-press latency, memory (RSS sampled every second, to show it stays
bounded), and two causes of stalls seen here: layout passes of the whole screen and the longest
garbage-collector pause (on any thread: a collection holds the GIL). Figures only, no asserts.
Run: python bench/bench_tui_flood.py [--rate 100000] [--seconds 10]
Headless Textual: frames are composed but not written to a terminal. Other processes on the
machine show up in every figure: run it several times, and compare with the baseline printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import threading
import time
from typing import Any

from textual.screen import Screen

from lab.audit.loss import LossReport
from lab.audit.records import AuditEvent
from lab.audit.stream import StreamStats
from lab.targets.base import WorkloadState
from lab.tui.app import make_app
from lab.tui.session import CheckOutcome, LessonSummary, Listener, StepView


class Pauses:
    """Garbage-collector pauses (any thread) and whole-screen layouts, while `on` is set."""

    def __init__(self) -> None:
        self.on = False
        self.collections: list[float] = []
        self.layouts = 0
        self._started: dict[int, float] = {}

    def collector(self, phase: str, info: dict[str, int]) -> None:
        now, thread = time.monotonic(), threading.get_ident()
        if phase == "start":
            self._started[thread] = now
        elif self.on and thread in self._started:
            self.collections.append(now - self._started.pop(thread))

    def layout(self, original: Any) -> Any:
        def counting(screen: Any, size: Any = None, scroll: bool = False) -> Any:
            # Textual's scroll-only fast path (reflow of the visible part) is not counted.
            self.layouts += self.on and not (scroll and not screen._layout_widgets)
            return original(screen, size, scroll)

        return counting


class Flood:
    """Decoded events at a fixed rate from a producer thread, into a bounded ring."""

    def __init__(self, rate: int, capacity: int = 50_000) -> None:
        self.rate, self.capacity = rate, capacity
        self.produced = self.dropped = 0
        self.ring: collections.deque[AuditEvent] = collections.deque()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        names = ("getppid", "read", "write", "mkdir", "openat", "close")
        actions = ("log", "log", "log", "errno", "kill_process", "log")
        start = time.monotonic()
        while not self.stop.wait(0.005):
            due = int((time.monotonic() - start) * self.rate) - self.produced
            now = time.time()
            batch = [
                AuditEvent(n, now, 4242 + n % 7, 0xC000003E, 110, 0x7FFC0000, comm="flood",
                           syscall_name=names[n % 6], action=actions[n % 6])
                for n in range(self.produced, self.produced + due)
            ]  # fmt: skip
            with self.lock:
                self.ring.extend(batch)
                self.produced += due
                while len(self.ring) > self.capacity:
                    self.ring.popleft()
                    self.dropped += 1

    def get_batch(self, max_wait: float = 0.1, max_items: int = 10_000) -> list[AuditEvent]:
        with self.lock:
            return [self.ring.popleft() for _ in range(min(len(self.ring), max_items))]

    def stats(self) -> StreamStats:
        loss = LossReport(buffer_dropped=self.dropped)
        return StreamStats("flood", "bench", False, self.produced, self.produced, loss)

    def close(self) -> None:
        self.stop.set()


class QuietSession:
    """A session with one lesson and no I/O: the bench measures the audit pane alone."""

    target_name = "bench"

    def lessons(self) -> list[LessonSummary]:
        return [LessonSummary("bench", "Bench", "", 1, 0)]

    def resume_index(self, lesson_id: str) -> int:
        return 0

    def step(self, lesson_id: str, index: int) -> StepView:
        return StepView(lesson_id, 0, 1, "Flood", "The audit pane under load.", hints=("h",))

    def run_step(self, lesson_id: str, index: int, listener: Listener) -> None: ...

    def solve(self, lesson_id: str, index: int, listener: Listener) -> None: ...

    def check(self, lesson_id: str, index: int, listener: Listener) -> CheckOutcome:
        return CheckOutcome(True, "ok")

    def reset_step(self, lesson_id: str, index: int, listener: Listener) -> None: ...

    def workloads(self) -> list[tuple[str, WorkloadState]]:
        return []

    def watched_pids(self) -> set[int]:
        return set()

    def close(self) -> list[str]:
        return []


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def run(rate: int, seconds: float) -> None:
    flood: list[Flood] = []

    def factory() -> Flood:
        flood.append(Flood(rate))
        return flood[0]

    app = make_app(
        "bench", session_factory=lambda name: QuietSession(), audit_stream_factory=factory
    )
    frames: list[float] = []
    original = app._display

    def counting(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            frames.append(time.monotonic())
        original(screen, renderable)

    app._display = counting  # type: ignore[method-assign]
    pauses = Pauses()
    gc.callbacks.append(pauses.collector)
    refresh_layout = Screen._refresh_layout
    Screen._refresh_layout = pauses.layout(refresh_layout)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause(0.5)
        pauses.on = True
        stalls: list[float] = []
        pressed: list[float] = []
        handled: list[float] = []
        hint = app.lab.action_hint

        def timed_hint() -> None:
            handled.append(time.monotonic())
            hint()

        app.lab.action_hint = timed_hint  # type: ignore[method-assign]
        rss: list[float] = [rss_mib()]
        frames.clear()
        start = time.monotonic()
        last_key = last_rss = start
        while (now := time.monotonic()) - start < seconds:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            stalls.append(time.monotonic() - before - 0.01)
            # A key press every half second, timed until its action runs (none in the last
            # second, so no key is still queued when the app closes).
            if now - last_key > 0.5 and now - start < seconds - 1:
                last_key = now
                pressed.append(time.monotonic())
                app.simulate_key("h")
            if now - last_rss > 1:
                last_rss = now
                rss.append(rss_mib())
        elapsed = time.monotonic() - start
        pauses.on = False
        lines = len(app.lab.query_one("#audit-log").lines)  # type: ignore[attr-defined]
        produced = flood[0].produced if flood else 0
        for f in flood:
            f.close()
    gc.callbacks.remove(pauses.collector)
    Screen._refresh_layout = refresh_layout  # type: ignore[method-assign]
    print(f"events: {rate:,}/s asked for {seconds:g} s; {produced:,} made by the producer thread")
    print(f"frames drawn: {len(frames)} ({len(frames) / elapsed:.1f}/s)")
    gaps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    if gaps:
        print(f"longest gap between frames: {max(gaps) * 1000:.0f} ms")
    print(f"longest event-loop stall: {max(stalls) * 1000:.0f} ms (target ≤ 100 ms)")
    p99 = sorted(stalls)[len(stalls) * 99 // 100] * 1000
    over = sum(s > 0.1 for s in stalls)
    print(f"stalls: 99th percentile {p99:.0f} ms, {over} over 100 ms")
    if pauses.collections:
        longest = max(pauses.collections) * 1000
        print(f"garbage collections: {len(pauses.collections)}, longest {longest:.0f} ms")
    print(f"layouts of the whole screen: {pauses.layouts}")
    latencies = sorted(b - a for a, b in zip(pressed, handled, strict=False))
    if len(handled) < len(pressed):
        print(f"keys handled: {len(handled)} of {len(pressed)}")
    if latencies:
        median = latencies[len(latencies) // 2] * 1000
        print(f"key latency: median {median:.0f} ms, worst {latencies[-1] * 1000:.0f} ms")
    print(f"audit pane lines held: {lines:,} (bounded by Log(max_lines))")
    print(f"RSS MiB each second: {' '.join(f'{r:.0f}' for r in rss)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    # The same screen with no events first: on a busy machine the stall figure has a floor
    # that has nothing to do with the flood.
    print("-- baseline: no audit events")
    asyncio.run(run(0, min(args.seconds, 5)))
    print(f"-- flood: {args.rate:,} events/s")
    asyncio.run(run(args.rate, args.seconds))


if __name__ == "__main__":
    main()
