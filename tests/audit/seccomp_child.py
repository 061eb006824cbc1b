"""A test workload: load a seccomp filter with pyseccomp, then make some syscalls.

Usage: python seccomp_child.py [--log-flag] [--wait] RULE... -- CALL...
RULE is ACTION:syscall (ACTION: LOG, KILL_PROCESS, KILL, ERRNO, DEFAULT_LOG); CALL is syscall:N.
With --wait it first reads a line from stdin, so a test can start watching its pid.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable

import pyseccomp

CALLS = {
    "getppid": lambda: os.getppid(),
    "getsid": lambda: os.getsid(0),
    "getpgid": lambda: os.getpgid(0),
    "mkdir": lambda: _quiet(os.mkdir, "/nonexistent-seclab-dir/x"),
}


def _quiet(fn: Callable[..., object], *args: object) -> None:
    # EPERM from ERRNO, or ENOENT when allowed: either way the syscall was made.
    with contextlib.suppress(OSError):
        fn(*args)


def main(argv: list[str]) -> int:
    log_flag = "--log-flag" in argv
    if "--wait" in argv:
        sys.stdin.readline()  # the test starts watching this pid, then lets us go
    argv = [a for a in argv if a not in ("--log-flag", "--wait")]
    split = argv.index("--")
    rules, calls = argv[:split], argv[split + 1 :]
    default = pyseccomp.LOG if "DEFAULT_LOG" in rules else pyseccomp.ALLOW
    flt = pyseccomp.SyscallFilter(default)
    if log_flag:
        flt.set_attr(pyseccomp.Attr.CTL_LOG, 1)
    for rule in rules:
        if rule == "DEFAULT_LOG":
            continue
        action, name = rule.split(":")
        value = pyseccomp.ERRNO(errno.EPERM) if action == "ERRNO" else getattr(pyseccomp, action)
        flt.add_rule(value, name)
    flt.load()
    for call in calls:
        name, count = call.split(":")
        fn = CALLS[name]
        for _ in range(int(count)):
            fn()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
