"""A container's `attrs` (what `docker inspect` prints) read as a target-neutral WorkloadState."""

from __future__ import annotations

import signal
from dataclasses import replace
from typing import Any

from lab.targets.base import Phase, WorkloadState

SIGSYS = int(signal.SIGSYS)


def signal_of(exit_code: int | None) -> int | None:
    """The signal that ended a process whose shell-style status is 128+N."""
    if exit_code is not None and 128 < exit_code < 128 + 65:
        return exit_code - 128
    return None


def describe_exit(exit_code: int | None) -> tuple[str | None, str | None]:
    """A reason and a message for an exit status, naming SIGSYS when seccomp killed it."""
    sig = signal_of(exit_code)
    if sig == SIGSYS:
        return "SIGSYS", (
            f"exit status {exit_code} = 128 + 31: the kernel killed the process with SIGSYS "
            "because the seccomp filter's action for a syscall was KILL (the shell prints "
            "`Bad system call`)"
        )
    if sig is not None:
        return signal.Signals(sig).name, f"exit status {exit_code}: killed by signal {sig}"
    if exit_code:
        return "Error", f"exit status {exit_code}"
    return ("Completed", "exit status 0") if exit_code == 0 else (None, None)


def state_from_attrs(attrs: dict[str, Any]) -> WorkloadState:
    """Map Docker's container state onto the phases every target reports."""
    st = attrs.get("State") or {}
    status = st.get("Status")
    code = st.get("ExitCode")
    restarts = int(attrs.get("RestartCount") or 0)
    pid = int(st.get("Pid") or 0)
    common: dict[str, Any] = {
        "restarts": restarts,
        "pids": (pid,) if pid else (),
        "container_id": attrs.get("Id"),
    }
    error = st.get("Error") or ""
    if status == "created":
        if error:
            return WorkloadState(
                Phase.FAILED_TO_CREATE, exit_code=code, reason="StartError", message=error,
                **common,
            )  # fmt: skip
        return WorkloadState(Phase.PENDING, reason="Created", **common)
    if status == "running":
        return WorkloadState(Phase.RUNNING, **common)
    if status == "restarting":
        reason, message = describe_exit(code)
        return WorkloadState(
            Phase.CRASH_LOOPING, exit_code=code, signal=signal_of(code),
            reason="Restarting", message=f"restarting after {message}", **common,
        )  # fmt: skip
    if status in ("exited", "dead"):
        reason, message = describe_exit(code)
        if error:
            message = f"{message}: {error}" if message else error
        if restarts and code:
            # The restart policy gave up: the Docker counterpart of CrashLoopBackOff.
            return WorkloadState(
                Phase.CRASH_LOOPING, exit_code=code, signal=signal_of(code),
                reason=f"{reason}, restarted {restarts} times", message=message, **common,
            )  # fmt: skip
        return WorkloadState(
            Phase.EXITED, exit_code=code, signal=signal_of(code), reason=reason,
            message=message, **common,
        )  # fmt: skip
    return WorkloadState(Phase.PENDING, reason=status, message=error or None, **common)


def with_top_pids(state: WorkloadState, container: Any) -> WorkloadState:
    """Add every host pid in the container (docker top), for matching audit records."""
    try:
        top = container.top()
        col = top["Titles"].index("PID")
        pids = tuple(int(row[col]) for row in top["Processes"])
    except Exception:  # best effort: the main pid is already known
        return state
    return replace(state, pids=tuple(dict.fromkeys(state.pids + pids)))
