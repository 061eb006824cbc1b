"""Run the seccomp test workload as a child process and return its pid and status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = Path(__file__).with_name("seccomp_child.py")


def run_workload(
    *rules: str, calls: list[str], log_flag: bool = False, pid_box: list[int] | None = None
) -> tuple[int, int]:
    """(pid, exit status) of a child that loads `rules` and then makes `calls`.

    With `pid_box`, the child waits until its pid has been appended there, so a stream filtered
    on that box sees every record.
    """
    flags = ["--log-flag"] if log_flag else []
    if pid_box is None:
        argv = [sys.executable, str(CHILD), *rules, *flags, "--", *calls]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
        return proc.pid, proc.wait(timeout=120)
    paused = start_paused(*rules, *flags, calls=calls)
    pid_box.append(paused.pid)
    assert paused.stdin is not None
    paused.stdin.write("go\n")
    paused.stdin.close()
    return paused.pid, paused.wait(timeout=120)


def start_paused(*rules: str, calls: list[str]) -> subprocess.Popen[str]:
    """A workload that waits for a line on stdin before loading its filter (pid known first)."""
    argv = [sys.executable, str(CHILD), "--wait", *rules, "--", *calls]
    return subprocess.Popen(argv, stdin=subprocess.PIPE, text=True)
