"""A small threaded program for the exercises on argument filters and on kill scope.

`python -m lab.workloads.threads userns`: asks for a new user namespace three ways (unshare,
clone, clone3) while it has one thread, then starts four threads; prints what the kernel said.
`python -m lab.workloads.threads kill-scope`: a worker thread calls mkdir while the main thread
waits for it; under KILL_THREAD only the worker dies and the program limps on.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import tempfile
import threading

CLONE_NEWUSER = 0x10000000
# x86_64 and aarch64 numbers (the only architectures the lab's local target runs on)
_SYSCALLS = {"x86_64": {"clone": 56, "clone3": 435}, "aarch64": {"clone": 220, "clone3": 435}}


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _said(result: int) -> str:
    if result == -1:
        err = ctypes.get_errno()
        return f"refused ({os.strerror(err)})"
    return "allowed"


def _child_or(result: int) -> int:
    """In a child made by a raw clone, leave at once; in the parent, reap it."""
    if result == 0:
        os._exit(0)
    if result > 0:
        os.waitpid(result, 0)
    return result


def userns() -> int:
    libc = _libc()
    numbers = _SYSCALLS.get(os.uname().machine, _SYSCALLS["x86_64"])
    # Single-threaded still: the kernel refuses CLONE_NEWUSER to a threaded process (EINVAL).
    # unshare last: once in a namespace without an id map, no nested one would be allowed.
    flags = ctypes.c_ulong(CLONE_NEWUSER | signal.SIGCHLD)
    got = _child_or(libc.syscall(numbers["clone"], flags, None, None, None, None))
    print(f"clone(CLONE_NEWUSER): {_said(got)}", flush=True)
    args = (ctypes.c_uint64 * 11)()  # struct clone_args: flags … exit_signal is the 5th field
    args[0], args[4] = CLONE_NEWUSER, signal.SIGCHLD
    got = _child_or(libc.syscall(numbers["clone3"], ctypes.byref(args), ctypes.c_size_t(88)))
    print(f"clone3(CLONE_NEWUSER): {_said(got)}", flush=True)
    print(f"unshare(CLONE_NEWUSER): {_said(libc.unshare(CLONE_NEWUSER))}", flush=True)
    started = 0
    for n in range(4):
        worker = threading.Thread(target=lambda: None, name=f"worker-{n}")
        try:
            worker.start()
        except RuntimeError as exc:
            print(f"thread {n}: cannot start ({exc})", flush=True)
            continue
        worker.join()
        started += 1
    print(f"threads: {started} of 4 started", flush=True)
    return 0 if started == 4 else 1


def kill_scope() -> int:
    target = os.path.join(tempfile.gettempdir(), f"seclab-kill-scope-{os.getpid()}")
    done = threading.Event()

    def work() -> None:
        os.mkdir(target)
        os.rmdir(target)
        done.set()

    # A daemon thread: a killed worker must not keep the interpreter from leaving.
    threading.Thread(target=work, name="worker", daemon=True).start()
    if done.wait(3):
        print("worker: mkdir allowed; nothing was killed", flush=True)
        return 0
    print("main: the worker thread vanished; the process goes on without it", flush=True)
    os._exit(3)  # the dead worker's interpreter state is gone: leave without finalizing


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    modes = {"userns": userns, "kill-scope": kill_scope}
    if len(args) != 1 or args[0] not in modes:
        sys.exit(f"usage: python -m lab.workloads.threads {{{'|'.join(modes)}}}")
    sys.exit(modes[args[0]]())


if __name__ == "__main__":
    main()
