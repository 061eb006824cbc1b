"""Recording a workload on a target: run it under a profile, exercise it, stop it, give its pids."""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from lab.course.checks import Cancelled
from lab.course.observe import ForkSource
from lab.profile.model import Profile
from lab.profile.record import Events, Recording, profile_json, record
from lab.safe_files import write_atomic
from lab.targets.base import Phase, ProfileRef, Target, TargetError, WorkloadSpec

# Only container runtimes run their own code between loading the filter and exec.
CONTAINER_TARGETS = ("docker", "kind")
ECHO_ARGS = ("-text=just made some syscalls!",)


def target_runner(
    target: Target,
    name: str,
    workload: str,
    args: Sequence[str] = (),
    *,
    workdir: Path,
    ready_timeout: float = 90,
    cancel: threading.Event | None = None,
    exercise: bool = True,
) -> Callable[[Profile], Sequence[int]]:
    """A `run` callable for `record`: one full life of the workload under the given profile."""
    cancel = cancel or threading.Event()
    counter = iter(range(1, 1000))
    token = uuid.uuid4().hex[:4]

    def run(profile: Profile) -> Sequence[int]:
        if cancel.is_set():
            raise Cancelled
        # Each run gets its own name: fresh logs and state, never the last run's.
        run_name = f"{name}-{token}{next(counter)}"
        path = workdir / f"{run_name}.json"
        write_atomic(path, profile_json(profile), mode=0o644)  # the runtime reads it
        target.sync_profiles()
        spec = WorkloadSpec(
            run_name,
            workload,  # type: ignore[arg-type]
            ProfileRef.localhost(str(path)),
            tuple(args) or (ECHO_ARGS if workload == "http-echo" else ()),
        )
        pids: set[int] = set()
        try:
            state = target.run(spec)
            pids.update(state.pids)
            waited = 0.0
            while state.phase == Phase.PENDING and not state.stuck and waited < ready_timeout:
                if cancel.wait(0.25):
                    break
                waited += 0.25
                with target.quietly():  # waiting for it to start: the lab's polling
                    state = target.state(run_name)
                pids.update(state.pids)
            if workload == "http-echo" and state.phase == Phase.RUNNING:
                if exercise:
                    # Exercise it the way the lessons do: the text, and the health endpoint.
                    target.request(run_name, "/")
                    target.request(run_name, "/health")
                else:
                    _wait_listening(target, run_name, ready_timeout, cancel)
            with target.quietly():
                pids.update(target.state(run_name).pids)
        finally:
            target.delete(run_name)
        return sorted(pids)

    return run


def _wait_listening(target: Target, name: str, timeout: float, cancel: threading.Event) -> None:
    """Wait for http-echo's start-up line ("server is listening"), without sending a request."""
    waited = 0.0
    while "listening" not in _quiet_logs(target, name) and waited < timeout:
        if cancel.wait(0.2):
            return
        waited += 0.2


def record_workload(
    target: Target,
    name: str,
    workload: str,
    *,
    audit: Events | None,
    args: Sequence[str] = (),
    on_progress: Callable[[str], None] = lambda text: None,
    max_iterations: int = 5,
    forks: ForkSource | None = None,
    cancel: threading.Event | None = None,
    exercise: bool = True,
) -> Recording:
    """Record a workload on any target; container targets get the runtime's syscalls added."""
    from lab.profile.record import RUNTIME_SYSCALLS

    if audit is None:
        raise TargetError(
            "recording needs the kernel's seccomp audit records, which this process cannot read",
            hint="run seclab as root (it reads the netlink audit group, CAP_AUDIT_READ)",
        )
    runtime = RUNTIME_SYSCALLS if target.name in CONTAINER_TARGETS else ()
    with tempfile.TemporaryDirectory(prefix="seclab-record-") as workdir:
        run = target_runner(
            target, name, workload, args, workdir=Path(workdir), cancel=cancel, exercise=exercise
        )
        return record(
            run,
            audit,
            runtime=runtime,
            max_iterations=max_iterations,
            on_progress=on_progress,
            descendants=forks.descendants if forks else None,
        )


def _quiet_logs(target: Target, name: str) -> str:
    """The workload's logs, read as the lab's polling (not shown as a command)."""
    with target.quietly():
        return target.logs(name)
