"""The launcher: a fresh process that loads a profile's filter and execs the command, as runc does.

`lab.sandbox` starts it; it reads the profile from one inherited memfd and reports through a
shared page in another. Once the filter is loaded the profile may deny every syscall, including
`write` and `exit_group`, so a failed `execve` is reported by a plain store into that page.
"""

from __future__ import annotations

import ctypes
import json
import mmap
import os
import shutil
import signal
import struct
import sys

import pyseccomp

from lab.profile.compile import CompileError, compile_profile
from lab.profile.model import Profile

# Status page layout: state, errno, message length, then the UTF-8 message.
HEADER = struct.Struct("<IiI")
PAGE_SIZE = 4096
NEW, SETUP_FAILED, READY, EXEC_FAILED = 0, 1, 2, 3
# Shell conventions: 125 our own failure, 126 found but cannot run, 127 not found.
EXIT_SETUP, EXIT_CANNOT_RUN, EXIT_NOT_FOUND = 125, 126, 127
_PR_SET_DUMPABLE = 4


class LaunchError(Exception):
    """A failure before the filter was loaded; `code` is the launcher's exit status."""

    def __init__(self, message: str, code: int = EXIT_SETUP) -> None:
        super().__init__(message)
        self.code = code


def read_status(fd: int) -> tuple[int, int, str]:
    """(state, errno, message) from a status page, read by the parent after the launcher ends."""
    data = os.pread(fd, PAGE_SIZE, 0).ljust(PAGE_SIZE, b"\0")
    state, err, length = HEADER.unpack_from(data)
    text = data[HEADER.size : HEADER.size + min(length, PAGE_SIZE - HEADER.size)]
    return state, err, text.decode("utf-8", "replace")


def resolve_executable(name: str) -> str:
    """The path execve will get, found with PATH now, while reporting a failure is still easy."""
    path = name if "/" in name else shutil.which(name, mode=os.F_OK)
    try:
        if path is not None:
            os.stat(path)
    except PermissionError:
        raise LaunchError(f"{name}: permission denied", EXIT_CANNOT_RUN) from None
    except OSError:
        path = None
    if path is None:
        raise LaunchError(f"{name}: command not found", EXIT_NOT_FOUND)
    if os.path.isdir(path) or not os.access(path, os.X_OK):
        raise LaunchError(f"{path}: permission denied (not an executable file)", EXIT_CANNOT_RUN)
    return path


def _compile(profile_fd: int) -> pyseccomp.SyscallFilter:
    with os.fdopen(profile_fd, "rb") as handle:
        data = json.loads(handle.read())
    try:
        return compile_profile(Profile.from_dict(data)).filter
    except CompileError as exc:
        raise LaunchError(str(exc)) from None


def _fail(page: mmap.mmap, message: str) -> None:
    # surrogateescape: a command name that is not UTF-8 arrives as lone surrogates.
    raw = message.encode("utf-8", "surrogateescape")[: PAGE_SIZE - HEADER.size]
    page[HEADER.size : HEADER.size + len(raw)] = raw
    HEADER.pack_into(page, 0, SETUP_FAILED, 0, len(raw))


def main(args: list[str]) -> None:
    """`--status-fd N --profile-fd N|none -- CMD ARGS…`: load the filter and exec CMD."""
    status_fd, profile_fd, argv = int(args[1]), args[3], args[5:]
    page = mmap.mmap(status_fd, PAGE_SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    os.close(status_fd)
    try:
        path = resolve_executable(argv[0])
        seccomp_filter = None if profile_fd == "none" else _compile(int(profile_fd))
    except (LaunchError, OSError, ValueError) as exc:
        _fail(page, str(exc))
        sys.exit(getattr(exc, "code", EXIT_SETUP))
    # Python ignores SIGPIPE and SIGXFSZ; an exec keeps ignored signals ignored. Restore them.
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    argv_bytes = [os.fsencode(a) for a in argv]
    path_bytes = os.fsencode(path)
    HEADER.pack_into(page, 0, READY, 0, 0)
    if seccomp_filter is not None:
        # If the filter denies exit_group, glibc's _exit ends in a faulting instruction: no core
        # file for that. execve makes the command dumpable again.
        ctypes.CDLL(None).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        try:
            seccomp_filter.load()
        except OSError as exc:
            _fail(page, f"the kernel refused the filter: {exc.strerror}")
            sys.exit(EXIT_SETUP)
    # From here on every syscall is filtered: nothing but execve until the command runs.
    try:
        os.execv(path_bytes, argv_bytes)
    except OSError as exc:
        HEADER.pack_into(page, 0, EXEC_FAILED, exc.errno or 0, 0)
    os._exit(EXIT_CANNOT_RUN)


if __name__ == "__main__":
    main(sys.argv[1:])
