"""Each kind of check against the real local target and kernel: it passes on the truth and
fails, saying what it saw, when its condition is broken."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from lab.audit.capture import AuditCapture
from lab.course.checks import wait_for
from lab.course.model import Check
from lab.course.observe import Observations
from lab.targets.base import ProfileRef, WorkloadSpec
from lab.targets.local.target import LocalTarget
from lab.targets.proctree import ForkWatcher

pytestmark = pytest.mark.root


@pytest.fixture
def obs(profiles_dir: Path) -> Iterator[Observations]:
    target = LocalTarget(profiles_dir)
    with AuditCapture() as capture, ForkWatcher() as forks:
        yield Observations(target, capture, forks=forks)
    target.close()


def _fails(check: Check, obs: Observations) -> str:
    result = wait_for(replace(check, timeout=0), obs)
    assert not result.passed, check
    return result.seen


def test_state_http_and_audit_checks_on_a_running_echo(obs: Observations) -> None:
    spec = WorkloadSpec("echo", "http-echo", ProfileRef.localhost("audit.json"), ("-text=hello",))
    obs.remember_pids("echo", obs.target.run(spec).pids)
    running = Check("state", 1, "echo", timeout=30, interval=0.1, phases=("running",))
    assert wait_for(running, obs).passed
    assert _fails(replace(running, phases=("crash-looping",)), obs).startswith("running")

    http = Check("http", 1, "echo", timeout=10, interval=0.1, contains=("hello",))
    assert wait_for(http, obs).passed
    assert "hello" in _fails(replace(http, contains=("goodbye",)), obs)
    assert _fails(replace(http, fails=True), obs).startswith("HTTP 200")

    audit = Check("audit", 1, "echo", min_count=1, present=("accept4",), action="log")
    assert wait_for(audit, obs).passed
    assert "accept4" in _fails(replace(audit, present=(), absent=("accept4",)), obs)
    assert _fails(replace(audit, present=("mkdir",)), obs).endswith("missing mkdir")
    assert "records (" in _fails(replace(audit, min_count=None, max_count=0), obs)
    assert _fails(replace(audit, present=(), action="errno"), obs).startswith("0 records")
    obs.target.delete("echo")


def test_output_checks_on_mkdir_under_errno_and_kill(obs: Observations) -> None:
    errno = WorkloadSpec(
        "m1",
        "busybox",
        ProfileRef.localhost("block-mkdir.json"),
        ("mkdir", "/tmp/seclab-course-check"),
    )
    obs.save("m1", obs.target.run_to_completion(errno))
    check = Check("output", 1, "m1", timeout=0, exit_code=1, contains=("Operation not permitted",))
    assert wait_for(check, obs).passed
    assert _fails(replace(check, exit_code=0), obs).startswith("exit status 1")
    assert _fails(replace(check, contains=("Bad system call",)), obs)
    kill = replace(errno, name="m2", profile=ProfileRef.localhost("kill-mkdir.json"))
    obs.save("m2", obs.target.run_to_completion(kill))
    killed = Check("output", 1, "m2", timeout=0, signal=31)
    assert wait_for(killed, obs).passed
    assert _fails(replace(killed, signal=9), obs).startswith("exit status 159")
