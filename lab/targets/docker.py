"""The docker target: workloads are real containers, made through the docker SDK.

Every SDK call is reported as the `docker …` command a learner could type to do the same.
Containers are named `seclab-<workload>` and labelled `seclab=1`; `reset` removes exactly those.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lab.targets import docker_http
from lab.targets.base import (
    CommandEvent,
    ExecResult,
    HttpResponse,
    Phase,
    ProfileRef,
    Target,
    TargetError,
    WorkloadSpec,
    WorkloadState,
)
from lab.targets.capabilities import privileged_blocker
from lab.targets.docker_errors import engine_unreachable, explain_create_error
from lab.targets.docker_run import ProfileMissing, RunPlan, container_name, plan_run
from lab.targets.docker_state import signal_of, state_from_attrs
from lab.targets.images import ImageResolver
from lab.targets.offline_images import ECHO_PROFILE as STAND_IN_PROFILE
from lab.targets.runtime_versions import (
    engine_versions,
    log_flag_blocker,
    profile_asks_for_log_flag,
)


@dataclass
class DockerTarget(Target):
    """Exercises in a real Docker engine."""

    name: str = "docker"
    pull_timeout: float = 20
    restart_limit: int = 3
    prefer_offline: bool = False
    # An extra label on everything this instance creates; `reset` then removes only that
    # session's containers (tests use it so they never touch another run's objects).
    session: str | None = None
    client: Any = field(default=None, repr=False)
    _failed: dict[str, WorkloadState] = field(default_factory=dict, repr=False)
    _images: ImageResolver | None = field(default=None, repr=False)
    _one_shot: str | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _created: set[str] = field(default_factory=set, repr=False)
    _atexit: bool = field(default=False, repr=False)

    # --- engine ---------------------------------------------------------------------------
    def docker(self) -> Any:
        """The SDK client, connected on first use; an unreachable engine is explained."""
        if self.client is None:
            import docker
            import requests.exceptions

            try:
                client = docker.from_env(timeout=60)
                client.ping()
            except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
                raise engine_unreachable(exc) from exc
            self.client = client
        return self.client

    def images(self) -> ImageResolver:
        """The image resolver (upstream when present or pullable, else offline builds)."""
        if self._images is None:
            self._images = ImageResolver(
                self.docker(), self.emit, self.pull_timeout, self.prefer_offline
            )
        return self._images

    def _container(self, name: str) -> Any | None:
        import docker.errors

        try:
            return self.docker().containers.get(container_name(name))
        except docker.errors.NotFound:
            return None

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

    def _create(self, spec: WorkloadSpec, *, detach: bool) -> tuple[RunPlan, Any]:
        """Start the container; return (plan, container) or record why it failed to create."""
        if spec.privileged:
            blocker = privileged_blocker()
            if blocker:
                raise TargetError(blocker, hint="run this exercise without privileged mode here")
        self.delete(spec.name, quiet=True)
        image = self.images().image_for(spec.workload)
        spec = self._for_stand_in(spec)
        self._track(spec.name)
        try:
            plan = plan_run(
                spec, image, self.profiles_dir, detach=detach,
                restart_limit=self.restart_limit, session=self.session,
            )  # fmt: skip
        except ProfileMissing as exc:
            self.emit(CommandEvent(("docker", "run"), display=exc.display))
            self.emit(CommandEvent(("docker", "run"), 125, stderr=str(exc), display=exc.display))
            self._failed[spec.name] = WorkloadState(
                Phase.FAILED_TO_CREATE, reason="ProfileNotFound", message=str(exc)
            )
            return RunPlan({}, exc.display), None
        import docker.errors

        self._note_log_flag(plan)
        self.emit(CommandEvent(plan.argv, display=plan.display))
        try:
            container = self.docker().containers.run(image, **plan.kwargs)
        except docker.errors.ImageNotFound as exc:
            raise TargetError(str(exc), hint=explain_create_error("No such image")) from exc
        except docker.errors.APIError as exc:
            message = str(exc.explanation or exc)
            self.emit(CommandEvent(plan.argv, exit_code=125, stderr=message, display=plan.display))
            if "apply caps" in message:
                raise TargetError(privileged_blocker() or message, hint=None) from exc
            if self._container(spec.name) is None:
                self._failed[spec.name] = _failed_state(message)
            return plan, None
        self.emit(CommandEvent(plan.argv, exit_code=0, stdout=container.id, display=plan.display))
        return plan, container

    def note(self, text: str) -> None:
        """Show the learner a remark next to the commands (no command is run)."""
        self.emit(CommandEvent((), exit_code=0, display=f"# {text}"))

    def log_flag_blocker(self) -> str | None:
        """Why SECCOMP_FILTER_FLAG_LOG in a profile has no effect on this engine, if it has none."""
        return log_flag_blocker(*engine_versions(self.docker().version()))

    def _note_log_flag(self, plan: RunPlan) -> None:
        opts = plan.kwargs.get("security_opt") or []
        if any(profile_asks_for_log_flag(opt) for opt in opts):
            blocker = self.log_flag_blocker()
            if blocker:
                self.note(
                    f"the profile asks for SECCOMP_FILTER_FLAG_LOG, but {blocker}: "
                    "its denials will leave no audit record on this engine"
                )

    def _for_stand_in(self, spec: WorkloadSpec) -> WorkloadSpec:
        """The offline echo is busybox, not Go: it needs its own fine-grained allow-list."""
        file = spec.profile.file
        if spec.workload != "http-echo" or file != "fine-grained.json":
            return spec
        if not self.images().uses_offline("http-echo"):
            return spec
        self.note(
            f"offline http-echo stand-in: {file} lists the Go server's syscalls; "
            f"using {STAND_IN_PROFILE}, recorded for the stand-in"
        )
        return replace(spec, profile=ProfileRef.localhost(STAND_IN_PROFILE))

    def _track(self, name: str) -> None:
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

    def run(self, spec: WorkloadSpec) -> WorkloadState:
        """Start a long-running workload and return its first state."""
        self._create(spec, detach=True)
        return self.state(spec.name)

    def run_to_completion(self, spec: WorkloadSpec, timeout: float = 60) -> ExecResult:
        """Run a one-shot container, wait for it, collect its output, remove it."""
        plan, container = self._create(spec, detach=False)
        shown = (plan.display,)
        if container is None:
            failed = self._failed.pop(spec.name, None) or self.state(spec.name)
            self.delete(spec.name, quiet=True)
            return ExecResult(125, stderr=f"docker: {failed.message}", commands=shown)
        with self._lock:
            self._one_shot = spec.name
        try:
            code = docker_http.wait_exit(container, timeout)
        finally:
            with self._lock:
                self._one_shot = None
        if code is None:
            self.delete(spec.name, quiet=True)
            raise TargetError(
                f"{spec.name} did not finish within {timeout:g} s", hint="it was stopped"
            )
        out = container.logs(stdout=True, stderr=False).decode(errors="replace")
        err = container.logs(stdout=False, stderr=True).decode(errors="replace")
        self.delete(spec.name, quiet=True)
        return ExecResult(code, out, err, signal=signal_of(code), commands=shown)

    def request(self, name: str, path: str = "/", timeout: float = 10) -> HttpResponse:
        """GET the workload's published port 5678 from 127.0.0.1, as curl would."""
        return docker_http.request(self, name, path, timeout)

    def exec(self, name: str, argv: Sequence[str], timeout: float = 30) -> ExecResult:
        """`docker exec`: the command runs under the container's own seccomp filter."""
        container = self._container(name)
        if container is None or container.status != "running":
            raise TargetError(
                f"{name} is not running, so nothing can be executed in it",
                hint=f"check its state; {self.state(name).message or ''}".rstrip("; "),
            )
        return docker_http.exec_in(self, container, argv, timeout)

    def state(self, name: str) -> WorkloadState:
        """The workload's state from `docker inspect`."""
        if name in self._failed:
            return self._failed[name]
        container = self._container(name)
        if container is None:
            return WorkloadState(Phase.NOT_FOUND, reason="NotFound")
        state = state_from_attrs(container.attrs)
        if state.phase == Phase.RUNNING:
            state = _with_pids(state, container)
        if state.phase == Phase.FAILED_TO_CREATE and state.message:
            return _failed_state(state.message, state)
        return state

    def logs(self, name: str) -> str:
        """`docker logs`: the workload's stdout and stderr so far."""
        container = self._container(name)
        if container is None:
            return ""
        self.emit(CommandEvent(("docker", "logs", container.name)))
        return str(container.logs().decode(errors="replace"))

    def delete(self, name: str, quiet: bool = False) -> None:
        """`docker rm -f`; nothing happens when the workload does not exist."""
        self._failed.pop(name, None)
        container = self._container(name)
        if container is None:
            return
        argv = ("docker", "rm", "-f", container.name)
        self.emit(CommandEvent(argv))
        import docker.errors

        # Removed meanwhile (another reset, a concurrent delete) is fine.
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
        self.emit(CommandEvent(argv, exit_code=0))

    def reset(self) -> list[str]:
        """Remove every container (and, outside a session, image) labelled seclab=1."""
        from lab.targets.docker_reset import remove_labelled

        self._failed.clear()
        return remove_labelled(self, dry_run=False)

    def cancel(self) -> None:
        """Stop the one-shot container in flight, so its wait returns."""
        with self._lock:
            name = self._one_shot
        container = self._container(name) if name else None
        if container is not None:
            container.kill()


def _failed_state(message: str, base: WorkloadState | None = None) -> WorkloadState:
    explanation = explain_create_error(message)
    text = f"{message}\n({explanation})" if explanation else message
    if base is not None:
        return replace(base, message=text)
    return WorkloadState(Phase.FAILED_TO_CREATE, reason="CreateError", message=text)


def _with_pids(state: WorkloadState, container: Any) -> WorkloadState:
    """Add every host pid in the container (docker top), for matching audit records."""
    try:
        top = container.top()
        col = top["Titles"].index("PID")
        pids = tuple(int(row[col]) for row in top["Processes"])
    except Exception:  # best effort: the main pid is already known
        return state
    return replace(state, pids=tuple(dict.fromkeys(state.pids + pids)))
