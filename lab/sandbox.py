"""Run a command under a seccomp profile on this kernel (the local `docker run --security-opt`).

`start_sandboxed` spawns `lab.launcher` with plain `subprocess` (no pre-exec hook: callers may be
threaded); the launcher loads the filter and execs the command, so the returned process's pid
is the command's. After it ends, `outcome()` says how: exit status, signal, or an `execve` the
profile denied.
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lab.launcher import (
    EXEC_FAILED,
    EXIT_CANNOT_RUN,
    FILTER_HEADER,
    NEW,
    PAGE_SIZE,
    READY,
    SETUP_FAILED,
    read_status,
)
from lab.profile.compile import (
    CompiledProfile,
    compile_profile,
    export_program,
    kernel_flags,
    seccomp_syscall_number,
)
from lab.profile.model import Profile

_ROOT = str(Path(__file__).resolve().parent.parent)
# -E: the command's PYTHON* variables must not change the launcher; -P and the bootstrap put this
# package's root first on sys.path, never the working directory. (Not -I: that would also drop
# the user site-packages, where a `pip install --user` keeps pyseccomp.)
# The launcher starts with SIGINT blocked (see start_sandboxed), puts back the disposition it
# inherited in place of Python's KeyboardInterrupt handler, then unblocks: a Ctrl-C during its
# start-up ends it as it would end the command, instead of printing a traceback.
_BOOT = (
    "import signal as s; s.getsignal(2) is s.default_int_handler and s.signal(2, s.SIG_DFL); "
    "s.pthread_sigmask(s.SIG_UNBLOCK, [2]); "
    "import sys; sys.path.insert(0, sys.argv[1]); from lab.launcher import main; main(sys.argv[2:])"
)
File = int | IO[Any] | None


@dataclass(frozen=True)
class RunAs:
    """A user to run the command as, instead of root."""

    uid: int
    gid: int
    groups: tuple[int, ...]
    name: str

    def launcher_arg(self) -> str:
        """`UID:GID:G1,G2` for the launcher's --user."""
        return f"{self.uid}:{self.gid}:{','.join(str(g) for g in self.groups)}"


def invoking_user() -> RunAs | None:
    """The user who ran `sudo seclab …` (SUDO_UID, SUDO_GID, their groups), or None when seclab
    is not root through sudo (then commands run as whoever runs seclab)."""
    uid_text, gid_text = os.environ.get("SUDO_UID", ""), os.environ.get("SUDO_GID", "")
    if os.geteuid() != 0 or not uid_text.isdigit() or not gid_text.isdigit():
        return None
    uid, gid = int(uid_text), int(gid_text)
    if uid == 0:
        return None  # root ran sudo: root it stays
    name = os.environ.get("SUDO_USER", "")
    try:
        entry = pwd.getpwuid(uid)
        name = entry.pw_name
        groups = tuple(sorted(set(os.getgrouplist(name, gid))))
    except (KeyError, OSError):
        groups = (gid,)  # a uid without an entry: its primary group only
    return RunAs(uid, gid, groups, name or str(uid))


@dataclass(frozen=True)
class SandboxOutcome:
    """How a sandboxed command ended; `exit_code` follows the shell (128+signal when killed)."""

    exit_code: int
    signal: int | None = None
    exec_errno: int | None = None  # execve failed after the filter was loaded
    launch_error: str | None = None  # the launcher failed before loading (not found, bad profile)
    profile_denies_execve: bool = False

    def message(self) -> str | None:
        """What to tell the learner on stderr, or None when the command simply exited."""
        if self.launch_error:
            return self.launch_error
        if self.exec_errno is not None:
            reason = os.strerror(self.exec_errno)
            if self.profile_denies_execve:
                text = (
                    f"the profile denies execve: the command could not start ({reason}). "
                    "This is why violation-pod never starts: the runtime loads the filter, "
                    "then execs the container's process."
                )
            else:
                text = f"execve failed after the filter was loaded ({reason})."
            if self.signal:
                text += " The launcher could not even exit cleanly (exit_group is denied too)."
            return text
        if self.signal == signal.SIGSYS:
            return "killed by SIGSYS (seccomp)"
        if self.signal == signal.SIGPIPE:
            return None  # its reader left (`| head`): shells say nothing about that either
        if self.signal:
            return f"killed by {_signal_name(self.signal)}"
        return None


@dataclass(frozen=True)
class SandboxResult(SandboxOutcome):
    """A finished `run_sandboxed` call with the command's pid and output."""

    pid: int = 0
    stdout: str = ""
    stderr: str = ""


