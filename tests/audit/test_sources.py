"""Audit sources: choosing one with a reason, and each source read for real."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from workload import run_workload

from lab.audit.kmsg import KmsgSource
from lab.audit.loss import SerialGaps, serial_of
from lab.audit.marker import emit_marker
from lab.audit.netlink import AUDIT_SECCOMP, NetlinkSource
from lab.audit.source import RawRecord, SourceUnavailable
from lab.audit.sources import choose_source, make_source, node_log_command
from lab.audit.tail import CommandSource, FileTail

REPO = Path(__file__).resolve().parents[2]


def _read_until(source: object, want: int) -> list[RawRecord]:
    """Read batches until `want` lines came or a read returns nothing twice in a row."""
    out: list[RawRecord] = []
    empty = 0
    while len(out) < want and empty < 2:
        batch = source.read_batch(0.5)  # type: ignore[attr-defined]
        out += batch
        empty = 0 if batch else empty + 1
    return out


@pytest.mark.root
def test_as_root_the_chosen_source_is_netlink_and_says_why() -> None:
    source = choose_source(None)
    try:
        assert source.name == "netlink" and not source.rate_limited
        assert "every record" in source.reason and "rate-limited" in source.reason
    finally:
        source.close()


@pytest.mark.root
def test_without_cap_audit_read_it_falls_back_to_kmsg_and_says_why() -> None:
    code = (
        "from lab.audit.sources import choose_source\n"
        "s = choose_source(None)\nprint(s.name)\nprint(s.reason)\ns.close()\n"
    )
    proc = subprocess.run(
        ["setpriv", "--bounding-set=-audit_read", "--inh-caps=-all", sys.executable, "-c", code],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    name, reason = proc.stdout.splitlines()[:2]
    assert name == "kmsg", proc.stderr
    assert "rate-limited" in reason and "netlink unavailable" in reason and "sudo" in reason


def test_an_unknown_source_names_the_choices() -> None:
    with pytest.raises(SourceUnavailable) as info:
        make_source("carrier-pigeon")
    assert "netlink" in info.value.fix and "kmsg" in info.value.fix


@pytest.mark.root
def test_netlink_counts_every_record_dropped_at_its_socket_and_the_gaps_show_them() -> None:
    # A tiny receive buffer, and a reader that stops after its first batch (1 byte may wait
    # for parsing): the kernel must drop most of the burst at our socket.
    source = NetlinkSource(receive_buffer=4096, pending_bytes=1)
    source.open()
    try:
        pid, status = run_workload("LOG:getppid", calls=["getppid:3000"])
        drops = source.socket_drops
        records = _read_until(source, 3000)
        # Loss at the tail shows as a gap only once a later record arrives: make one.
        emit_marker()
        records += _read_until(source, 1)
    finally:
        source.close()
    gaps = SerialGaps()
    for _, text in records:
        serial = serial_of(text)
        if serial is not None:
            gaps.see(serial)
    mine = [t for k, t in records if k == AUDIT_SECCOMP and f" pid={pid} " in t]
    assert status == 0
    assert source.enobufs >= 1
    assert len(mine) < 3000
    # Counted by record, not by ENOBUFS report: every lost record of ours is in the count.
    assert drops >= 3000 - len(mine)
    assert gaps.missing >= 3000 - len(mine)


@pytest.mark.root
def test_kmsg_follows_new_kernel_log_lines() -> None:
    marker = f"seclab-test {uuid.uuid4().hex}"
    source = KmsgSource()
    source.open()
    try:
        with open("/dev/kmsg", "w") as kmsg:  # root may write into the kernel log
            kmsg.write(marker + "\n")
        lines = [text for _, text in _read_until(source, 50) if marker in text]
    finally:
        source.close()
    assert lines == [marker]
    assert source.rate_limited and "rate-limited" in source.reason


def test_file_tail_reads_new_lines_and_follows_rotation(tmp_path: Path) -> None:
    log = tmp_path / "syslog"
    log.write_text("old line before we started\n")
    source = FileTail(str(log), name="syslog")
    source.open()
    try:
        with log.open("a") as f:
            f.write("first\nsecond half")
        first = [t for _, t in source.read_batch(0.1)]
        with log.open("a") as f:
            f.write(" done\n")
        second = [t for _, t in source.read_batch(0.1)]
        log.rename(tmp_path / "syslog.1")
        log.write_text("after rotation\n")
        source.read_batch(0.1)  # notices the new file
        third = [t for _, t in source.read_batch(0.1)]
    finally:
        source.close()
    assert first == ["first"]
    assert second == ["second half done"]
    assert third == ["after rotation"]


def test_a_missing_log_file_says_so_and_what_to_use_instead(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable) as info:
        FileTail(str(tmp_path / "nope.log"), name="syslog").open()
    assert "does not exist" in info.value.why and "--source" in info.value.fix


def test_command_source_reads_lines_and_close_leaves_no_child() -> None:
    source = CommandSource(["sh", "-c", "echo one; echo two; exec sleep 60"])
    source.open()
    proc = source._proc
    try:
        lines = [t for _, t in _read_until(source, 2)]
    finally:
        source.close()
    assert lines == ["one", "two"]
    assert proc is not None and proc.returncode is not None


def test_a_command_that_ends_says_how_and_what_it_printed() -> None:
    source = CommandSource(["sh", "-c", "echo 'Error: No such container: kind-x'; exit 1"])
    source.open()
    try:
        with pytest.raises(SourceUnavailable) as info:
            _read_until(source, 10)
    finally:
        source.close()
    assert "status 1" in info.value.why and "No such container" in info.value.why


def test_a_command_that_is_not_installed_is_refused() -> None:
    with pytest.raises(SourceUnavailable) as info:
        CommandSource(["seclab-no-such-tool", "-w"]).open()
    assert "not installed" in info.value.why


def test_the_kind_node_log_command_follows_new_lines_only() -> None:
    # `dmesg -w` would replay the node's old records as if they had just happened.
    assert node_log_command("seclab-control-plane") == [
        "docker", "exec", "seclab-control-plane", "dmesg", "--follow-new"
    ]  # fmt: skip
