"""Turn a parsed seccomp record into words: syscall name for its own arch, action, signal."""

from __future__ import annotations

import dataclasses
import textwrap
import time
from functools import lru_cache

from lab.audit.records import AuditEvent, parse_with, signal_name
from lab.profile.syscalls import AUDIT_ARCH_TO_NAME, short_arch_name
from lab.profile.syscalls import syscall_name as _resolve

# The record's code= holds SECCOMP_RET_ACTION_FULL only: the errno or trace data is cut off.
ACTION_MASK = 0xFFFF0000
ACTIONS: dict[int, str] = {
    0x80000000: "kill_process",
    0x00000000: "kill_thread",
    0x00030000: "trap",
    0x00050000: "errno",
    0x7FC00000: "user_notif",
    0x7FF00000: "trace",
    0x7FFC0000: "log",
    0x7FFF0000: "allow",
}
# What each action did, in a few words for the one-line view.
OUTCOMES: dict[str, str] = {
    "kill_process": "process killed",
    "kill_thread": "thread killed",
    "trap": "call trapped",
    "errno": "call failed with an errno",
    "user_notif": "handed to a supervisor",
    "trace": "handed to a tracer",
    "log": "allowed and logged",
    "allow": "allowed",
    "unknown": "action not recognised",
}


def action_for_code(code: int) -> str:
    """`log` for 0x7ffc0000, and so on; `unknown` for a code no kernel writes."""
    if code & ~ACTION_MASK and not code & ACTION_MASK:
        return "unknown"  # low bits without action bits: a cut-off hex number, not KILL_THREAD
    return ACTIONS.get(code & ACTION_MASK, "unknown")


# Bounded because garbage lines may carry any number; real tables are a few hundred per arch.
@lru_cache(maxsize=8192)
def _name(arch: int, number: int) -> str | None:
    return _resolve(arch, number)


@lru_cache(maxsize=8192)
def _namer(arch: int, number: int, code: int) -> tuple[str | None, str]:
    return _name(arch, number), action_for_code(code)


def decode_line(line: str) -> AuditEvent | None:
    """Parse and decode one line in a single pass (the fast path for streams)."""
    return parse_with(line, _namer)


def decode(event: AuditEvent) -> AuditEvent:
    """The same event with `syscall_name` and `action` filled in."""
    name, action = _namer(event.arch, event.syscall, event.code)
    if name == event.syscall_name and action == event.action:
        return event
    return dataclasses.replace(event, syscall_name=name, action=action)


def syscall_label(event: AuditEvent) -> str:
    """`getsockname`, or `syscall 123 (arch 0x…)` when the name is unknown for that arch."""
    name = event.syscall_name or _name(event.arch, event.syscall)
    return name or f"syscall {event.syscall} (arch 0x{event.arch:08x})"


def format_time(seconds: float) -> str:
    """The record's time in UTC, to the millisecond, as the kernel stamped it."""
    try:
        whole = int(seconds)
        millis = int(round((seconds - whole) * 1000))
    except (OverflowError, ValueError):
        return f"time {seconds:.3f} (out of range)"
    if millis == 1000:
        whole, millis = whole + 1, 0
    stamp = _second(whole)
    if stamp is None:
        # A pasted or hand-edited line may carry any number; show it rather than crash.
        return f"time {seconds:.3f} (out of range)"
    return f"{stamp}.{millis:03d}Z"


# Records come in bursts within a second: format each second once (a log of 100,000 records
# spent a third of its time in strftime).
@lru_cache(maxsize=1024)
def _second(whole: int) -> str | None:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(whole))
    except (OverflowError, OSError, ValueError):
        return None


