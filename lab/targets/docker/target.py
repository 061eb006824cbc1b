"""The docker target: workloads are real containers, made through the docker SDK.

Every SDK call is reported as the `docker …` command a learner could type to do the same.
Containers are named `seclab-<workload>-<session>` and labelled `seclab=1` and
`seclab.session=<session>`: two sessions at once never act on each other's containers, a
session's own cleanup removes only its own, and `seclab reset` removes every labelled one.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lab.targets.base import (
    CommandEvent,
    ExecResult,
    HttpResponse,
    Target,
    TargetError,
    WorkloadSpec,
    WorkloadState,
)
from lab.targets.docker import running
from lab.targets.docker.containers import ContainerFactory, Created
from lab.targets.docker.engine import Engine
from lab.targets.docker.images import ImageResolver
from lab.targets.docker.pids import ContainerProcesses
from lab.targets.docker.plan import cli_error, new_session_id
from lab.targets.docker.reset import remove_labelled
from lab.targets.docker.state import StateReader
from lab.targets.exits import signal_of


@dataclass
class DockerTarget(Target):
    """Exercises in a real Docker engine.

    It owns three collaborators that never call back into it: the `Engine` (client, containers
    by name, images), the `ContainerFactory` (`docker run`) and the `StateReader`
    (`docker inspect`). Failures to create are kept here, as `docker inspect` cannot show them.
    """

    name: str = "docker"
    pull_timeout: float = 20
    restart_limit: int = 3
    prefer_offline: bool = False
    # In every container name and in the label seclab.session: `reset` on this instance
    # removes only this session's containers. None (what `seclab reset` uses) means all of
    # the lab's; containers made without a session would be plain `seclab-<workload>`.
    session: str | None = field(default_factory=new_session_id)
    failed: dict[str, WorkloadState] = field(default_factory=dict, repr=False)
    engine: Engine = field(init=False, repr=False)
    containers: ContainerFactory = field(init=False, repr=False)
    states: StateReader = field(init=False, repr=False)
    _one_shot: str | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _created: set[str] = field(default_factory=set, repr=False)
    _atexit: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self.engine = Engine(self.emit, self.session, self.pull_timeout, self.prefer_offline)
        self.containers = ContainerFactory(self.engine, self.profiles_dir, self.restart_limit)
        self.states = StateReader(self.engine)

    # --- engine ---------------------------------------------------------------------------
    def docker(self) -> Any:
        """The SDK client, connected on first use; an unreachable engine is explained."""
        return self.engine.docker()

    def images(self) -> ImageResolver:
        """The image resolver (upstream when present or pullable, else offline builds)."""
        return self.engine.images()

    def find_container(self, name: str) -> Any | None:
        """Workload `name`'s container in this session, or None."""
        return self.engine.find(name)

    # --- Target ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Check the engine answers and that both workload images exist (pulled or built)."""
        self.emit(CommandEvent(("docker", "version")))
        version = self.docker().version().get("Version", "?")
        self.emit(CommandEvent(("docker", "version"), exit_code=0, stdout=version))
        self.images().image_for("busybox")
        self.images().image_for("http-echo")

    def sync_profiles(self) -> None:
        """Nothing to copy: each run sends the profile's current content to the engine."""

    def note(self, text: str) -> None:
        """Show the learner a remark next to the commands (no command is run)."""
        self.engine.note(text)

    def log_flag_blocker(self) -> str | None:
        """Why SECCOMP_FILTER_FLAG_LOG in a profile has no effect on this engine, if it has none."""
        return self.engine.log_flag_blocker()

    def privileged_start_problem(self) -> str | None:
        """Why privileged containers cannot start here, found by starting one (once)."""
        return self.engine.privileged_problem()

    def privileged_blocker(self) -> str | None:
        """Why the privileged step cannot show 'privileged ignores the profile' on this engine."""
        return self.engine.privileged_blocker()

    def track(self, name: str) -> None:
        """Remember what this process created, so it goes when the interpreter exits."""
        with self._lock:
            self._created.add(name)
            if not self._atexit:
                atexit.register(self.close)
                self._atexit = True

    def close(self) -> None:
        """Remove the workloads this instance created (also run at exit, e.g. after Ctrl-C)."""
        with self._lock:
            names = sorted(self._created)
            self._created.clear()
        for name in names:
            with contextlib.suppress(Exception):  # best effort at exit: reset cleans up later
                self.delete(name, quiet=True)

    def _create(self, spec: WorkloadSpec, *, detach: bool) -> Created:
        """Make `spec`'s container; a failure to create is kept in `failed` for `state`."""
        self.failed.pop(spec.name, None)
        self.track(spec.name)
        created = self.containers.create(spec, detach=detach)
        if created.failure is not None:
            self.failed[spec.name] = created.failure
        return created

    def run(self, spec: WorkloadSpec) -> WorkloadState:
        """Start a long-running workload and return its first state."""
        self._create(spec, detach=True)
        return self.state(spec.name)

    def run_to_completion(self, spec: WorkloadSpec, timeout: float = 60) -> ExecResult:
        """Run a one-shot container, wait for it, collect its output and host pids, remove it."""
        # It may end before `docker inspect` could show a pid: its processes are found
        # through the fork and exec events seen while it ran.
        with ContainerProcesses() as processes:
            created = self._create(spec, detach=False)
            container, shown = created.container, (created.plan.display,)
            if container is None:
                failed = self.failed.pop(spec.name, None) or self.state(spec.name)
                self.delete(spec.name, quiet=True)
                return ExecResult(125, stderr=cli_error(failed.message or ""), commands=shown)
            with self._lock:
                self._one_shot = spec.name
            try:
                code = running.wait_exit(container, timeout)
            finally:
                with self._lock:
                    self._one_shot = None
            pids = processes.pids(container.id)
        if code is None:
            self.delete(spec.name, quiet=True)
            raise TargetError(
                f"{spec.name} did not finish within {timeout:g} s", hint="it was stopped"
            )
        out = container.logs(stdout=True, stderr=False).decode(errors="replace")
        err = container.logs(stdout=False, stderr=True).decode(errors="replace")
        # `docker run --rm` prints the container's output and exits with its status.
        plan = created.plan
        self.emit(CommandEvent(plan.argv, code, stdout=out, stderr=err, display=plan.display))
        self.delete(spec.name, quiet=True)
        return ExecResult(code, out, err, signal=signal_of(code), commands=shown, pids=pids)

    def request(self, name: str, path: str = "/", timeout: float = 10) -> HttpResponse:
        """GET the workload's published port 5678 from 127.0.0.1, as curl would."""
        container = self.find_container(name)
        port = running.host_port(container) if container is not None else None
        if container is None or port is None:
            state = self.state(name)
            return HttpResponse(None, error=f"{name} has no published port ({state.phase.value})")
        return running.request(self.engine, container, port, path, timeout)

    def address(self, name: str) -> str | None:
        """127.0.0.1 and the host port Docker published for the container's 5678."""
        container = self.find_container(name)
        port = running.host_port(container) if container is not None else None
        return f"127.0.0.1:{port}" if port else None

    def exec(self, name: str, argv: Sequence[str], timeout: float = 30) -> ExecResult:
        """`docker exec`: the command runs under the container's own seccomp filter."""
        container = self.find_container(name)
        if container is None or container.status != "running":
            raise TargetError(
                f"{name} is not running, so nothing can be executed in it",
                hint=f"check its state; {self.state(name).message or ''}".rstrip("; "),
            )
        return running.exec_in(self.engine, container, argv, timeout)

    def state(self, name: str) -> WorkloadState:
        """The workload's state from `docker inspect` (or why its container was never made)."""
        if name in self.failed:
            return self.failed[name]
        return self.states.read(name)

    def logs(self, name: str) -> str:
        """`docker logs`: the workload's stdout and stderr so far."""
        container = self.find_container(name)
        if container is None:
            return ""
        argv = ("docker", "logs", container.name)
        self.emit(CommandEvent(argv))
        text = str(container.logs().decode(errors="replace"))
        self.emit(CommandEvent(argv, 0, stdout=text))
        return text

    def delete(self, name: str, quiet: bool = False) -> None:
        """`docker rm -f`; nothing happens when the workload does not exist."""
        self.failed.pop(name, None)
        self.engine.remove(name)

    def reset(self) -> list[str]:
        """Remove this session's containers (session None: every labelled container and image)."""
        self.failed.clear()
        done = remove_labelled(self.engine, dry_run=False)
        self.engine.forget_images()
        return done

    def cancel(self) -> None:
        """Stop the one-shot container in flight, so its wait returns."""
        with self._lock:
            name = self._one_shot
        container = self.find_container(name) if name else None
        if container is not None:
            container.kill()
