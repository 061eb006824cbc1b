"""Run the lab in this terminal (`seclab start`) and make sure its workloads end with it."""

from __future__ import annotations

import contextlib
import os
import signal
from typing import Any

from lab.tui.app import SeclabApp, make_app
from lab.tui.demo import PACES, DemoControl


def audit_note() -> str | None:
    """Why the audit pane will stay empty, said up front, or None."""
    if os.geteuid() != 0:
        return (
            "The audit pane needs root to read the kernel's seccomp records (CAP_AUDIT_READ): "
            "run `sudo seclab start`. Everything else works without it."
        )
    return None


def build(
    target: str | None,
    lesson: str | None,
    demo: bool,
    *,
    pace: float | None = None,
    source: str | None = None,
) -> SeclabApp:
    """The app as `seclab start` and `seclab serve` run it, with the real services."""

    app: SeclabApp | None = None

    def pods(container_id: str) -> tuple[str, str] | None:
        # Asked on the enricher's lookup thread, for containers under a kubelet only: the
        # session's target names the pod when it is the kind target (which asks kubectl).
        session = app.lab.session if app is not None else None
        lookup = getattr(getattr(session, "target", None), "pod_for_container", None)
        return lookup(container_id) if lookup is not None else None

    def audit_stream() -> Any:
        # Imported here, on the audit worker: decoding pulls in libseccomp, not needed to draw.
        from lab.tui.audit_source import open_audit_stream

        return open_audit_stream(source, pods=pods)

    control = DemoControl()
    if pace is not None:
        control.pace_index = min(range(len(PACES)), key=lambda i: abs(PACES[i] - pace))
    app = make_app(
        target or "auto",
        lesson,
        demo,
        audit_stream_factory=audit_stream,
        demo_control=control,
        notice=audit_note(),
        room_check=_room_problems if demo else None,
    )
    return app


def _room_problems(target: str, lessons: tuple[str, ...] | None) -> list[str]:
    # Imported on the demo's room worker: the checks load the course and ask the engines.
    from lab.prepare.room import unready

    return unready(target, lessons or ())


def _terminal_gone() -> None:
    """After a hang-up, let Textual's last writes go nowhere instead of to a dead terminal.

    The kernel follows a hang-up's SIGHUP with SIGCONT, and Textual answers SIGCONT by entering
    application mode again: it starts a writer thread that dies on its first write to the closed
    terminal (EIO), and shutdown then waits forever on that thread's full queue, with the session's
    workloads still running. Measured here: 1 `seclab start` in 3 stayed behind a closed tmux.
    """
    signal.signal(signal.SIGCONT, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def run(
    target: str | None,
    lesson: str | None,
    demo: bool,
    *,
    pace: float | None = None,
    source: str | None = None,
) -> int:
    """Run until the learner quits; whatever happens, stop the workloads the session started."""
    app = build(target, lesson, demo, pace=pace, source=source)

    def leave(signum: int, frame: object) -> None:
        # A closed terminal (SIGHUP) or `kill` (SIGTERM): leave the app's loop normally, so the
        # `finally` below still stops the workloads.
        del frame
        if signum == signal.SIGHUP:
            _terminal_gone()
        app.exit(return_code=128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        app.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        session = app.lab.session
        if session is not None:
            # Idempotent: normally the app already did this before exiting.
            with contextlib.suppress(Exception):
                session.close()
    return app.return_code or 0
