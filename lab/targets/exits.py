"""What an exit status says: the signal behind 128+N, and SIGSYS named as seccomp's KILL."""

from __future__ import annotations

import signal

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
