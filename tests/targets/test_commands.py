"""The subprocess wrapper: real processes, exit codes, timeouts, cancellation, missing tools."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lab.targets.base import CommandEvent
from lab.targets.commands import CommandError, SubprocessRunner
from lab.targets.held_signals import held_signals

REPO = Path(__file__).resolve().parent.parent.parent


def test_runs_and_reports_before_and_after() -> None:
    events: list[CommandEvent] = []
    run = SubprocessRunner(on_command=events.append)
    done = run([sys.executable, "-c", "print('hi')"], timeout=30)
    assert done.stdout == "hi\n" and done.returncode == 0
    assert [e.exit_code for e in events] == [None, 0]


def test_non_zero_exit_raises_with_stderr() -> None:
    run = SubprocessRunner()
    with pytest.raises(CommandError) as err:
        run([sys.executable, "-c", "import sys; sys.exit('boom')"], timeout=30)
    assert err.value.returncode == 1 and "boom" in str(err.value)
    assert (
        run([sys.executable, "-c", "raise SystemExit(3)"], timeout=30, check=False).returncode == 3
    )


def test_timeout_kills_the_process() -> None:
    with pytest.raises(CommandError, match="timed out"):
        SubprocessRunner()([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)


def test_missing_tool_is_named() -> None:
    with pytest.raises(CommandError, match="not installed"):
        SubprocessRunner()(["seclab-no-such-tool"], timeout=5)


def test_cancel_from_another_thread() -> None:
    run = SubprocessRunner()
    threading.Thread(target=lambda: (time.sleep(0.3), run.cancel()), daemon=True).start()
    with pytest.raises(CommandError, match="cancelled"):
        run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=60)


# The runner in a process of its own, as the CLI runs it: the first SIGTERM raises SystemExit
# and later ones are ignored (lab.cli's handler); each run is a `sleep` with a unique argument.
_LOOP = """
import os, signal, sys
from lab.cli import _terminated
from lab.targets.commands import SubprocessRunner

marker, done = sys.argv[1], sys.argv[2]
run = SubprocessRunner()
print("ready", flush=True)
while not os.path.exists(done):
    signal.signal(signal.SIGTERM, _terminated)
    try:
        run(["sleep", "300", marker], timeout=600)
    except SystemExit:
        pass
"""


def _survivors(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker.encode() in argv and state != "Z":
            found.append(int(entry.name))
    return found


def test_sigterm_at_any_moment_leaves_no_child_behind(tmp_path: Path) -> None:
    # Signals land at random moments, many of them while Popen is starting the child: before
    # the fix, one that landed between fork and registration left a `sleep 300` running.
    marker = f"0.{random.randrange(10**12):012d}{os.getpid()}"  # a number: sleep accepts it
    done = tmp_path / "done"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rng = random.Random()
    sent = 0
    try:
        for _ in range(10):  # the loop may end early when a signal lands outside a run
            loop = subprocess.Popen(
                [sys.executable, "-c", _LOOP, marker, str(done)], cwd=REPO, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert loop.stdout is not None and loop.stdout.readline() == "ready\n"
            for _ in range(60):
                if loop.poll() is not None:
                    break
                loop.send_signal(signal.SIGTERM)
                sent += 1
                time.sleep(rng.uniform(0, 0.004))
            done.touch()
            while loop.poll() is None:  # the last run waits in `sleep 300` until signalled
                loop.send_signal(signal.SIGTERM)
                time.sleep(0.05)
            loop.communicate(timeout=60)
            done.unlink()
        left = _survivors(marker)
        assert left == [], f"{len(left)} sleep children outlived the runner ({sent} signals)"
    finally:
        for pid in _survivors(marker):
            os.kill(pid, signal.SIGKILL)


def test_a_signal_during_the_hold_reaches_its_handler_afterwards() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGHUP, lambda signum, _frame: seen.append(signum))
    try:
        with held_signals():
            os.kill(os.getpid(), signal.SIGHUP)
            for _ in range(1000):  # handlers run between bytecodes: give it many chances
                pass
            assert seen == []
        assert seen == [signal.SIGHUP]
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_commands_do_not_inherit_blocked_signals() -> None:
    # Why the runner does not hold signals with pthread_sigmask: the child would inherit the
    # mask, and a kubectl or kind started that way would ignore Ctrl-C and SIGTERM.
    done = SubprocessRunner()(["grep", "^SigBlk:", "/proc/self/status"], timeout=30)
    assert int(done.stdout.split()[1], 16) == 0
