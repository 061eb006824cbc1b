"""The launcher: a fresh process that loads a seccomp filter and execs the command, as runc does.

`lab.sandbox` starts it; it reads the BPF program the parent compiled from one inherited memfd
(the profile is compiled once, in the parent) and reports through a shared page in another.
Once the filter is loaded the profile may deny every syscall, including `write` and
`exit_group`, so a failed `execve` is reported by a plain store into that page.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import shutil
import signal
import struct
import sys

# Status page layout: state, errno, message length, then the UTF-8 message.
HEADER = struct.Struct("<IiI")
# Filter memfd layout: seccomp(2) flags, the seccomp syscall's number, then the BPF program.
FILTER_HEADER = struct.Struct("<Ii")
PAGE_SIZE = 4096
NEW, SETUP_FAILED, READY, EXEC_FAILED = 0, 1, 2, 3
# Shell conventions: 125 our own failure, 126 found but cannot run, 127 not found.
EXIT_SETUP, EXIT_CANNOT_RUN, EXIT_NOT_FOUND = 125, 126, 127
_PR_SET_DUMPABLE, _PR_SET_NO_NEW_PRIVS, _SECCOMP_SET_MODE_FILTER = 4, 38, 1
_BPF_MAXINSNS = 4096  # the kernel's limit on one filter program


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


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


def _read_filter(fd: int) -> tuple[int, int, bytes]:
    with os.fdopen(fd, "rb") as handle:
        data = handle.read()
    flags, number = FILTER_HEADER.unpack_from(data)
    return flags, number, data[FILTER_HEADER.size :]


def _load(flags: int, number: int, code: bytes) -> tuple[int, object]:
    """Load the program as libseccomp's seccomp_load does; (errno or 0, memory to keep)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    program = ctypes.create_string_buffer(code, len(code))
    fprog = _SockFprog(len(code) // 8, ctypes.cast(program, ctypes.c_void_p))
    # The program's memory stays referenced until the exec: freeing it could make a syscall.
    keep = (program, fprog)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:  # as libseccomp does by default
        return ctypes.get_errno(), keep
    args = (ctypes.c_long(number), ctypes.c_long(_SECCOMP_SET_MODE_FILTER), ctypes.c_long(flags))
    if libc.syscall(*args, ctypes.byref(fprog)) != 0:
        return ctypes.get_errno(), keep
    return 0, keep


def _refused(err: int, instructions: int) -> str:
    text = f"the kernel refused the filter: {os.strerror(err)}"
    if err == errno.EINVAL and instructions > _BPF_MAXINSNS:
        text += (
            f" (libseccomp made a program of {instructions} instructions; the kernel takes at "
            f"most {_BPF_MAXINSNS}: fewer argument rules make it shorter)"
        )
    return text


def _fail(page: mmap.mmap, message: str) -> None:
    # surrogateescape: a command name that is not UTF-8 arrives as lone surrogates.
    raw = message.encode("utf-8", "surrogateescape")[: PAGE_SIZE - HEADER.size]
    page[HEADER.size : HEADER.size + len(raw)] = raw
    HEADER.pack_into(page, 0, SETUP_FAILED, 0, len(raw))


def become(spec: str) -> None:
    """Run on as `UID:GID:G1,G2,…` (the user who ran sudo): groups first, then gid, then uid.

    Done here, before the filter and the exec, so the command gets none of seclab's root
    privileges or capabilities, while the launcher could still read seclab's own files.
    """
    uid_text, gid_text, groups_text = spec.split(":")
    uid, gid = int(uid_text), int(gid_text)
    try:
        os.setgroups([int(g) for g in groups_text.split(",") if g])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        raise LaunchError(f"cannot switch to uid {uid}, gid {gid}: {exc.strerror}") from None
    if os.geteuid() != uid or os.getegid() != gid:
        raise LaunchError(f"still uid {os.geteuid()} after switching to uid {uid}")


def main(args: list[str]) -> None:
    """`--status-fd N --filter-fd N|none [--user UID:GID:GROUPS] -- CMD ARGS…`: load the filter
    and exec CMD (as that user, when given)."""
    split = args.index("--")
    options = dict(zip(args[:split:2], args[1:split:2], strict=True))
    status_fd, filter_fd = int(options["--status-fd"]), options["--filter-fd"]
    argv = args[split + 1 :]
    page = mmap.mmap(status_fd, PAGE_SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    os.close(status_fd)
    try:
        seccomp_filter = None if filter_fd == "none" else _read_filter(int(filter_fd))
        if "--user" in options:
            become(options["--user"])
        path = resolve_executable(argv[0])  # as the user who will run it
    except (LaunchError, OSError, ValueError, struct.error) as exc:
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
        err, _keep = _load(*seccomp_filter)
        if err:
            _fail(page, _refused(err, len(seccomp_filter[2]) // 8))
            sys.exit(EXIT_SETUP)
    # From here on every syscall is filtered: nothing but execve until the command runs.
    try:
        os.execv(path_bytes, argv_bytes)
    except OSError as exc:
        HEADER.pack_into(page, 0, EXEC_FAILED, exc.errno or 0, 0)
    os._exit(EXIT_CANNOT_RUN)


if __name__ == "__main__":
    main(sys.argv[1:])
