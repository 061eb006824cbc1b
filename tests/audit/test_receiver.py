"""The netlink receiving thread: it empties the socket while nobody parses, and counts the rest."""

from __future__ import annotations

import time

import pytest
from workload import run_workload

from lab.audit.netlink import AUDIT_SECCOMP, NetlinkSource
from lab.audit.source import RawRecord


def _mine(records: list[RawRecord], pid: int) -> int:
    return sum(1 for k, t in records if k == AUDIT_SECCOMP and f" pid={pid} " in t)


def _busy(seconds: float) -> None:
    # Pure Python work that holds the GIL, as a parser that falls behind does.
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += sum(range(100))


@pytest.mark.root
def test_records_leave_the_socket_while_the_parsing_thread_is_busy() -> None:
    # A 16 MiB receive buffer holds about ten thousand records: 60,000 overflow it unless the
    # socket is emptied while this thread is busy and reads nothing.
    source = NetlinkSource(receive_buffer=16 * 1024 * 1024)
    source.open()
    try:
        pid, status = run_workload("LOG:getppid", calls=["getppid:60000"])
        _busy(1.0)
        records: list[RawRecord] = []
        while batch := source.read_batch(1.0):
            records += batch
        drops = source.socket_drops
    finally:
        source.close()
    assert status == 0
    assert drops == 0 and source.enobufs == 0
    assert _mine(records, pid) == 60_000


@pytest.mark.root
def test_records_received_but_not_parsed_when_the_source_closes_are_counted() -> None:
    source = NetlinkSource()
    source.open()
    try:
        _pid, status = run_workload("LOG:getppid", calls=["getppid:5000"])
        # Nothing is parsed: closing now leaves all of them received (or still in the socket).
    finally:
        source.close()
    assert status == 0
    assert source.socket_drops == 0
    assert source.left_unread >= 5000
