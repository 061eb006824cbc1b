"""parse_line: every shape a seccomp record arrives in, and everything that is not one."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from lab.audit.records import AuditEvent, parse_line, untrusted

AUDIT = Path(__file__).resolve().parent.parent / "fixtures" / "audit"
IDS = "auid=4294967295 uid=0 gid=0 ses=4294967295"
TUTORIAL = (
    f"audit(1594067860.484:14536): {IDS} pid=29064 comm=\"http-echo\" exe=\"/http-echo\" "
    "sig=0 arch=c000003e syscall=51 compat=0 ip=0x46fe1f code=0x7ffc0000"
)
X86_64, AARCH64, I386 = 0xC000003E, 0xC00000B7, 0x40000003


def _only(path: str, serial: int) -> AuditEvent:
    events = [e for e in map(parse_line, (AUDIT / path).read_text().splitlines()) if e]
    [event] = [e for e in events if e.serial == serial]
    return event


@pytest.mark.parametrize(
    "prefix",
    [
        "",  # the netlink payload
        "[  123.456789] audit: type=1326 ",  # dmesg
        "[Sun Nov 22 20:00:00 2026] audit: type=1326 ",  # dmesg -T
        "Nov 22 20:15:01 lab-node kernel: audit: type=1326 ",  # journalctl -k, syslog
        "Nov 22 20:15:01 lab-node kernel: [ 1201.000001] audit: type=1326 ",  # syslog + stamp
        "6,2345,944298869,-;audit: type=1326 ",  # /dev/kmsg
        "type=SECCOMP msg=",  # /var/log/audit/audit.log
        "node=lab-node type=SECCOMP msg=",  # auditd with name_format=hostname
    ],
)
def test_the_tutorial_record_parses_in_every_shape(prefix: str) -> None:
    event = parse_line(prefix + TUTORIAL)
    assert event == AuditEvent(
        serial=14536, time=1594067860.484, pid=29064, arch=X86_64, syscall=51, code=0x7FFC0000,
        comm="http-echo", exe="/http-echo", uid=0, auid=4294967295, signal=0, compat=0,
        ip=0x46FE1F,
    )  # fmt: skip
    assert event.syscall_name is None and event.action == "unknown"  # decode's job, not ours


def test_a_real_netlink_payload_from_this_kind_of_kernel() -> None:
    event = _only("netlink.txt", 222304)
    assert (event.pid, event.syscall, event.code, event.comm) == (26797, 110, 0x7FFC0000, "python3")
    assert event.exe == "/root/.pyenv/versions/3.11.7/bin/python3.11"


def test_subj_with_colons_and_commas_is_skipped() -> None:
    event = _only("syslog.txt", 501)
    assert (event.arch, event.syscall, event.pid, event.uid) == (AARCH64, 34, 4242, 1000)
    assert (event.comm, event.code) == ("mkdir", 0x50000)


def test_subj_with_a_space_is_skipped() -> None:
    event = _only("syslog.txt", 502)
    assert (event.arch, event.syscall, event.signal, event.compat) == (I386, 39, 31, 1)
    assert event.code == 0 and event.comm == "legacy"


def test_hex_encoded_comm_and_exe_are_decoded_and_enrichment_is_cut_off() -> None:
    event = _only("audit.log", 900)
    assert event.comm == "my comm"
    assert event.exe == "/opt/my app/run"
    assert event.code == 0x7FF00000  # and not swallowed by the `\x1dAUID=…` tail


def test_null_exe_becomes_none() -> None:
    assert _only("audit.log", 904).exe is None


def test_an_unknown_arch_still_parses() -> None:
    event = _only("audit.log", 905)
    assert (event.arch, event.syscall) == (0x12345678, 123)


def test_fields_out_of_order_or_missing_optional_ones_use_the_slow_path() -> None:
    shuffled = (
        "audit(1700000000.001:77): code=0x80000000 syscall=59 arch=c000003e sig=31 pid=9 "
        'comm="x" uid=5'
    )
    event = parse_line(shuffled)
    assert event is not None
    assert (event.serial, event.pid, event.syscall, event.uid) == (77, 9, 59, 5)
    assert event.code == 0x80000000 and event.signal == 31
    assert event.ip is None and event.compat is None and event.exe is None


@pytest.mark.parametrize(
    "line",
    [
        "",
        "hello world",
        "[  940.000001] kauditd_printk_skb: 1597 callbacks suppressed",
        "audit(",
        "audit(garbage): pid=1",
        "\x00\x01\x02 audit(1.2:3): \xff",
        # other audit record types, in every shape
        "[ 950.1] audit: type=1400 audit(1795378470.001:222305): apparmor=\"DENIED\" pid=27001",
        f"type=SYSCALL msg=audit(1700000100.001:901): arch=c000003e syscall=59 success=yes {IDS}",
        f"audit(1700000100.001:901): arch=c000003e syscall=59 success=yes exit=0 pid=1 {IDS}",
        "type=AVC msg=" + TUTORIAL,
        "audit: type=1300 " + TUTORIAL,
        # ausearch -i rewrites the record; we do not guess at it
        "type=SECCOMP msg=audit(07/06/2020 20:37:40.484:14536) : auid=unset uid=root pid=29064",
    ],
)
def test_lines_that_are_not_seccomp_records(line: str) -> None:
    assert parse_line(line) is None


@pytest.mark.parametrize("cut", [10, 30, 60, 120, TUTORIAL.index("code="), len(TUTORIAL) - 13])
def test_truncated_records_are_refused(cut: int) -> None:
    assert parse_line(TUTORIAL[:cut]) is None


def test_truncated_dmesg_line_from_the_fixture_is_refused() -> None:
    lines = (AUDIT / "dmesg.txt").read_text().splitlines()
    assert "sysc" in lines[-1] and parse_line(lines[-1]) is None


def test_events_are_frozen_hashable_and_equal_by_value() -> None:
    event = parse_line(TUTORIAL)
    assert event is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.pid = 1  # type: ignore[misc]
    rebuilt = dataclasses.replace(event)
    assert rebuilt == event and hash(rebuilt) == hash(event) and type(event) is AuditEvent


def test_to_json_has_stable_keys_and_readable_values() -> None:
    event = parse_line(TUTORIAL)
    assert event is not None
    data = json.loads(json.dumps(event.to_json()))
    assert list(data) == [
        "serial", "time", "pid", "comm", "exe", "uid", "auid", "arch", "arch_name", "syscall",
        "syscall_name", "action", "code", "signal", "signal_name", "compat", "ip",
        "container_id", "container_name", "pod", "namespace",
    ]  # fmt: skip
    assert data["arch"] == "c000003e" and data["arch_name"] == "x86_64"
    assert data["code"] == "0x7ffc0000" and data["ip"] == "0x46fe1f"


def test_signal_names() -> None:
    killed = parse_line(TUTORIAL.replace("sig=0", "sig=31"))
    assert killed is not None and killed.signal_name == "SIGSYS"
    assert parse_line(TUTORIAL).signal_name is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "text"),
    [('"http-echo"', "http-echo"), ("6D7920636F6D6D", "my comm"), ("(null)", None),
     ("?", None), ("ABC", "ABC")],  # odd-length hex cannot be an encoding
)  # fmt: skip
def test_untrusted_values(raw: str, text: str | None) -> None:
    assert untrusted(raw) == text
