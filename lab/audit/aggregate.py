"""What a workload did, summed up: counts per syscall and action, per arch, and per process."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from lab.audit.records import AuditEvent
from lab.profile.syscalls import short_arch_name


@dataclass(slots=True)
class SyscallCount:
    """How often one syscall (on one arch) met one action, and when first and last."""

    arch: int
    syscall: int
    name: str | None
    action: str
    count: int
    first: float
    last: float

    @property
    def label(self) -> str:
        """The syscall's name, or `syscall N (arch 0x…)` when libseccomp has none."""
        return self.name or f"syscall {self.syscall} (arch 0x{self.arch:08x})"


@dataclass(slots=True)
class ProcessSeen:
    """A process that made audited syscalls, as the first of its records named it."""

    pid: int
    comm: str | None
    exe: str | None
    container: str | None
    count: int
    first: float
    last: float


class Aggregate:
    """Running totals over a stream of decoded events; `add` is a few dict operations."""

    def __init__(self) -> None:
        self.total = 0
        self.first: float | None = None
        self.last: float | None = None
        self.per_arch: dict[int, int] = {}
        self._rows: dict[tuple[int, int, str], SyscallCount] = {}
        self._processes: dict[int, ProcessSeen] = {}

    def add(self, event: AuditEvent) -> None:
        """Count one event."""
        t = event.time
        self.total += 1
        if self.first is None or t < self.first:
            self.first = t
        if self.last is None or t > self.last:
            self.last = t
        arch = event.arch
        self.per_arch[arch] = self.per_arch.get(arch, 0) + 1
        key = (arch, event.syscall, event.action)
        row = self._rows.get(key)
        if row is None:
            self._rows[key] = SyscallCount(
                arch, event.syscall, event.syscall_name, event.action, 1, t, t
            )
        else:
            row.count += 1
            # Comparisons, not max()/min(): this runs for every event. Files may be out of order.
            if t > row.last:
                row.last = t
            elif t < row.first:
                row.first = t
        seen = self._processes.get(event.pid)
        if seen is None:
            container = event.container_name or event.container_id
            self._processes[event.pid] = ProcessSeen(
                event.pid, event.comm, event.exe, container, 1, t, t
            )
            return
        seen.count += 1
        if t > seen.last:
            seen.last = t
        elif t < seen.first:
            seen.first = t
        if seen.container is None:
            seen.container = event.container_name or event.container_id

    def counts(self) -> list[SyscallCount]:
        """Every (arch, syscall, action) row, most frequent first, ties by name."""
        return sorted(self._rows.values(), key=lambda r: (-r.count, r.label, r.action))

    def top(self, n: int = 10) -> list[SyscallCount]:
        """The `n` most frequent (syscall, action) rows."""
        return self.counts()[:n]

    def processes(self) -> list[ProcessSeen]:
        """Processes seen, in the order they first appeared."""
        return sorted(self._processes.values(), key=lambda p: (p.first, p.pid))

    def syscalls_by_arch(self, actions: Collection[str] | None = None) -> dict[int, list[str]]:
        """Distinct syscall names per arch token (what a recorded profile must allow)."""
        found: dict[int, set[str]] = {}
        for (arch, _, action), row in self._rows.items():
            if row.name and (actions is None or action in actions):
                found.setdefault(arch, set()).add(row.name)
        return {arch: sorted(names) for arch, names in sorted(found.items())}

    def unnamed(self) -> list[tuple[int, int]]:
        """(arch, number) pairs libseccomp could not name: a profile cannot list them."""
        return sorted({(arch, nr) for (arch, nr, _), row in self._rows.items() if not row.name})

    def format_top(self, n: int = 10) -> list[str]:
        """The top rows as aligned text lines, for summaries at the end of a watch."""
        return [
            f"{row.count:>9}  {row.label:<24} {row.action:<12} {short_arch_name(row.arch)}"
            for row in self.top(n)
        ]

    def to_json(self, n: int = 10) -> dict[str, Any]:
        """Totals, per-arch counts, the top rows and the distinct syscalls, JSON-ready."""
        return {
            "total": self.total,
            "first": self.first,
            "last": self.last,
            "per_arch": {short_arch_name(a): c for a, c in sorted(self.per_arch.items())},
            "top": [
                {
                    "syscall": r.name,
                    "number": r.syscall,
                    "arch": short_arch_name(r.arch),
                    "action": r.action,
                    "count": r.count,
                    "first": r.first,
                    "last": r.last,
                }
                for r in self.top(n)
            ],
            "syscalls_by_arch": {
                short_arch_name(a): names for a, names in self.syscalls_by_arch().items()
            },
            "processes": len(self._processes),
        }