class StatusPage:
    """The memfd the launcher reports through; closed once read, or when dropped."""

    def __init__(self) -> None:
        self.fd = _memfd("seclab-status", bytes(PAGE_SIZE))
        self._close = weakref.finalize(self, os.close, self.fd)
        # Not at interpreter exit: a target's watcher thread may still be waiting to read the
        # page then (closing it under the thread gave an EBADF traceback); the OS closes it.
        self._close.atexit = False
        self._status: tuple[int, int, str] | None = None
        self._lock = threading.Lock()  # a target's watcher thread and its caller may both ask

    def read(self) -> tuple[int, int, str]:
        """(state, errno, message), read once after the launcher has ended."""
        with self._lock:
            if self._status is None:
                self._status = read_status(self.fd)
                self.close()
            return self._status

    def close(self) -> None:
        self._close()


class SandboxedProcess(subprocess.Popen):
    """A `Popen` of the launcher (its pid becomes the command's) that can explain its end."""

    status_page: StatusPage | None = None
    profile_denies_execve: bool = False

    def outcome(self) -> SandboxOutcome:
        """Wait for the process, then read the launcher's status page."""
        code = self.wait()
        state, err, text = self.status_page.read() if self.status_page else (READY, 0, "")
        sig = -code if code < 0 else None
        shell_code = 128 + sig if sig else code
        if state == SETUP_FAILED:
            return SandboxOutcome(shell_code, sig, launch_error=text)
        if state == EXEC_FAILED:
            return SandboxOutcome(EXIT_CANNOT_RUN, sig, err, None, self.profile_denies_execve)
        if state == NEW:
            how = f"killed by {_signal_name(sig)}" if sig else f"status {code}"
            stopped = f"the launcher stopped before it could start the command ({how})"
            return SandboxOutcome(shell_code, sig, launch_error=stopped)
        return SandboxOutcome(shell_code, sig)


def start_sandboxed(
    profile: Profile | None,
    argv: Sequence[str],
    *,
    stdin: File = subprocess.DEVNULL,
    stdout: File = None,
    stderr: File = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    text: bool = False,
    new_group: bool = False,
    compiled: CompiledProfile | None = None,
    run_as: RunAs | None = None,
) -> SandboxedProcess:
    """Start `argv` under `profile` (None: Unconfined), or its `compiled` form when given;
    as the user `run_as` when given (the launcher switches before loading the filter)."""
    if not argv:
        raise ValueError("no command to run")
    filter_fd = None
    if profile is not None:
        # The one compilation, in the caller's process: what cannot load is refused here, and
        # the launcher loads the very program libseccomp generated for it.
        compiled = compiled or compile_profile(profile)
        header = FILTER_HEADER.pack(kernel_flags(compiled), seccomp_syscall_number())
        filter_fd = _memfd("seclab-filter", header + export_program(compiled))
    page = StatusPage()
    launcher = [sys.executable, "-E", "-P", "-c", _BOOT, _ROOT, "--status-fd", str(page.fd)]
    launcher += ["--filter-fd", "none" if filter_fd is None else str(filter_fd)]
    if run_as is not None:
        launcher += ["--user", run_as.launcher_arg()]
    launcher += ["--", *argv]
    fds = (page.fd,) if filter_fd is None else (page.fd, filter_fd)
    # The child inherits this thread's signal mask; _BOOT unblocks SIGINT once it is safe.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
    try:
        proc = SandboxedProcess(
            launcher,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            pass_fds=fds,
            text=text,
            # A group of its own: os.killpg(proc.pid, …) reaches a shell's `&` children too.
            process_group=0 if new_group else None,
        )
    except BaseException:
        page.close()
        raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if filter_fd is not None:
            os.close(filter_fd)
    proc.status_page = page
    proc.profile_denies_execve = profile is not None and denies_execve(profile)
    return proc


def run_sandboxed(
    profile: Profile | None,
    argv: Sequence[str],
    *,
    timeout: float = 60,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> SandboxResult:
    """Run to completion, capturing text output; on timeout kill it and raise TimeoutExpired."""
    proc = start_sandboxed(
        profile, argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:  # a timeout, Ctrl-C or SIGTERM: the command must not outlive us
        proc.kill()
        proc.communicate()
        proc.outcome()
        raise
    done = proc.outcome()
    return SandboxResult(**vars(done), pid=proc.pid, stdout=out, stderr=err)


def denies_execve(profile: Profile) -> bool:
    """True when an unconditional rule, or else the default, makes execve fail with an errno."""
    for rule in profile.syscalls:
        if "execve" in rule.names and not rule.args:
            return rule.action in ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")
    return profile.default_action in ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:  # real-time signals have no names of their own
        return f"signal {number}"


def _memfd(name: str, data: bytes) -> int:
    # Close-on-exec here: only the launcher gets it (pass_fds), not commands other threads start.
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
