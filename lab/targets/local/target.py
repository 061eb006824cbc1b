"""The local target: workloads are processes on this kernel, each under its profile's filter.

`lab.sandbox` loads the filter just before exec, as runc does. A long-running workload that
fails is restarted a few times, like a pod, so a violation crash-loops; everything started is
recorded (for `seclab reset`) and stopped when the interpreter exits, Ctrl-C included.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lab.targets.base import (
    CommandEvent,
    ExecResult,
    HttpResponse,
    Phase,
    Target,
    TargetError,
    WorkloadSpec,
    WorkloadState,
)
from lab.targets.held_signals import held_signals
from lab.targets.http_get import http_get
from lab.targets.local import state as local_state
from lab.targets.local.procs import Workload, describe
from lab.targets.local.spec import (
    LocalPlan,
    ProfileUnusable,
    busybox_applets,
    echo_env,
    find_busybox,
    intended,
    plan,
)


@dataclass
class LocalTarget(Target):
    """Exercises on this machine's kernel, no daemon needed."""

    name: str = "local"
    restart_limit: int = 3
    restart_delay: float = 0.3
    _workloads: dict[str, Workload] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _logs: Path | None = field(default=None, repr=False)
    _one_shot: subprocess.Popen[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        atexit.register(self.close)

    def prepare(self) -> None:
        """Check seccomp filters work here; say so when busybox (for shell exercises) is missing."""
        if not Path("/proc/sys/kernel/seccomp/actions_avail").exists():
            raise TargetError(
                "this kernel does not offer seccomp filters (/proc/sys/kernel/seccomp missing)",
                hint="use a Linux kernel built with CONFIG_SECCOMP_FILTER (every distro kernel)",
            )
        try:
            find_busybox()
        except TargetError as exc:
            # The echo exercises still work; the shell ones will say the same when they run.
            self.note(f"{exc.message}; fix: {exc.hint}")

    def sync_profiles(self) -> None:
        """Nothing to copy: each start reads the profile from the profiles directory."""

    def _log_dir(self) -> Path:
        if self._logs is None:
            self._logs = Path(tempfile.mkdtemp(prefix="seclab-local-"))
        return self._logs

    def note(self, text: str) -> None:
        """Show the learner a remark next to the commands (no command is run)."""
        self.emit(CommandEvent((), exit_code=0, display=f"# {text}"))

    def _plan(self, spec: WorkloadSpec, port: int | None = None) -> LocalPlan:
        if spec.privileged:
            self.note("privileged: runs Unconfined, as a privileged container does (no seccomp)")
            spec = WorkloadSpec(spec.name, spec.workload, spec.profile.unconfined(), spec.args)
        local = plan(spec, self.profiles_dir, port)
        asked = spec.profile.file if spec.profile.kind == "localhost" else None
        if asked and local.profile_label not in (asked, str(self.profiles_dir / asked)):
            self.note(
                f"{asked} lists the Go http-echo's syscalls; the local echo is Python: "
                f"using {local.profile_label}"
            )
        if spec.profile.kind == "runtime-default":
            self.note(
                f"RuntimeDefault on the local target: {local.profile_label}, the lab's "
                "approximation of Docker's default profile"
            )
        return local

    def run(self, spec: WorkloadSpec) -> WorkloadState:
        """Start a long-running workload (restarted on failure) and return its first state."""
        self.delete(spec.name)
        log = self._log_dir() / f"{spec.name}.log"
        workload = Workload(spec, log, self.emit, self.restart_limit, self.restart_delay)
        with self._lock:
            self._workloads[spec.name] = workload
        try:
            workload.plan = self._plan(spec)
        except ProfileUnusable as exc:
            workload.fail(exc.reason, str(exc))
            return workload.state()
        from lab.profile.compile import CompileError

        env = echo_env() if spec.workload in ("http-echo", "threads") else None
        try:
            workload.start(env)
        except CompileError as exc:  # libseccomp refused a rule: the runtime would refuse too
            workload.fail("InvalidProfile", f"cannot enforce the profile: {exc}")
        return workload.state()

    def run_to_completion(self, spec: WorkloadSpec, timeout: float = 60) -> ExecResult:
        """Run a one-shot workload under its profile and wait for it."""
        try:
            local = self._plan(spec)
        except ProfileUnusable as exc:
            shown = intended(spec)
            self.emit(CommandEvent(("seclab", "exec"), 125, stderr=str(exc), display=shown))
            return ExecResult(125, stderr=f"seclab exec: {exc}", commands=(shown,))
        return self._sandboxed(local, local.display(), timeout)

    def _sandboxed(self, local: LocalPlan, display: str, timeout: float) -> ExecResult:
        from lab.profile.compile import CompileError
        from lab.sandbox import start_sandboxed

        argv = ("seclab", "exec", "--profile", local.profile_label, "--", *local.argv)
        self.emit(CommandEvent(argv, display=display))
        proc = None
        try:
            # A signal between the start and `_one_shot` would orphan the command: it waits.
            with held_signals():
                proc = start_sandboxed(
                    local.profile, local.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True,
                )  # fmt: skip
                local_state.record(proc.pid, "one-shot", list(local.argv))
                with self._lock:
                    self._one_shot = proc
            out, err = proc.communicate(timeout=timeout)
        except CompileError as exc:
            message = f"seclab exec: cannot enforce the profile: {exc}"
            self.emit(CommandEvent(argv, 125, stderr=message, display=display))
            return ExecResult(125, stderr=message, commands=(display,))
        except subprocess.TimeoutExpired:
            assert proc is not None
            proc.kill()
            proc.communicate()
            raise TargetError(f"`{display}` did not finish within {timeout:g} s") from None
        except BaseException:  # Ctrl-C or SIGTERM: the command must not outlive seclab
            if proc is not None:
                with held_signals():
                    proc.kill()
                    proc.communicate()
            raise
        finally:
            if proc is not None:
                with self._lock:
                    self._one_shot = None
                local_state.forget(proc.pid)
        outcome = proc.outcome()
        notice = outcome.message()
        if notice:
            err += f"seclab exec: {notice}\n"
        self.emit(CommandEvent(argv, outcome.exit_code, out, err, display=display))
        return ExecResult(
            outcome.exit_code, out, err, signal=outcome.signal, commands=(display,),
            pids=(proc.pid,),  # the launcher execs the command: one process, one pid
        )  # fmt: skip

    def request(self, name: str, path: str = "/", timeout: float = 10) -> HttpResponse:
        """GET the echo workload on its 127.0.0.1 port, as curl would."""
        workload = self._get(name)
        port = workload.plan.port if workload.plan else None
        if port is None:
            state = workload.state()
            return HttpResponse(None, error=f"{name} does not listen ({state.phase.value})")
        return http_get(self.emit, f"http://127.0.0.1:{port}{path}", timeout, workload.alive)

    def address(self, name: str) -> str | None:
        """127.0.0.1 and the free port the lab's echo server was given."""
        with self._lock:
            workload = self._workloads.get(name)
        port = workload.plan.port if workload is not None and workload.plan else None
        return f"127.0.0.1:{port}" if port else None

    def exec(self, name: str, argv: Sequence[str], timeout: float = 30) -> ExecResult:
        """Run a command as a new process under the workload's profile (no container to enter)."""
        workload = self._get(name)
        if workload.plan is None or not workload.alive():
            raise TargetError(f"{name} is not running, so nothing can be executed under it")
        argv = list(argv)
        if argv and "/" not in argv[0] and argv[0] in busybox_applets():
            argv = [find_busybox(), *argv]  # the same applets the docker busybox image has
        local = LocalPlan(workload.plan.profile, workload.plan.profile_label, tuple(argv))
        note = f"a new process under {name}'s profile: the local target has no container to enter"
        return self._sandboxed(local, local.display(note), timeout)

    def state(self, name: str) -> WorkloadState:
        """The workload's state now."""
        with self._lock:
            workload = self._workloads.get(name)
        return workload.state() if workload else WorkloadState(Phase.NOT_FOUND, reason="NotFound")

    def logs(self, name: str) -> str:
        """Everything the workload wrote to stdout and stderr, across restarts."""
        workload = self._get(name)
        return workload.log.read_text(errors="replace") if workload.log.exists() else ""

    def delete(self, name: str) -> None:
        """Stop the workload's process and forget it; nothing happens when there is none."""
        with self._lock:
            workload = self._workloads.pop(name, None)
        if workload is not None:
            workload.stop()

    def reset(self) -> list[str]:
        """Stop this target's workloads and every process the lab recorded, from any session."""
        with self._lock:
            names = sorted(self._workloads)
        done = [f"stopped workload {describe(self._workloads[n])}" for n in names]
        for name in names:
            self.delete(name)
        return done + local_state.kill_recorded()

    def cancel(self) -> None:
        """Kill the one-shot command in flight."""
        with self._lock:
            proc = self._one_shot
        if proc is not None:
            proc.kill()

    def close(self) -> None:
        """Stop everything this target started (run at interpreter exit too)."""
        with self._lock:
            workloads = list(self._workloads.values())
            self._workloads.clear()
        for workload in workloads:
            with contextlib.suppress(Exception):  # at exit: stop the rest regardless
                workload.stop(grace=0.5)
        self.cancel()
        if self._logs is not None:
            shutil.rmtree(self._logs, ignore_errors=True)
            self._logs = None

    def _get(self, name: str) -> Workload:
        with self._lock:
            workload = self._workloads.get(name)
        if workload is None:
            raise TargetError(f"no workload named {name} runs on the local target")
        return workload
