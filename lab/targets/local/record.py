"""Recording a command on the host kernel (local target): one run under each candidate profile."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from lab.profile.model import Profile
from lab.profile.record import RunUnder
from lab.targets.held_signals import held_signals

if TYPE_CHECKING:
    from lab.sandbox import RunAs

# A server asked to stop (SIGTERM) gets this long to exit before it is killed: its shutdown
# syscalls belong in the profile, as they would under `docker stop`.
STOP_GRACE = 5.0


class CannotRecord(RuntimeError):
    """The command could not be run as it was given: there is nothing to record."""


def _signal_group(proc: subprocess.Popen[str], sig: int) -> None:
    """Signal the command and every process it started (a shell's `&` children included)."""
    if proc.returncode is not None:
        return  # reaped: its group id may belong to someone else by now
    with contextlib.suppress(ProcessLookupError):  # every process of the group has ended
        os.killpg(proc.pid, sig)  # its own group: the group id is its pid


def local_runner(
    argv: Sequence[str], timeout: float, say: Callable[[str], None], run_as: RunAs | None = None
) -> RunUnder:
    """Run the command under each profile until it ends or `timeout` passes; its pid.
    As the user `run_as` when given (the one who ran sudo)."""
    from lab.sandbox import start_sandboxed

    runs = 0

    def run(profile: Profile) -> list[int]:
        nonlocal runs
        runs += 1
        proc = None
        stopped = False
        try:
            with held_signals():  # SIGTERM between the start and `proc` must not orphan it
                proc = start_sandboxed(
                    profile, argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                    new_group=True, run_as=run_as,
                )  # fmt: skip
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:  # a server: what it did so far is the recording
                stopped = True
                _signal_group(proc, signal.SIGTERM)
                try:
                    _, err = proc.communicate(timeout=STOP_GRACE)
                except subprocess.TimeoutExpired:
                    _signal_group(proc, signal.SIGKILL)
                    _, err = proc.communicate()
        except BaseException:  # Ctrl-C or SIGTERM: the command must not outlive seclab
            if proc is not None:
                with held_signals():
                    _signal_group(proc, signal.SIGKILL)
                    proc.communicate()
            raise
        result = proc.outcome()
        if runs == 1 and result.launch_error:  # not found, not executable: nothing ran
            raise CannotRecord(result.launch_error)
        if runs == 1 and stopped:
            say(f"note: {argv[0]} was still running after {timeout:g} s and was stopped; the "
                "profile covers what it did until then (--timeout sets how long)")  # fmt: skip
        elif runs == 1 and result.exit_code != 0:
            # Its failure path is what gets recorded: say so rather than pass it off as a run.
            said = result.message() or f"exit status {result.exit_code}"
            tail = "".join(f"\n    {line}" for line in err.splitlines()[-3:])
            say(f"note: {argv[0]} ended with {said} while recorded; the profile covers only "
                f"what it did in this run{tail}")  # fmt: skip
        return [proc.pid]

    return run
