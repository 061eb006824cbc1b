"""The first Ctrl-C (or SIGTERM/SIGHUP) stops the work; later ones cannot cut its cleanup short.

A learner who presses Ctrl-C twice must not leave a container or a process behind: without
this, the second KeyboardInterrupt lands inside the `finally` that was deleting the workload.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def first_interrupt_only(note: str) -> Iterator[None]:
    """Inside the block, the first signal raises as usual; later ones only print `note`."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (and receives the signals)
        return
    hit = False

    def handler(signum: int, _frame: FrameType | None) -> None:
        nonlocal hit
        if hit:
            # No click.echo here: a handler may run in the middle of another write to stderr.
            os.write(2, f"\n{note}\n".encode())
            return
        hit = True
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    previous = {}
    for sig in _SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:  # nohup's choice stays
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
