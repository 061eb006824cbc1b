"""A terminal that closes under `seclab start` (tmux killed) ends the lab and its workloads."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.e2e, pytest.mark.root]

_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "ROWS")}


def _tmux(server: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", server, *args], stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=30, check=False, env=_ENV,
    )  # fmt: skip


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid` (read from /proc, one level at a time)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children: list[int] = []
        # Each thread lists the children it forked: the lab starts workloads from worker threads.
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children += map(int, (task / "children").read_text().split())
            except OSError:
                continue
        for child in children:
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(
    what: str, test: Callable[[], bool], timeout: float, screen: Callable[[], str] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.1)  # polling: the condition, not the delay, decides
    shown = f"; the screen was:\n{screen()}" if screen is not None else ""
    raise AssertionError(f"waited {timeout:g} s for {what}{shown}")


@pytest.mark.parametrize("run_a_step", [False, True, False, True])
def test_closing_the_terminal_ends_the_lab_and_its_workloads(
    lab_env: dict[str, str], run_a_step: bool
) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("e2e: tmux is not installed (Debian: apt-get install tmux)")
    server = f"seclab-hup-{uuid.uuid4().hex[:8]}"
    env_args = [f"-e{key}={lab_env[key]}" for key in ("XDG_STATE_HOME", "PYTHONPATH")]
    command = [sys.executable, "-m", "lab", "start", "--target", "local", "--lesson", "audit"]
    started = _tmux(server, "new-session", "-d", "-s", "lab", "-x", "160", "-y", "50",
                    "-c", str(REPO), *env_args, *command)  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:

        def screen() -> str:
            return _tmux(server, "capture-pane", "-p", "-t", "lab").stdout

        _wait("the audit lesson", lambda: "Step 1/3:" in screen(), 90, screen)
        panes = _tmux(server, "list-panes", "-t", "lab", "-F", "#{pane_pid}").stdout.split()
        lab_pid = int(panes[0])
        workloads: set[int] = set()
        if run_a_step:
            _tmux(server, "send-keys", "-t", "lab", "r")
            _wait("a workload to start", lambda: bool(_descendants(lab_pid)), 60, screen)
            workloads = _descendants(lab_pid)
    finally:
        _tmux(server, "kill-server")  # the terminal goes away: SIGHUP, then SIGCONT
    try:
        _wait("seclab start to exit after the hang-up", lambda: not _alive(lab_pid), 60)
        _wait("its workloads to end", lambda: not any(map(_alive, workloads)), 30)
    finally:
        left = [pid for pid in (lab_pid, *workloads) if _alive(pid)]
        for pid in left:  # a failed run must not leave them to the next test
            os.kill(pid, signal.SIGKILL)
    assert not left, f"still running after the terminal closed: {left}"
