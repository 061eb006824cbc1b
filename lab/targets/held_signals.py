"""Hold the signals that end seclab while a child is started and registered, then deliver them.

The CLI turns SIGTERM and SIGHUP into SystemExit, and Ctrl-C is KeyboardInterrupt, so that
`finally` blocks kill what seclab started. Raised between `fork` and the moment the child is
registered, such an exception would leave a child in its own session that nothing knows about.
Blocking the signals in the kernel (`pthread_sigmask`) does not do: the child inherits the mask,
and kubectl or kind would then ignore Ctrl-C. Instead, the Python handlers are swapped for one
that notes the signal, and the noted signals go to the original handlers when the hold ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
Handler = Callable[[int, FrameType | None], object]


@contextmanager
def held_signals() -> Iterator[None]:
    """Defer SIGINT, SIGTERM and SIGHUP handlers until the block ends (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Python runs signal handlers on the main thread: nothing interrupts this one
        return
    noted: list[int] = []
    saved: dict[int, Handler] = {}
    holding = True

    def note(signum: int, frame: FrameType | None) -> None:
        if holding:
            noted.append(signum)
        else:  # the hold is over but this handler is still installed: act as the original
            saved[signum](signum, frame)

    try:
        for sig in HELD:
            current = signal.getsignal(sig)
            # SIG_DFL and SIG_IGN act in the kernel and raise nothing: there is nothing to hold.
            if callable(current):
                saved[sig] = current
                signal.signal(sig, note)
        yield
    finally:
        holding = False
        try:
            for signum, handler in saved.items():
                signal.signal(signum, handler)
        finally:
            for signum in dict.fromkeys(noted):
                saved[signum](signum, None)
