"""AuditStream against the real kernel: names, kills, ERRNO with and without the log flag."""

from __future__ import annotations

import os
import signal

import pytest
from workload import run_workload

from lab.audit.aggregate import Aggregate
from lab.audit.loss import SerialGaps, serial_of, suppressed_count
from lab.audit.marker import own_key
from lab.audit.netlink import audit_status
from lab.audit.records import AuditEvent
from lab.audit.source import RawRecord
from lab.audit.sources import choose_source
from lab.audit.stream import AuditStream


def _drain(stream: AuditStream) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    while batch := stream.get_batch(0):
        events.extend(batch)
    return events


def _run(*rules: str, calls: list[str], log_flag: bool = False) -> tuple[int, list[AuditEvent]]:
    """Status of a workload and its events, read through a netlink stream filtered to its pid."""
    pid_box: list[int] = []
    with AuditStream(choose_source("netlink"), match=lambda e: e.pid in pid_box) as stream:
        # The stream starts before the workload exists, so the filter reads a box filled below;
        # the pid is known before the child's first logged syscall can be read.
        pid, status = run_workload(*rules, calls=calls, log_flag=log_flag, pid_box=pid_box)
        assert stream.sync()
        return status, [e for e in _drain(stream) if e.pid == pid]


@pytest.mark.root
def test_an_all_log_filter_shows_the_workloads_syscalls_by_name() -> None:
    status, events = _run("DEFAULT_LOG", calls=["getppid:3", "getpgid:2"])
    assert status == 0
    names = [e.syscall_name for e in events]
    assert names.count("getppid") == 3 and names.count("getpgid") == 2
    assert "exit_group" in names
    assert {e.action for e in events} == {"log"}


@pytest.mark.root
def test_a_kill_rule_shows_sigsys_and_the_kill_action() -> None:
    status, events = _run("KILL_PROCESS:getsid", calls=["getsid:1"])
    assert status == -signal.SIGSYS
    assert [(e.syscall_name, e.action, e.signal) for e in events] == [
        ("getsid", "kill_process", 31)
    ]


@pytest.mark.root
def test_errno_denials_leave_no_record_without_the_log_flag() -> None:
    status, events = _run("ERRNO:mkdir", calls=["mkdir:2"])
    assert status == 0
    assert events == []


@pytest.mark.root
def test_errno_denials_are_recorded_with_the_log_flag() -> None:
    status, events = _run("ERRNO:mkdir", calls=["mkdir:2"], log_flag=True)
    assert status == 0
    assert [(e.syscall_name, e.action) for e in events] == [("mkdir", "errno")] * 2


@pytest.mark.root
def test_the_stream_raises_the_backlog_for_the_session_and_restores_it() -> None:
    before = audit_status().backlog_limit
    wanted = max(before * 2, 256)
    stream = AuditStream(choose_source("netlink"), backlog_limit=wanted).start()
    try:
        during = audit_status().backlog_limit
    finally:
        stream.close()
    assert during == wanted
    assert audit_status().backlog_limit == before
    stats = stream.stats()
    assert stats.loss.kernel_lost is not None  # root can read the kernel's counter
    assert (stats.backlog_limit, stats.backlog_was) == (wanted, before)


class _ListSource:
    """A source that replays raw records once: the stream's bookkeeping without a kernel."""

    name = "replay"
    reason = "recorded lines"
    rate_limited = True

    def __init__(self, records: list[RawRecord]) -> None:
        self.records = records

    def open(self) -> None:
        pass

    def read_batch(self, timeout: float) -> list[RawRecord]:
        out, self.records = self.records, []
        return out

    def close(self) -> None:
        pass


def _line(serial: int, syscall: int = 110) -> str:
    return (
        f"[ 1.0] audit: type=1326 audit(1700000000.000:{serial}): auid=4294967295 uid=0 gid=0 "
        f'ses=4294967295 pid=42 comm="w" exe="/w" sig=0 arch=c000003e syscall={syscall} '
        "compat=0 ip=0x1 code=0x7ffc0000"
    )


def test_ring_buffer_drops_the_oldest_and_counts_them_and_printk_loss_is_counted() -> None:
    records = [(0, _line(s)) for s in (10, 11, 12, 15, 14, 16, 17)]
    records.append((0, "kauditd_printk_skb: 12 callbacks suppressed"))
    aggregate = Aggregate()
    with AuditStream(_ListSource(records), capacity=4, sinks=(aggregate,)) as stream:
        events = stream.get_batch(5.0)
        while len(events) < 4:
            events += stream.get_batch(5.0)
        stats = stream.stats()
    assert [e.serial for e in events] == [15, 14, 16, 17]
    assert stats.captured == 7 and stats.shown == 7
    assert stats.loss.buffer_dropped == 3
    assert stats.loss.serial_gaps == 1  # 13 never came; 14 came late and is forgiven
    assert stats.loss.printk_suppressed == 12
    assert aggregate.total == 7 and aggregate.top(1)[0].name == "getppid"


def test_serial_gaps_over_synthetic_input() -> None:
    gaps = SerialGaps()
    for serial in (100, 101, 101, 103, 102, 107, 108, 20_000, 20_001):
        gaps.see(serial)
    # 104-106 missing (3), 109-19999 missing (19,891); 102 arrived late; duplicates are fine.
    assert gaps.missing == 3 + (20_000 - 109)
    assert gaps.late == 1


def test_serials_and_suppression_are_read_from_any_record_shape() -> None:
    assert serial_of("audit(1700000000.123:4567): op=set") == 4567
    assert serial_of("type=SECCOMP msg=audit(1700000000.1:9): pid=1") == 9
    assert serial_of("no record here") is None
    assert serial_of("audit(broken") is None
    assert suppressed_count("[  12.3] kauditd_printk_skb: 1534 callbacks suppressed") == 1534
    assert suppressed_count("net_ratelimit: 7 callbacks suppressed") == 0


def test_a_marker_from_another_process_with_the_same_name_is_not_ours() -> None:
    # Every process numbers its markers from 1: another watch's `sl-sync-0000001` must not end
    # our flush early (it did, and stopped `watch` with most of a burst unprinted).
    other = os.getpid() + 1
    line = (
        f"audit(1700000000.000:5): auid=0 uid=0 gid=0 ses=1 pid={other} "
        'comm="sl-sync-0000001" exe="/x" sig=0 arch=c000003e syscall=124 compat=0 ip=0x1 '
        "code=0x7ffc0000"
    )
    mine = line.replace(f"pid={other}", f"pid={os.getpid()}")
    with AuditStream(_ListSource([(1326, line)])) as stream:
        while not stream.records:
            stream.get_batch(0.1)
        assert not stream.marked(own_key("sl-sync-0000001"))
    with AuditStream(_ListSource([(1326, mine)])) as stream:
        while not stream.records:
            stream.get_batch(0.1)
        assert stream.marked(own_key("sl-sync-0000001"))
