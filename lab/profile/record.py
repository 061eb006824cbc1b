"""The recorder: observe a workload under LOG, write its allow-list, verify it, repeat until clean.

The loop is independent of where the workload runs: it is given a `run` callable that starts the
workload under a profile, exercises it, stops it and returns its pids. Audit records are matched
on those pids only, never counted globally (other processes share the kernel).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lab.profile.model import Profile, SyscallRule
from lab.profile.syscalls import arch_name

RunUnder = Callable[[Profile], Sequence[int]]
Expand = Callable[[Iterable[int]], set[int]]
Progress = Callable[[str], None]
LOG_EVERYTHING = Profile(default_action="SCMP_ACT_LOG")
# What runc does after it loads the filter and before the workload's own code runs (closing
# inherited fds after checking /proc/self/fd is procfs, waiting on its exec fifo, execve). They
# run in the workload's own pid, so a recording sees those it used this time; listing them keeps
# a profile working with runc versions that take another path (the tutorial's 2024 fix; openat2
# and statx for runc 1.2.8 / 1.3.3 / 1.4.0, the November 2025 security fixes).
RUNTIME_SYSCALLS = (
    "close", "execve", "exit_group", "fcntl", "fstat", "fstatfs", "futex", "getdents64",
    "getpid", "getrlimit", "nanosleep", "newfstatat", "openat", "openat2", "pipe2", "read",
    "rt_sigprocmask", "rt_sigreturn", "sched_yield", "statx", "tgkill", "write",
)  # fmt: skip


class Events(Protocol):
    """The part of `lab.audit.capture.AuditCapture` the recorder needs."""

    def sync(self) -> Any: ...

    def events(self, pids: Iterable[int] | None = None) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Recording:
    """The profile, the syscalls each run added, and whether the last run left no record."""

    profile: Profile
    syscalls: tuple[str, ...]
    architectures: tuple[str, ...]
    rounds: tuple[tuple[str, ...], ...]  # syscalls first seen in each run (the first: recording)
    verified: bool
    runtime_syscalls: tuple[str, ...] = ()

    @property
    def iterations(self) -> int:
        """Verification runs made after the recording run."""
        return len(self.rounds) - 1

    def summary(self) -> str:
        lines = [f"recorded {len(self.rounds[0])} syscalls ({', '.join(self.architectures)})"]
        for number, added in enumerate(self.rounds[1:], 1):
            found = f"{len(added)} more: {', '.join(added)}" if added else "no record left"
            lines.append(f"verification {number} under default LOG: {found}")
        if self.runtime_syscalls:
            lines.append(f"added for the container runtime: {', '.join(self.runtime_syscalls)}")
        lines.append(f"allow-list of {len(self.syscalls)}: {' '.join(self.syscalls)}")
        if not self.verified:
            lines.append("NOT verified: records remained after the last verification run")
        return "\n".join(lines)


@dataclass
class _Seen:
    names: set[str] = field(default_factory=set)
    arches: set[str] = field(default_factory=set)

    def add(self, events: Iterable[Any]) -> list[str]:
        """Take the LOG records; return the names not seen before, sorted."""
        new = set()
        for event in events:
            if event.action != "log" or not event.syscall_name:
                continue
            self.arches.add(arch_name(event.arch))
            if event.syscall_name not in self.names:
                new.add(event.syscall_name)
        self.names |= new
        return sorted(new)


def allow_list(names: Iterable[str], arches: Iterable[str], default: str) -> Profile:
    """An allow-list profile: sorted names, the given architectures, `default` for the rest."""
    names = sorted(set(names))
    rules = (SyscallRule(names=tuple(names), action="SCMP_ACT_ALLOW"),) if names else ()
    return Profile(default_action=default, architectures=tuple(sorted(set(arches))), syscalls=rules)


def profile_json(profile: Profile) -> str:
    """Stable formatting: the model's key order, two-space indent, one name per line."""
    return json.dumps(profile.to_dict(), indent=2) + "\n"


def record(
    run: RunUnder,
    audit: Events,
    *,
    runtime: Sequence[str] = (),
    max_iterations: int = 5,
    on_progress: Progress = lambda text: None,
    descendants: Expand | None = None,
) -> Recording:
    """Record under LOG, then verify the allow-list under default LOG until no record is left.

    `descendants` widens the pids `run` returns to the processes they forked (a ForkWatcher's),
    so a server's per-connection children are recorded too.
    """
    seen = _Seen()

    def observe(profile: Profile) -> list[str]:
        pids = run(profile)
        audit.sync()
        wanted = descendants(pids) if descendants else set(pids)
        return seen.add(audit.events(pids=sorted(wanted)))

    on_progress("recording run: every syscall allowed and logged")
    rounds = [tuple(observe(LOG_EVERYTHING))]
    on_progress(f"seen {len(seen.names)} syscalls")
    extra = tuple(sorted(set(runtime) - seen.names))
    verified = False
    for number in range(1, max_iterations + 1):
        candidate = allow_list(seen.names | set(extra), seen.arches, "SCMP_ACT_LOG")
        on_progress(f"verification {number}: the allow-list with default LOG")
        added = observe(candidate)
        rounds.append(tuple(added))
        if not added:
            verified = True
            break
        on_progress(f"missing from the list: {', '.join(added)}")
    names = tuple(sorted(seen.names | set(extra)))
    final = allow_list(names, seen.arches, "SCMP_ACT_ERRNO")
    return Recording(final, names, tuple(sorted(seen.arches)), tuple(rounds), verified, extra)
