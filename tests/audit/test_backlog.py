"""The kernel's audit backlog limit: raised while watching, put back after SIGKILL too, shared."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.audit.backlog import BacklogGuard
from lab.audit.netlink import audit_status, set_backlog_limit

REPO = Path(__file__).resolve().parents[2]
_LOW, _HIGH = 77, 8192  # 77: a value nobody else sets, so a leak of ours is unmistakable


@pytest.fixture
def low_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SECLAB_RUN_DIR", str(tmp_path / "run"))
    before = audit_status().backlog_limit
    set_backlog_limit(_LOW)
    try:
        yield tmp_path / "run"
    finally:
        set_backlog_limit(before)


@pytest.mark.root
def test_the_next_start_repairs_the_limit_a_killed_watch_left(low_limit: Path) -> None:
    code = (
        "import sys\nfrom lab.audit.backlog import BacklogGuard\n"
        f"g = BacklogGuard({_HIGH}); g.enter(); print('raised', flush=True); sys.stdin.read()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline() == "raised\n"
        assert audit_status().backlog_limit == _HIGH
        child.send_signal(signal.SIGKILL)  # no cleanup runs
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert audit_status().backlog_limit == _HIGH  # left behind
    guard = BacklogGuard(None)  # any next session, even one that raises nothing
    guard.enter()
    assert audit_status().backlog_limit == _LOW
    guard.exit()
    assert audit_status().backlog_limit == _LOW


@pytest.mark.root
def test_two_watches_do_not_undo_each_other(low_limit: Path) -> None:
    first, second = BacklogGuard(_HIGH), BacklogGuard(_HIGH)
    first.enter()
    second.enter()
    assert first.original == second.original == _LOW
    first.exit()
    assert audit_status().backlog_limit == _HIGH  # the second still watches
    second.exit()
    assert audit_status().backlog_limit == _LOW


@pytest.mark.root
def test_the_limit_is_the_largest_a_running_watch_wants(low_limit: Path) -> None:
    small, large = BacklogGuard(1024), BacklogGuard(_HIGH)
    small.enter()
    assert audit_status().backlog_limit == 1024
    large.enter()
    assert audit_status().backlog_limit == _HIGH
    large.exit()
    assert audit_status().backlog_limit == 1024  # what the one still running asked for
    small.exit()
    assert audit_status().backlog_limit == _LOW
