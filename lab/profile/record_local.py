"""Recording a command on this kernel: one run of it under each candidate profile."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence

from lab.profile.model import Profile
from lab.profile.record import RunUnder

# A server asked to stop (SIGTERM) gets this long to exit before it is killed: its shutdown
# syscalls belong in the profile, as they would under `docker stop`.
STOP_GRACE = 5.0


class CannotRecord(RuntimeError):
    """The command could not be run as it was given: there is nothing to record."""


def local_runner(argv: Sequence[str], timeout: float, say: Callable[[str], None]) -> RunUnder:
    """Run the command under each profile until it ends or `timeout` passes; its pid."""
    from lab.sandbox import start_sandboxed

    runs = 0

    def run(profile: Profile) -> list[int]:
        nonlocal runs
        runs += 1
        proc = start_sandboxed(
            profile, argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        stopped = False
        try:
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:  # a server: what it did so far is the recording
                stopped = True
                proc.terminate()
                try:
                    _, err = proc.communicate(timeout=STOP_GRACE)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, err = proc.communicate()
        except BaseException:  # Ctrl-C or SIGTERM: the command must not outlive seclab
            proc.kill()
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
