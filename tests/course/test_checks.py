"""Each kind of check passes on the right observation and fails, with a reason, on a wrong one."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from stub_target import StubAudit, stub

from lab.course.checks import Cancelled, describe, wait_for
from lab.course.model import Check
from lab.course.observe import Observations, Result
from lab.targets.base import HttpResponse, Phase, WorkloadState

PROFILES = Path(__file__).resolve().parent.parent / "fixtures" / "lessons" / "profiles"


def _event(name: str, action: str = "log") -> SimpleNamespace:
    return SimpleNamespace(syscall_name=name, syscall=0, action=action)


def _obs(**kwargs: object) -> Observations:
    return Observations(stub(PROFILES, **kwargs))


def test_state_check_passes_once_the_phase_is_reached_and_fails_otherwise() -> None:
    check = Check("state", 1, "echo", timeout=5, interval=0.01, phases=("running",))
    pending, running = WorkloadState(Phase.PENDING), WorkloadState(Phase.RUNNING, pids=(7,))
    result = wait_for(check, _obs(states={"echo": [pending, pending, running]}))
    assert result.passed and result.attempts == 3
    broken = replace(check, timeout=0, phases=("crash-looping",))
    result = wait_for(broken, _obs(states={"echo": [running]}))
    assert not result.passed
    assert result.expected == "crash-looping" and result.seen == "running"


def test_state_check_compares_reason_exit_code_and_signal() -> None:
    killed = WorkloadState(Phase.EXITED, exit_code=159, signal=31, reason="SIGSYS")
    check = Check("state", 1, "m", timeout=0, phases=("exited",), signal=31, reason="sigsys")
    assert wait_for(check, _obs(states={"m": [killed]})).passed
    for broken in (
        replace(check, signal=9),
        replace(check, reason="OOMKilled"),
        replace(check, exit_code=1),
    ):
        result = wait_for(broken, _obs(states={"m": [killed]}))
        assert not result.passed and "signal 31" in result.seen


def test_http_check_status_body_and_no_answer() -> None:
    ok = HttpResponse(200, "just made some syscalls!\n")
    check = Check("http", 1, "echo", timeout=0, contains=("just made",))
    assert wait_for(check, _obs(responses={"echo": ok})).passed
    result = wait_for(replace(check, contains=("hello",)), _obs(responses={"echo": ok}))
    assert not result.passed and "just made" in result.seen
    assert not wait_for(replace(check, status=404), _obs(responses={"echo": ok})).passed
    refused = wait_for(check, _obs())
    assert not refused.passed and "connection refused" in refused.seen
    assert wait_for(replace(check, fails=True), _obs()).passed
    assert not wait_for(replace(check, fails=True), _obs(responses={"echo": ok})).passed


def test_output_check_exit_status_signal_and_text() -> None:
    obs = _obs()
    obs.save("m", Result(1, "", "mkdir: can't create directory '/tmp/x': Operation not permitted"))
    check = Check("output", 1, "m", timeout=0, exit_code=1, contains=("Operation not permitted",))
    assert wait_for(check, obs).passed
    assert not wait_for(replace(check, exit_code=159), obs).passed
    assert not wait_for(replace(check, signal=31), obs).passed
    result = wait_for(replace(check, absent_text=("Operation",)), obs)
    assert not result.passed and "exit status 1" in result.seen
    assert "no result yet" in wait_for(replace(check, name="other"), obs).seen
    obs.save("m", Result(None, "", "could not start"))  # the command was not carried out
    seen = wait_for(check, obs).seen
    assert "None" not in seen and "no exit status" in seen


def test_audit_check_matches_only_the_workloads_pids() -> None:
    audit = StubAudit({7: [_event("accept4"), _event("read")], 8: [_event("mkdir", "errno")]})
    running = WorkloadState(Phase.RUNNING, pids=(7,))
    obs = Observations(stub(PROFILES, states={"echo": [running]}), audit)
    check = Check("audit", 1, "echo", timeout=0, min_count=1, present=("accept4",), action="log")
    assert wait_for(check, obs).passed and audit.syncs == 1
    for broken in (
        replace(check, present=("mkdir",)),  # that record belongs to another process
        replace(check, absent=("read",)),
        replace(check, max_count=0, min_count=None),
        replace(check, action="errno"),
    ):
        result = wait_for(broken, obs)
        assert not result.passed, broken
    assert "2 records (accept4, read)" in wait_for(replace(check, max_count=0), obs).seen


def test_audit_check_fails_without_a_capture_or_without_pids() -> None:
    check = Check("audit", 1, "echo", timeout=0, max_count=0)
    no_capture = wait_for(check, _obs(states={"echo": [WorkloadState(Phase.RUNNING, pids=(7,))]}))
    assert not no_capture.passed and "needs root" in no_capture.seen
    obs = Observations(stub(PROFILES, states={"echo": [WorkloadState(Phase.RUNNING)]}), StubAudit())
    no_pids = wait_for(check, obs)
    assert not no_pids.passed and "no process ids" in no_pids.seen


def test_a_wait_can_be_cancelled() -> None:
    cancel = threading.Event()
    cancel.set()
    check = Check("state", 1, "echo", timeout=60, phases=("running",))
    with pytest.raises(Cancelled):
        wait_for(check, _obs(), cancel)


def test_describe_says_what_is_expected() -> None:
    check = Check("audit", 1, "fine", max_count=0, min_count=0, action="log")
    assert describe(check) == "audit fine: exactly 0 log records"
