"""The instructor's controls for demo mode: pace, pause and stepping, shared across threads.

The demo worker thread waits here (typing a command out, pausing between steps); key presses on
the UI thread change the pace, pause, or cut a wait short. No Textual: it is tested on its own.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

# Characters per second when a command is typed out; a readable pace for a room by default.
PACES = (8.0, 15.0, 25.0, 40.0, 80.0)


@dataclass
class DemoControl:
    """Pace, pause and skip for the demo worker; every method is thread-safe."""

    pace_index: int = 2
    instant: bool = False  # tests: no typing delay and no pause between steps
    step_pause: float = 4.0  # seconds shown after a step's result, before the next one
    _running: threading.Event = field(default_factory=threading.Event, repr=False)
    _skip: threading.Event = field(default_factory=threading.Event, repr=False)
    _stopped: bool = False
    direction: int = 0  # -1 when the presenter asked for the previous step, +1 for the next

    def __post_init__(self) -> None:
        self._running.set()

    @property
    def cps(self) -> float:
        """Characters per second for typed commands."""
        return PACES[self.pace_index]

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def describe(self) -> str:
        state = "paused" if self.paused else "playing"
        return f"demo {state} · pace {self.cps:g} chars/s"

    def toggle_pause(self) -> None:
        if self._running.is_set():
            self._running.clear()
        else:
            self._running.set()

    def faster(self) -> None:
        self.pace_index = min(self.pace_index + 1, len(PACES) - 1)

    def slower(self) -> None:
        self.pace_index = max(self.pace_index - 1, 0)

    def step(self, direction: int) -> None:
        """Cut the current wait short and move by `direction` steps (the worker reads it)."""
        self.direction = direction
        self._skip.set()
        self._running.set()

    def stop(self) -> None:
        """End every wait at once (the app is closing)."""
        self._stopped = True
        self._skip.set()
        self._running.set()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def typing_time(self, text: str) -> float:
        return 0.0 if self.instant else len(text) / self.cps

    def wait(self, seconds: float) -> bool:
        """Wait `seconds` of playing time (pauses do not count); False when cut short."""
        if self.instant:  # no time passes, but a pause still holds the demo
            self._running.wait()
            return not self._skip.is_set()
        remaining = seconds
        while not self._stopped:
            self._running.wait()  # paused time does not count against the wait
            start = time.monotonic()
            if self._skip.wait(timeout=max(0.0, min(0.1, remaining))):
                return False
            remaining -= time.monotonic() - start
            if remaining <= 0:
                return True
        return False

    def take_direction(self) -> int:
        """The presenter's last step request (0 when none), cleared once read."""
        direction, self.direction = self.direction, 0
        self._skip.clear()
        return direction