def printable(text: str) -> str:
    """`text` with control characters escaped (\\x1b), so a process name cannot drive the terminal.

    The kernel hex-encodes a comm or exe holding such bytes; decoding the hex brings them back.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _who(event: AuditEvent) -> str:
    who = f"pid {event.pid}"
    if event.comm:
        who += f" {printable(event.comm)}"
    if event.exe and event.exe != event.comm:
        who += f" ({printable(event.exe)})"
    if event.uid is not None:
        who += f" uid {event.uid}"
    if event.container_name or event.container_id:
        who += f" in {printable(event.container_name or (event.container_id or '')[:12])}"
    if event.pod:
        who += f" pod {printable((event.namespace + '/' if event.namespace else '') + event.pod)}"
    return who


def describe(event: AuditEvent) -> str:
    """One human line: time, serial, process, arch, syscall number and name, action, signal."""
    what = _what(event.arch, event.syscall, event.syscall_name, event.action, event.code,
                 event.signal)  # fmt: skip
    return f"{format_time(event.time)} serial {event.serial}  {_who(event)}  {what}"


@lru_cache(maxsize=8192)
def _what(
    arch: int, number: int, syscall_name: str | None, action: str, code: int, signal_number: int
) -> str:
    """`x86_64 #51 getsockname  LOG (allowed and logged)`: the same for every record of a kind."""
    if action == "unknown":
        action = action_for_code(code)
    name = syscall_name or _name(arch, number)
    arch_name = short_arch_name(arch)
    if name:
        syscall = f"{arch_name} #{number} {name}"
    elif arch in AUDIT_ARCH_TO_NAME:
        syscall = f"syscall {number} ({arch_name}: no such number)"
    else:
        syscall = f"syscall {number} (arch 0x{arch:08x})"
    signal = f", {signal_name(signal_number)}" if signal_number else ""
    return f"{syscall}  {action.upper()} ({OUTCOMES[action]}{signal})"


# What a handful of syscalls learners meet in the lessons do; anything else points at man 2.
GLOSSARY: dict[str, str] = {
    "read": "reads bytes from a file descriptor",
    "write": "writes bytes to a file descriptor",
    "open": "opens a file by path",
    "openat": "opens a file by path, relative to a directory descriptor",
    "close": "closes a file descriptor",
    "mkdir": "creates a directory",
    "mkdirat": "creates a directory, relative to a directory descriptor (arm64 has no mkdir)",
    "unlinkat": "removes a file or directory",
    "getsockname": "asks for the local address a socket is bound to",
    "setsockopt": "sets an option on a socket",
    "socket": "creates a network socket",
    "bind": "gives a socket a local address",
    "listen": "marks a socket as accepting connections",
    "accept4": "takes the next incoming connection on a listening socket",
    "connect": "connects a socket to a remote address",
    "futex": "waits on or wakes threads (the base of locks and the Go runtime's scheduler)",
    "pselect6": "waits until file descriptors are ready, or a timeout passes",
    "epoll_wait": "waits for events on an epoll set",
    "epoll_pwait": "waits for events on an epoll set, with a signal mask",
    "clone": "creates a thread or a process",
    "clone3": "creates a thread or a process (the newer interface)",
    "execve": "replaces the running program with another one",
    "mmap": "maps memory or a file into the address space",
    "mprotect": "changes the protection of memory pages",
    "getppid": "returns the parent's process id",
    "getpid": "returns the process id",
    "mount": "attaches a filesystem (blocked without CAP_SYS_ADMIN in Docker's default profile)",
    "unshare": "moves the process into new namespaces",
    "setns": "joins an existing namespace",
    "ptrace": "observes and controls another process",
    "bpf": "loads and manages eBPF programs and maps",
    "reboot": "reboots the machine or changes Ctrl-Alt-Del handling",
    "exit_group": "ends every thread of the process",
}
# The action's effect on the process, written for someone meeting seccomp for the first time.
EFFECTS: dict[str, str] = {
    "kill_process": "the call did not run: the kernel ended the whole process with SIGSYS. "
    "A shell prints `Bad system call` and the exit status is 159 (128 + 31).",
    "kill_thread": "the call did not run: the kernel ended the calling thread with SIGSYS "
    "(runc's SCMP_ACT_KILL). In a single-threaded program that is the whole process.",
    "trap": "the call did not run: the kernel sent SIGSYS to the thread. A program may catch "
    "it and emulate the call; one that does not dies of SIGSYS.",
    "errno": "the call did not run: it failed with the profile's errno (EPERM, `Operation not "
    "permitted`, unless errnoRet says otherwise; the record does not carry the number), and the "
    "process went on.",
    "user_notif": "the call waited while a supervisor listening on the filter's notification "
    "descriptor (the profile's listenerPath) decided its result.",
    "trace": "the call was offered to a ptrace tracer; with none attached it fails with ENOSYS.",
    "log": "seccomp allowed the call and logged it: it ran as normal. Profiles whose default "
    "is SCMP_ACT_LOG use this to show everything a workload does without breaking it.",
    "allow": "seccomp allowed the call. ALLOW is logged only when `allow` is written into "
    "/proc/sys/kernel/seccomp/actions_logged.",
    "unknown": "this code is not one of the kernel's seccomp actions; the line may be cut off.",
}
# These actions are audited only when the filter asked for it; say so, or learners wonder why
# their ERRNO rules usually leave nothing behind.
_NEEDS_FLAG_LOG = ("trap", "errno", "user_notif", "trace")
_FLAG_LOG_NOTE = (
    " This record exists only because the filter was loaded with SECCOMP_FILTER_FLAG_LOG (the "
    "profile's `flags`); without it such denials leave no audit line."
)
_UNSET = 4294967295  # (uid_t)-1: auid/uid never set, e.g. a process not started from a login


def explain(event: AuditEvent) -> str:
    """A few lines a learner can read: who called what, on which arch, and what seccomp did."""
    action = event.action if event.action != "unknown" else action_for_code(event.code)
    name = event.syscall_name or _name(event.arch, event.syscall)
    auid = "unset" if event.auid in (None, _UNSET) else str(event.auid)
    if name:
        what = GLOSSARY.get(name, f"see `man 2 {name}`")
        syscall = f"{name} (number {event.syscall} on {event.arch_name}): {what}."
    else:
        syscall = (
            f"syscall {event.syscall} (arch 0x{event.arch:08x}): libseccomp has no name for it "
            "on this arch. Syscall numbers differ between architectures, so a number alone "
            "says little."
        )
    effect = EFFECTS[action] + (_FLAG_LOG_NOTE if action in _NEEDS_FLAG_LOG else "")
    rows = [
        ("process", f"{_who(event)}, auid {auid}"),
        ("syscall", syscall),
        ("action", f"{action.upper()} (code 0x{event.code:x}): {effect}"),
        ("signal", event.signal_name or "none"),
    ]
    lines = [f"record {event.serial} at {format_time(event.time)}"]
    for title, text in rows:
        lines.append(
            textwrap.fill(text, 96, initial_indent=f"  {title:<9}", subsequent_indent=" " * 11)
        )
    return "\n".join(lines)
