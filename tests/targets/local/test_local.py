"""The local target on the real kernel: the same exercises as Docker, with processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.targets.base import CommandEvent, Phase, ProfileRef, WorkloadSpec
from lab.targets.local.target import LocalTarget
from lab.targets.runtime_default import compare

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The record of started processes goes to this test's own directory.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def events() -> list[CommandEvent]:
    return []


@pytest.fixture
def target(profiles_dir: Path, events: list[CommandEvent]) -> Iterator[LocalTarget]:
    t = LocalTarget(profiles_dir, on_command=events.append, restart_delay=0.05)
    yield t
    t.close()


def wait_for(target: LocalTarget, name: str, done, timeout: float = 30):
    deadline = time.monotonic() + timeout
    state = target.state(name)
    while not done(state) and time.monotonic() < deadline:
        time.sleep(0.1)
        state = target.state(name)
    return state


def busybox(name: str, profile: ProfileRef, *argv: str) -> WorkloadSpec:
    return WorkloadSpec(name, "busybox", profile, tuple(argv))


def test_errno_fails_the_syscall_and_kill_ends_the_process(
    target: LocalTarget, tmp_path: Path
) -> None:
    where = str(tmp_path / "x")
    errno = target.run_to_completion(
        busybox("errno", ProfileRef.localhost("block-mkdir.json"), "mkdir", where)
    )
    assert errno.exit_code == 1 and "Operation not permitted" in errno.stderr
    kill = target.run_to_completion(
        busybox("kill", ProfileRef.localhost("kill-mkdir.json"), "mkdir", where)
    )
    assert (kill.exit_code, kill.signal) == (159, 31)
    assert not Path(where).exists()
    assert kill.commands[0].startswith("seclab exec --profile kill-mkdir.json -- ")


def test_echo_serves_and_fine_grained_uses_the_local_list(
    target: LocalTarget, events: list[CommandEvent]
) -> None:
    state = target.run(WorkloadSpec("fine", "http-echo", ProfileRef.localhost("fine-grained.json")))
    # Running means exec'd and listening: at first it is pending (the launcher, then start-up).
    assert state.phase in (Phase.PENDING, Phase.RUNNING) and state.pids
    assert wait_for(target, "fine", lambda s: s.phase == Phase.RUNNING).phase == Phase.RUNNING
    assert target.request("fine", "/").body == "just made some syscalls!\n"
    assert target.request("fine", "/health").body == '{"status":"ok"}\n'
    assert any("fine-grained-local.json" in e.shown() for e in events)
    assert target.state("fine").phase == Phase.RUNNING


def test_runtime_default_compared_with_unconfined(target: LocalTarget) -> None:
    comparison = compare(target)
    rtd, unconfined = comparison.runtime_default, comparison.unconfined
    assert rtd.exit_code != 0 and "Operation not permitted" in rtd.stderr  # the lab's profile
    if unconfined.exit_code == 0:
        assert comparison.verdict == "seccomp"
    else:
        assert comparison.verdict == "not-seccomp"
    assert "runtime-default-local.json" in rtd.commands[0]
    target.run(WorkloadSpec("rtd", "http-echo", ProfileRef.runtime_default()))
    state = wait_for(target, "rtd", lambda s: s.phase == Phase.RUNNING)
    assert state.phase == Phase.RUNNING
    assert target.request("rtd", "/").status == 200
    assert target.exec("rtd", ["unshare", "-U", "true"]).exit_code != 0
    assert target.exec("rtd", ["true"]).exit_code == 0


def test_unconfined_runs_without_a_filter(target: LocalTarget) -> None:
    result = target.run_to_completion(
        busybox("u", ProfileRef.unconfined(), "grep", "Seccomp:", "/proc/self/status")
    )
    assert result.stdout.split() == ["Seccomp:", "0"]
    filtered = target.run_to_completion(
        busybox("f", ProfileRef.localhost("audit.json"), "grep", "Seccomp:", "/proc/self/status")
    )
    assert filtered.stdout.split() == ["Seccomp:", "2"]


def test_missing_profile_never_starts(target: LocalTarget) -> None:
    spec = busybox("missing", ProfileRef.localhost("no-such-profile.json"), "true")
    state = target.run(spec)
    assert state.phase == Phase.FAILED_TO_CREATE and state.reason == "ProfileNotFound"
    assert "cannot load seccomp profile" in (state.message or "")
    assert "no such file or directory" in (state.message or "")
    result = target.run_to_completion(spec)
    assert result.exit_code == 125 and "no-such-profile.json" in result.commands[0]


def test_violation_crash_loops_with_the_kernels_error(target: LocalTarget) -> None:
    target.run(WorkloadSpec("violation", "http-echo", ProfileRef.localhost("violation.json")))
    # Every restart's process has started (its pid is known) and the last one has ended.
    state = wait_for(
        target,
        "violation",
        lambda s: (
            len(s.pids) > target.restart_limit and s.phase not in (Phase.RUNNING, Phase.PENDING)
        ),
    )
    assert state.phase == Phase.CRASH_LOOPING and state.reason == "ExecDenied"
    assert "Operation not permitted" in (state.message or "")
    assert len(state.pids) == target.restart_limit + 1


def test_without_restarts_states_are_plain(profiles_dir: Path) -> None:
    target = LocalTarget(profiles_dir, restart_limit=0)
    try:
        target.run(WorkloadSpec("v", "http-echo", ProfileRef.localhost("violation.json")))
        state = wait_for(target, "v", lambda s: s.phase not in (Phase.RUNNING, Phase.PENDING))
        assert state.phase == Phase.FAILED_TO_CREATE and state.exit_code == 126
        script = "sleep 0.2; mkdir /proc/nope"
        target.run(busybox("k", ProfileRef.localhost("kill-mkdir.json"), "sh", "-c", script))
        state = wait_for(target, "k", lambda s: s.phase not in (Phase.RUNNING, Phase.PENDING))
        # The shell's child died of SIGSYS; the shell reports 159 as its own status.
        assert state.phase == Phase.EXITED and state.exit_code == 159
    finally:
        target.close()


@pytest.mark.root
def test_audit_records_carry_the_workloads_pid(target: LocalTarget) -> None:
    from lab.audit.capture import AuditCapture

    with AuditCapture() as capture:
        state = target.run(WorkloadSpec("audit", "http-echo", ProfileRef.localhost("audit.json")))
        assert target.request("audit", "/").status == 200
        capture.sync()
        events = capture.events(state.pids)
    names = {e.syscall_name for e in events}
    assert {"bind", "listen", "accept4"} <= names
    assert {e.action for e in events} == {"log"}


@pytest.mark.root
def test_errno_without_log_flag_leaves_no_record(target: LocalTarget) -> None:
    from lab.audit.capture import AuditCapture

    pids = {}
    with AuditCapture() as capture:
        for profile in ("violation.json", "violation-log.json"):
            name = profile.removesuffix(".json")
            target.run(WorkloadSpec(name, "http-echo", ProfileRef.localhost(profile)))
            state = wait_for(target, name, lambda s: s.restarts >= 1)
            pids[profile] = state.pids
        capture.sync()
        quiet = capture.events(pids["violation.json"])
        logged = capture.events(pids["violation-log.json"])
    assert quiet == []
    assert "execve" in {e.syscall_name for e in logged}
    assert {e.action for e in logged} == {"errno"}


def test_workloads_are_stopped_after_ctrl_c(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from lab.paths import profiles_dir\n"
        "from lab.targets.base import ProfileRef, WorkloadSpec\n"
        "from lab.targets.local.target import LocalTarget\n"
        "t = LocalTarget(profiles_dir())\n"
        "s = t.run(WorkloadSpec('echo', 'http-echo', ProfileRef.localhost('audit.json')))\n"
        "print(s.pids[0], flush=True)\n"
        "time.sleep(120)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env=env, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    pid = int(proc.stdout.readline())
    assert Path(f"/proc/{pid}").exists()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # reparented to init, which reaps it
    assert not Path(f"/proc/{pid}").exists()


def test_delete_stops_the_workloads_children_too(target: LocalTarget) -> None:
    from lab.targets.local.procs import descendants

    spec = busybox("kids", ProfileRef.localhost("audit.json"), "sh", "-c", "sleep 300 & wait")
    main = target.run(spec).pids[0]
    deadline = time.monotonic() + 10
    while not descendants(main) and time.monotonic() < deadline:
        time.sleep(0.05)
    children = descendants(main)
    assert children, f"the shell should have started sleep; the workload: {target.state('kids')}"
    target.delete("kids")
    assert target.state("kids").phase == Phase.NOT_FOUND
    for pid in [main, *children]:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists()


@pytest.mark.root
def test_fork_watcher_finds_short_lived_grandchildren() -> None:
    from lab.targets.proctree import ForkWatcher

    with ForkWatcher() as forks:
        shell = subprocess.run(
            ["sh", "-c", "sh -c 'echo $$' & wait"], capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=30,
        )  # fmt: skip
        grandchild = int(shell.stdout.split()[0])
        deadline = time.monotonic() + 10
        while grandchild not in forks.descendants([os.getpid()]) and time.monotonic() < deadline:
            time.sleep(0.05)  # the fork event may still be in the socket
        found = forks.descendants([os.getpid()])
    assert grandchild in found  # gone long before we looked, yet known as ours
    assert 1 not in found and os.getppid() not in found


@pytest.mark.root
def test_fork_watcher_reports_each_exec() -> None:
    from lab.targets.proctree import ForkWatcher

    execs: list[int] = []
    with ForkWatcher(on_exec=execs.append) as forks:
        shell = subprocess.run(
            ["sh", "-c", "echo $$; exec true"], capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=30,
        )  # fmt: skip
        pid = int(shell.stdout.split()[0])
        deadline = time.monotonic() + 10
        while execs.count(pid) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the events may still be in the socket
        assert pid in forks.descendants([os.getpid()])
    assert execs.count(pid) == 2  # sh itself, then `exec true` in the same process


def test_one_shot_reports_the_pid_it_ran_as(profiles_dir: Path) -> None:
    target = LocalTarget(profiles_dir)
    spec = WorkloadSpec("pid", "busybox", ProfileRef.unconfined(), ("sh", "-c", "echo $$"))
    result = target.run_to_completion(spec)
    target.close()
    assert result.exit_code == 0
    assert result.pids == (int(result.stdout.split()[0]),)
