"""The real `seclab start` in tmux: complete the audit lesson by keys, read the captured pane."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.e2e, pytest.mark.root]


# A tmux server of our own: another server's clients and options cannot resize our window.
SERVER = f"seclab-e2e-{uuid.uuid4().hex[:8]}"


# The server passes its environment on; a COLUMNS/LINES left by the test runner would pin the
# app to that size whatever the window is.
_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "ROWS")}


def _tmux(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", SERVER, *args], stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=30, check=check, env=_ENV,
    )  # fmt: skip


class Pane:
    """One tmux session running seclab; `wait_for` polls the screen with a deadline."""

    def __init__(self, name: str) -> None:
        self.name = name

    def screen(self) -> str:
        return _tmux("capture-pane", "-p", "-t", self.name, check=False).stdout

    def keys(self, *keys: str) -> None:
        _tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, what: str, test: Callable[[str], bool], timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(0.2)  # polling the terminal: the condition, not the delay, decides
        raise AssertionError(f"waited {timeout:g} s for {what}; the screen was:\n{self.screen()}")

    def alive(self) -> bool:
        return _tmux("has-session", "-t", self.name, check=False).returncode == 0


@pytest.fixture
def pane(lab_env: dict[str, str]) -> Iterator[Pane]:
    if shutil.which("tmux") is None:
        pytest.skip("e2e: tmux is not installed (Debian: apt-get install tmux)")
    name = "lab"
    env_args = [f"-e{key}={lab_env[key]}" for key in ("XDG_STATE_HOME", "PYTHONPATH")]
    command = [sys.executable, "-m", "lab", "start", "--target", "local", "--lesson", "audit"]
    _tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "50", "-c", str(REPO),
          *env_args, *command)  # fmt: skip
    try:
        yield Pane(name)
    finally:
        _tmux("kill-server", check=False)


def _passed(count: int) -> Callable[[str], bool]:
    # The lesson list wraps the audit lesson's title; its last line ends with "N/3".
    return lambda screen: re.search(rf"syscalls\s+{count}/3", screen) is not None


def _step(pane: Pane, number: int) -> None:
    """Run step `number`; when it waits for the learner, let the lab do their part (s)."""
    pane.wait_for(f"step {number}/3", lambda s: f"Step {number}/3:" in s)
    pane.keys("r")
    screen = pane.wait_for(
        f"step {number} to pass or to wait for the learner",
        lambda s: _passed(number)(s) or "Your turn" in s,
    )
    if not _passed(number)(screen):
        pane.keys("s")
        pane.wait_for(f"step {number} to pass", _passed(number))


def test_the_audit_lesson_in_a_real_terminal(pane: Pane) -> None:
    pane.wait_for("the lab to open the audit lesson", lambda s: "Step 1/3:" in s, timeout=60)
    assert max(map(len, pane.screen().splitlines())) > 100  # the 160-column window asked for
    _step(pane, 1)
    pane.keys("w")  # the audit pane: only this session's workload from now on
    pane.keys("n")
    _step(pane, 2)
    screen = pane.wait_for(
        "decoded syscall names in the audit pane",
        lambda s: re.search(r"\d\d:\d\d:\d\d (accept4|recvfrom|sendto)\s+log", s) is not None,
    )
    assert re.search(r"\d\d:\d\d:\d\d (read|recvfrom|write|sendto)\s+log", screen)
    assert "source: netlink" in screen and "lost 0" in screen
    pane.keys("n")
    _step(pane, 3)
    pane.keys("q")
    pane.wait_for("seclab to exit", lambda s: not pane.alive() or "Lessons" not in s)
