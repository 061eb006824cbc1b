"""Aggregate: what a stream of events adds up to."""

from __future__ import annotations

import dataclasses
import json

from lab.audit.aggregate import Aggregate
from lab.audit.decode import decode_line
from lab.audit.records import AuditEvent

X86_64, AARCH64 = 0xC000003E, 0xC00000B7
LOG, ERRNO, KILL = "0x7ffc0000", "0x50000", "0x80000000"


def _event(serial: int, t: float, nr: int, code: str = LOG, arch: str = "c000003e",
           pid: int = 100, comm: str = "http-echo") -> AuditEvent:  # fmt: skip
    line = (
        f"audit({t:.3f}:{serial}): auid=0 uid=0 gid=0 ses=1 pid={pid} comm=\"{comm}\" "
        f'exe="/{comm}" sig=0 arch={arch} syscall={nr} compat=0 ip=0x1 code={code}'
    )
    event = decode_line(line)
    assert event is not None
    return event


def _filled() -> Aggregate:
    totals = Aggregate()
    for serial, (t, nr, code, arch, pid) in enumerate([
        (10.0, 51, LOG, "c000003e", 100),   # getsockname
        (11.0, 51, LOG, "c000003e", 100),
        (12.0, 51, LOG, "c000003e", 101),
        (13.0, 83, ERRNO, "c000003e", 101),  # mkdir
        (9.0, 83, LOG, "c000003e", 100),    # out of order, as files can be
        (14.0, 34, KILL, "c00000b7", 200),  # mkdirat on arm64
        (15.0, 999, LOG, "c000003e", 200),  # no such syscall
    ]):  # fmt: skip
        totals.add(_event(serial, t, nr, code, arch, pid))
    return totals


def test_counts_per_syscall_and_action_most_frequent_first() -> None:
    rows = [(r.label, r.action, r.count) for r in _filled().counts()]
    assert rows[0] == ("getsockname", "log", 3)
    assert ("mkdir", "errno", 1) in rows and ("mkdir", "log", 1) in rows
    assert ("mkdirat", "kill_process", 1) in rows
    assert ("syscall 999 (arch 0xc000003e)", "log", 1) in rows
    assert len(rows) == 5


def test_top_and_first_last_seen() -> None:
    totals = _filled()
    [top] = totals.top(1)
    assert (top.name, top.first, top.last) == ("getsockname", 10.0, 12.0)
    assert (totals.total, totals.first, totals.last) == (7, 9.0, 15.0)
    assert len(totals.top(3)) == 3


def test_per_arch_and_distinct_syscalls_by_arch() -> None:
    totals = _filled()
    assert totals.per_arch == {X86_64: 6, AARCH64: 1}
    assert totals.syscalls_by_arch() == {X86_64: ["getsockname", "mkdir"], AARCH64: ["mkdirat"]}
    assert totals.syscalls_by_arch(actions={"errno"}) == {X86_64: ["mkdir"]}
    assert totals.unnamed() == [(X86_64, 999)]


def test_processes_seen_in_order_of_first_appearance() -> None:
    seen = _filled().processes()
    assert [(p.pid, p.count) for p in seen] == [(100, 3), (101, 2), (200, 2)]
    assert seen[0].first == 9.0 and seen[0].comm == "http-echo"


def test_processes_pick_up_a_container_found_later() -> None:
    totals = Aggregate()
    event = _event(1, 1.0, 51)
    totals.add(event)
    totals.add(dataclasses.replace(event, serial=2, container_name="web"))
    assert totals.processes()[0].container == "web"


def test_summary_text_and_json() -> None:
    totals = _filled()
    lines = totals.format_top(2)
    assert len(lines) == 2 and "getsockname" in lines[0] and lines[0].split()[0] == "3"
    data = json.loads(json.dumps(totals.to_json(n=2)))
    assert data["total"] == 7 and data["processes"] == 3
    assert data["per_arch"] == {"x86_64": 6, "aarch64": 1}
    assert data["top"][0]["syscall"] == "getsockname" and data["top"][0]["count"] == 3
    assert data["syscalls_by_arch"]["aarch64"] == ["mkdirat"]


def test_an_empty_aggregate() -> None:
    totals = Aggregate()
    assert totals.top() == [] and totals.syscalls_by_arch() == {}
    assert totals.to_json()["total"] == 0 and totals.first is None
