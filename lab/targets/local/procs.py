"""One local workload: its sandboxed process, the restarts that make a crash loop, its state."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lab.targets.base import CommandEvent, Phase, WorkloadSpec, WorkloadState
from lab.targets.exits import SIGSYS
from lab.targets.held_signals import held_signals
from lab.targets.local import state as local_state

if TYPE_CHECKING:
    from lab.sandbox import SandboxedProcess, SandboxOutcome
    from lab.targets.local.spec import LocalPlan


@dataclass
class Workload:
    """A long-running workload; a monitor thread restarts it when it fails, up to a limit."""

    spec: WorkloadSpec
    log: Path
    emit: Callable[[CommandEvent], None]
    restart_limit: int
    restart_delay: float
    plan: LocalPlan | None = None
    proc: SandboxedProcess | None = None
    pids: list[int] = field(default_factory=list)
    restarts: int = 0
    outcome: SandboxOutcome | None = None
    failed: WorkloadState | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _monitor: threading.Thread | None = None
    _env: Mapping[str, str] | None = None

    def fail(self, reason: str, message: str) -> None:
        """The workload could not be created (its profile is missing or invalid)."""
        self.failed = WorkloadState(Phase.FAILED_TO_CREATE, reason=reason, message=message)
        from lab.targets.local.spec import intended

        display = intended(self.spec)
        self.emit(CommandEvent(("seclab", "exec"), 125, stderr=message, display=display))

    def start(self, env: Mapping[str, str] | None) -> None:
        """Start the process and the thread that watches it."""
        self._env = env
        self._spawn()
        self._monitor = threading.Thread(
            target=self._watch, name=f"seclab-local-{self.spec.name}", daemon=True
        )
        self._monitor.start()

    def _spawn(self) -> None:
        from lab.sandbox import start_sandboxed

        assert self.plan is not None
        argv = ("seclab", "exec", "--profile", self.plan.profile_label, "--", *self.plan.argv)
        self.emit(CommandEvent(argv, display=self.plan.display()))
        # SIGTERM or Ctrl-C between the start and `self.proc` would leave a root process that
        # nothing stops: the signal waits until the process is known (and recorded for reset).
        with open(self.log, "ab") as out, held_signals():
            proc = start_sandboxed(
                self.plan.profile, self.plan.argv, stdout=out, stderr=subprocess.STDOUT,
                env=self._env,
            )  # fmt: skip
            self.proc, self.outcome = proc, None
            self.pids.append(proc.pid)
            local_state.record(proc.pid, self.spec.name, list(self.plan.argv))

    def _watch(self) -> None:
        while True:
            proc = self.proc
            assert proc is not None and self.plan is not None
            outcome = proc.outcome()
            local_state.forget(proc.pid)
            self.outcome = outcome
            argv = ("seclab", "exec", "--profile", self.plan.profile_label, "--", *self.plan.argv)
            self.emit(CommandEvent(argv, outcome.exit_code, stderr=outcome.message() or "",
                                   display=self.plan.display()))  # fmt: skip
            failed = outcome.exit_code != 0
            if self._stopping.is_set() or not failed or self.restarts >= self.restart_limit:
                return
            # Back off a little more each time, as the kubelet does (in miniature).
            if self._stopping.wait(self.restart_delay * 2**self.restarts):
                return
            self.restarts += 1
            self._spawn()

    def alive(self) -> bool:
        """True while the current process runs."""
        return self.proc is not None and self.proc.poll() is None

    def state(self) -> WorkloadState:
        """Phase, exit details and pids, mapped like a container's."""
        if self.failed is not None:
            return self.failed
        outcome = self.outcome
        if self.alive() or outcome is None:
            waiting = self._not_yet_serving()
            if waiting:  # a live launcher is not a running program (violation.json never execs)
                return self._state(Phase.PENDING, reason=waiting[0], message=waiting[1])
            return self._state(Phase.RUNNING)
        reason, message = _reason(outcome)
        if outcome.exit_code != 0 and self.restart_limit > 0:
            phase = Phase.CRASH_LOOPING  # failed and restarting, or given up: CrashLoopBackOff
        elif outcome.exec_errno is not None or outcome.launch_error:
            phase = Phase.FAILED_TO_CREATE
        else:
            phase = Phase.EXITED
        return self._state(phase, outcome, reason, message)

    def _not_yet_serving(self) -> tuple[str, str] | None:
        """Why the live process is not running the workload yet: (reason, message), or None.

        Running means what it means for a container: the program was exec'd (the process no
        longer is the launcher) and, for the echo server, it listens on its port.
        """
        proc, plan = self.proc, self.plan
        # In the local target's words (a container's would be ContainerCreating).
        if proc is None or plan is None:
            return "Starting", "the process is being started"
        if not execed(proc.pid, plan.argv):
            return "Starting", "the program has not been exec'd yet"
        if plan.port is not None and not listening(plan.port):
            return "Starting", f"the program runs but does not listen on 127.0.0.1:{plan.port} yet"
        return None

    def _state(
        self,
        phase: Phase,
        outcome: SandboxOutcome | None = None,
        reason: str | None = None,
        message: str | None = None,
    ) -> WorkloadState:
        return WorkloadState(
            phase,
            exit_code=outcome.exit_code if outcome else None,
            signal=outcome.signal if outcome else None,
            reason=reason,
            message=message,
            restarts=self.restarts,
            pids=tuple(self.pids),
        )

    def stop(self, grace: float = 3.0) -> None:
        """End the process (TERM, then KILL after `grace` seconds) and its restarts."""
        self._stopping.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            # Its children first (a shell's), while they can still be found through it.
            for child in descendants(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            proc.terminate()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join(grace + 2)
        if proc is not None:
            local_state.forget(proc.pid)
            with contextlib.suppress(Exception):  # the monitor may have read it already
                proc.outcome()


def _reason(outcome: SandboxOutcome) -> tuple[str, str | None]:
    if outcome.exec_errno is not None:
        return "ExecDenied", outcome.message()
    if outcome.launch_error:
        return "LaunchError", outcome.launch_error
    if outcome.signal == SIGSYS:
        return "SIGSYS", (
            "killed by SIGSYS: the profile's action for a syscall was KILL "
            f"(exit status {outcome.exit_code} = 128 + 31)"
        )
    if outcome.signal:
        return "Signal", outcome.message()
    return ("Completed" if outcome.exit_code == 0 else "Error"), f"exit status {outcome.exit_code}"


def execed(pid: int, argv: tuple[str, ...]) -> bool:
    """True once `pid` runs `argv` (the launcher's own command line differs until the exec)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return [os.fsdecode(part) for part in raw.split(b"\0")[:-1]] == list(argv)


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """True when a TCP socket listens on host:port (from /proc/net/tcp: no connection made)."""
    wanted = "{:08X}:{:04X}".format(int.from_bytes(socket.inet_aton(host), "little"), port)
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return True  # cannot tell: do not hold the workload back for it
    return any(
        fields[1] == wanted and fields[3] == "0A"  # 0A: TCP_LISTEN
        for fields in (line.split() for line in lines)
        if len(fields) > 3
    )


def describe(workload: Workload) -> str:
    """`audit-pod (pid 1234)` for reset's report."""
    pid = workload.proc.pid if workload.proc else None
    return f"{workload.spec.name}" + (f" (pid {pid})" if pid else "")


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`, from the parent pids in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found
