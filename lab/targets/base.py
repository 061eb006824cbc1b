"""The target interface: what a lesson asks for, independent of where it runs.

A lesson says *what* happens ("run the echo workload under audit.json, then request it"); a
target makes it happen on the local kernel, in Docker or on kind, and reports every real command
it runs through `on_command` so the learner sees exactly that command.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import shlex
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ProfileKind = Literal["localhost", "runtime-default", "unconfined"]
WorkloadKind = Literal["http-echo", "busybox", "threads"]

# Everything the lab creates carries these, and `reset` removes exactly what carries them.
DOCKER_LABEL = ("seclab", "1")
K8S_LABEL = ("app.kubernetes.io/managed-by", "seclab")  # on pods and services
# On the kind nodes the lab makes. kind hands a node's labels to the kubelet as --node-labels,
# and the kubelet refuses to start with a self-set label under kubernetes.io or k8s.io (seen on
# a real node: "unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels"), so
# the node label lives under the lab's own prefix.
NODE_LABEL = ("seclab/managed-by", "seclab")


@dataclass(frozen=True)
class ProfileRef:
    """Which seccomp profile a workload runs under."""

    kind: ProfileKind
    # For "localhost": a file name under the lab's profiles directory (as Kubernetes'
    # `localhostProfile: profiles/<file>`), or an absolute path to a profile elsewhere.
    file: str | None = None

    @classmethod
    def localhost(cls, file: str) -> ProfileRef:
        return cls("localhost", file)

    @classmethod
    def runtime_default(cls) -> ProfileRef:
        return cls("runtime-default")

    @classmethod
    def unconfined(cls) -> ProfileRef:
        return cls("unconfined")

    def describe(self) -> str:
        return {
            "localhost": f"Localhost {self.file}",
            "runtime-default": "RuntimeDefault",
            "unconfined": "Unconfined",
        }[self.kind]


@dataclass(frozen=True)
class WorkloadSpec:
    """A workload to start: the echo server, or a busybox command."""

    name: str  # e.g. "audit-pod"; unique within the lab
    workload: WorkloadKind
    profile: ProfileRef
    # http-echo: its flags (default `-text=just made some syscalls!`); busybox: the command argv.
    args: tuple[str, ...] = ()
    privileged: bool = False
    # no-new-privileges (a pod's allowPrivilegeEscalation: false); None: the target's default.
    # With it runc loads the filter just before execve; without it, before dropping privileges.
    no_new_privileges: bool | None = None
    # docker: run the lab's offline stand-in image even when the upstream image is present.
    offline_image: bool = False


class Phase(enum.Enum):
    """The life of a workload as every target can report it."""

    PENDING = "pending"
    RUNNING = "running"
    CRASH_LOOPING = "crash-looping"  # kind: CrashLoopBackOff; local/docker: exits every restart
    FAILED_TO_CREATE = "failed-to-create"  # kind: CreateContainerError/RunContainerError
    EXITED = "exited"
    NOT_FOUND = "not-found"


@dataclass(frozen=True)
class WorkloadState:
    """What a workload is doing now, with the runtime's own reason and message."""

    phase: Phase
    exit_code: int | None = None
    signal: int | None = None  # e.g. 31 (SIGSYS) when seccomp killed it
    reason: str | None = None  # e.g. "CrashLoopBackOff", "CreateContainerError", "SIGSYS"
    message: str | None = None  # the runtime's or kernel's message, verbatim
    restarts: int = 0
    pids: tuple[int, ...] = ()  # host pids, when known (audit records are matched on them)
    container_id: str | None = None
    # Set when waiting cannot change this state (kind: the node cannot get the image): what is
    # wrong and the fix, for the learner. A check that wants another phase stops waiting.
    stuck: str | None = None


@dataclass(frozen=True)
class CommandEvent:
    """A real command a target is about to run (`exit_code` None) or has run."""

    argv: tuple[str, ...]
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    # Text to show instead of argv when argv is long-winded (e.g. a docker SDK call shown as
    # the equivalent `docker run …`).
    display: str | None = None
    # The lab's own bookkeeping (a state poll for the workloads pane, a re-look while a check
    # waits): recorded for tools, never shown to the learner nor typed out in demo mode.
    quiet: bool = False

    def shown(self) -> str:
        return self.display or shlex.join(self.argv)


@dataclass(frozen=True)
class ExecResult:
    """The outcome of a command run in (or as) a workload."""

    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    signal: int | None = None  # 31 when the kernel killed it with SIGSYS
    commands: tuple[str, ...] = ()
    # Host pids of the processes it ran as, when known: its audit records are matched on them
    # (and on the processes they forked) after it has ended.
    pids: tuple[int, ...] = ()


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response from a workload (status None when the connection failed)."""

    status: int | None
    body: str = ""
    error: str | None = None
    commands: tuple[str, ...] = ()


class TargetError(Exception):
    """A target could not do what was asked; `hint` says what would fix it."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        command: Sequence[str] | None = None,
        stderr: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.command = tuple(command) if command else None
        self.stderr = stderr

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


CommandListener = Callable[[CommandEvent], None]

# Per thread: the workloads pane polls on one worker while a step runs on another.
_polling = threading.local()


@dataclass
class Target(ABC):
    """Where exercises run. Every method may block: front ends call them off the event loop."""

    profiles_dir: Path
    on_command: CommandListener | None = field(default=None, repr=False)

    name: str = "base"

    def emit(self, event: CommandEvent) -> None:
        if self.on_command is not None:
            if getattr(_polling, "depth", 0) and not event.quiet:
                event = dataclasses.replace(event, quiet=True)
            self.on_command(event)

    @contextlib.contextmanager
    def quietly(self) -> Iterator[None]:
        """Commands this thread runs meanwhile are the lab's polling: marked `quiet`."""
        _polling.depth = getattr(_polling, "depth", 0) + 1
        try:
            yield
        finally:
            _polling.depth -= 1

    @abstractmethod
    def prepare(self) -> None:
        """Check the target works here and get it ready (images, cluster); say what is missing."""

    @abstractmethod
    def sync_profiles(self) -> list[str] | None:
        """Make the current profiles available to workloads; kind says what it copied where."""

    @abstractmethod
    def run(self, spec: WorkloadSpec) -> WorkloadState:
        """Start a workload (replacing one of the same name) and return its first state."""

    @abstractmethod
    def run_to_completion(self, spec: WorkloadSpec, timeout: float = 60) -> ExecResult:
        """Run a one-shot workload (a busybox command) and wait for it to end."""

    @abstractmethod
    def request(self, name: str, path: str = "/", timeout: float = 10) -> HttpResponse:
        """Send an HTTP GET to the workload's port 5678 the way the tutorial does."""

    def address(self, name: str) -> str | None:
        """Where a learner reaches the workload's port 5678 from here, when it is elsewhere."""
        return None

    @abstractmethod
    def exec(self, name: str, argv: Sequence[str], timeout: float = 30) -> ExecResult:
        """Run a command inside the running workload (under its seccomp filter)."""

    @abstractmethod
    def state(self, name: str) -> WorkloadState:
        """The workload's state now."""

    @abstractmethod
    def logs(self, name: str) -> str:
        """The workload's output so far."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Stop and remove the workload; no error when it does not exist."""

    @abstractmethod
    def reset(self) -> list[str]:
        """Remove everything the lab created on this target, and only that; say what went."""

    def cancel(self) -> None:  # noqa: B027 - optional for targets with nothing in flight
        """Interrupt whatever operation is in flight (called from another thread)."""
