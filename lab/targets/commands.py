"""One way to run external tools (kind, kubectl, docker): argv lists, timeouts, typed errors.

Every call goes through a `Runner`, so the kind target can be tested against recorded transcripts
(`tests/fixtures/kind/`) by passing a runner that replays them instead of running anything.
"""

from __future__ import annotations

import os
import selectors
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from lab.targets.base import CommandEvent
from lab.targets.held_signals import held_signals


@dataclass(frozen=True)
class Completed:
    """A finished command: its argv, exit status and output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class CommandError(Exception):
    """A command failed (non-zero exit), timed out, was cancelled, or is not installed."""

    def __init__(
        self,
        argv: Sequence[str],
        message: str,
        *,
        returncode: int | None = None,
        stdout: str = "",
        stderr: str = "",
        missing: bool = False,
    ) -> None:
        super().__init__(message)
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.missing = missing  # the tool itself was not found: nothing ran

    def __str__(self) -> str:
        text = f"{shlex.join(self.argv)}: {self.args[0]}"
        detail = self.stderr.strip() or self.stdout.strip()
        if detail:
            text += "\n" + "\n".join(detail.splitlines()[-15:])
        return text


class Runner(Protocol):
    """Runs one command to completion (or raises CommandError)."""

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Completed: ...


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill the command and its children (kind runs docker): a child left holding the output
    pipes would keep `communicate()` waiting after the timeout."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session, so its own process group
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _start(
    argv: tuple[str, ...],
    input: str | None,
    env: Mapping[str, str] | None,
    *,
    merged: bool = False,
) -> subprocess.Popen[str]:
    """Popen, with a missing or unrunnable tool as a CommandError."""
    try:
        return subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merged else subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
            # Its own process group: Ctrl-C in a terminal reaches us, and we decide how the
            # child ends, rather than the child dying half-way through writing state.
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        message = f"{argv[0]} is not installed or not on PATH"
        raise CommandError(argv, message, missing=True) from exc
    except OSError as exc:
        # EACCES also comes from a folder on PATH this user cannot search (a PATH kept from
        # root by `sudo -E`, say) when the tool is nowhere else: then it is simply missing.
        if "/" not in argv[0] and shutil.which(argv[0]) is None:
            message = (f"{argv[0]} is not installed or not on PATH (some PATH folders "
                       "are not readable by this user)")  # fmt: skip
            raise CommandError(argv, message, missing=True) from exc
        raise CommandError(argv, f"cannot run {argv[0]}: {exc.strerror}") from exc


# Where each tool the lab runs is installed from, for the learner who does not have it.
INSTALL = {
    "kind": "https://kind.sigs.k8s.io/docs/user/quick-start/#installation",
    "kubectl": "https://kubernetes.io/docs/tasks/tools/",
    "docker": "https://docs.docker.com/engine/install/",
}


def not_installed(tool: str) -> str:
    """`kubectl is not installed (or not on PATH): see <where to get it>`."""
    where = INSTALL.get(tool)
    return f"{tool} is not installed (or not on PATH)" + (f": see {where}" if where else "")


@dataclass
class SubprocessRunner:
    """The real runner. Keeps the live Popen handles so `cancel()` can kill them from any thread."""

    on_command: Callable[[CommandEvent], None] | None = None
    _live: set[subprocess.Popen[str]] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancelled: bool = False

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        argv = tuple(argv)
        if self.on_command:
            self.on_command(CommandEvent(argv))
        proc = None
        try:
            # A SystemExit (SIGTERM, SIGHUP) or Ctrl-C between fork and registration would leave
            # a child in its own session that nothing kills: the signals wait until it is known.
            with held_signals():
                proc = _start(argv, input, env)
                with self._lock:
                    self._live.add(proc)
            try:
                stdout, stderr = proc.communicate(input, timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                stdout, stderr = proc.communicate()
                raise CommandError(
                    argv, f"timed out after {timeout:g} s", stdout=stdout, stderr=stderr
                ) from None
        finally:
            if proc is not None:
                with held_signals():  # a second signal must not cut the cleanup short
                    if proc.returncode is None:  # interrupted: the command must not outlive us
                        _kill_group(proc)
                        proc.wait()
                    with self._lock:
                        self._live.discard(proc)
        done = Completed(argv, proc.returncode, stdout, stderr)
        if self.on_command:
            self.on_command(CommandEvent(argv, proc.returncode, stdout, stderr))
        if self._cancelled and proc.returncode < 0:
            raise CommandError(
                argv, "cancelled", returncode=proc.returncode, stdout=stdout, stderr=stderr
            )
        if check and proc.returncode != 0:
            raise CommandError(
                argv,
                f"exit status {proc.returncode}",
                returncode=proc.returncode,
                stdout=stdout,
                stderr=stderr,
            )
        return done

    def stream(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        on_line: Callable[[str], None] | None = None,
    ) -> Completed:
        """Run a long command, handing each line of its output to `on_line` as it comes.

        For `kind create cluster`, whose progress (on stderr) is the only sign of life for
        minutes. stdout and stderr are merged into `stdout`, in the order the tool wrote them.
        Raises CommandError like `__call__` with check=True.
        """
        argv = tuple(argv)
        if self.on_command:
            self.on_command(CommandEvent(argv))
        proc = None
        lines: list[str] = []
        try:
            with held_signals():
                proc = _start(argv, None, None, merged=True)
                with self._lock:
                    self._live.add(proc)
            assert proc.stdout is not None
            deadline = time.monotonic() + timeout
            pending = b""
            fd = proc.stdout.fileno()
            with selectors.DefaultSelector() as sel:
                sel.register(fd, selectors.EVENT_READ)
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        _kill_group(proc)
                        proc.wait()
                        raise CommandError(
                            argv, f"timed out after {timeout:g} s", stdout="".join(lines)
                        )
                    if not sel.select(min(left, 1.0)):
                        continue
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    pending += chunk
                    *done_lines, pending = pending.split(b"\n")
                    for raw in done_lines:
                        line = raw.decode(errors="replace")
                        lines.append(line + "\n")
                        if on_line:
                            on_line(line)
            if pending:
                line = pending.decode(errors="replace")
                lines.append(line)
                if on_line:
                    on_line(line)
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 1))
            except subprocess.TimeoutExpired:  # closed its output but lingers
                raise CommandError(
                    argv, f"timed out after {timeout:g} s", stdout="".join(lines)
                ) from None
        finally:
            if proc is not None:
                with held_signals():
                    if proc.returncode is None:
                        _kill_group(proc)
                        proc.wait()
                    if proc.stdout:
                        proc.stdout.close()
                    with self._lock:
                        self._live.discard(proc)
        output = "".join(lines)
        if self.on_command:
            self.on_command(CommandEvent(argv, proc.returncode, output, ""))
        if self._cancelled and proc.returncode < 0:
            raise CommandError(argv, "cancelled", returncode=proc.returncode, stdout=output)
        if proc.returncode != 0:
            raise CommandError(
                argv, f"exit status {proc.returncode}", returncode=proc.returncode, stdout=output
            )
        return Completed(argv, proc.returncode, output, "")

    def cancel(self) -> None:
        """Kill every command in flight; later calls run normally again."""
        with self._lock:
            live = list(self._live)
            self._cancelled = bool(live)
        for proc in live:
            _kill_group(proc)
