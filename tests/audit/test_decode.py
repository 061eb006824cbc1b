"""Decoding: actions from code=, syscall names for the record's own arch, human text."""

from __future__ import annotations

import dataclasses
import errno
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.audit.decode import (
    action_for_code,
    decode,
    decode_line,
    describe,
    explain,
    format_time,
    syscall_label,
)
from lab.audit.records import parse_line

AUDIT = Path(__file__).resolve().parent.parent / "fixtures" / "audit"
TUTORIAL = (
    "audit(1594067860.484:14536): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29064 "
    'comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=51 compat=0 ip=0x46fe1f '
    "code=0x7ffc0000"
)


def _record(arch: str = "c000003e", nr: int = 51, code: str = "0x7ffc0000", sig: int = 0) -> str:
    return (
        TUTORIAL.replace("arch=c000003e", f"arch={arch}")
        .replace("syscall=51", f"syscall={nr}")
        .replace("code=0x7ffc0000", f"code={code}")
        .replace("sig=0", f"sig={sig}")
    )


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (0x80000000, "kill_process"),
        (0x00000000, "kill_thread"),
        (0x00030000, "trap"),
        (0x00050000, "errno"),
        (0x00050001, "errno"),  # should a kernel ever keep the data bits, the mask drops them
        (0x7FC00000, "user_notif"),
        (0x7FF00000, "trace"),
        (0x7FFC0000, "log"),
        (0x7FFF0000, "allow"),
        (0x12340000, "unknown"),
        (0x7FFC, "unknown"),  # `code=0x7ffc0000` cut off: not KILL_THREAD
    ],
)
def test_action_for_code(code: int, action: str) -> None:
    assert action_for_code(code) == action


def test_the_tutorial_sample_is_getsockname_logged() -> None:
    event = decode_line(TUTORIAL)
    assert event is not None
    assert (event.syscall_name, event.action, event.arch_name) == ("getsockname", "log", "x86_64")


@pytest.mark.parametrize(
    ("nr", "name"),
    [(0, "read"), (51, "getsockname"), (54, "setsockopt"), (202, "futex"), (270, "pselect6"),
     (288, "accept4")],
)  # fmt: skip
def test_the_tutorials_x86_64_numbers(nr: int, name: str) -> None:
    event = decode_line(_record(nr=nr))
    assert event is not None and event.syscall_name == name


@pytest.mark.parametrize(
    ("arch", "nr", "name", "arch_name"),
    [
        ("c000003e", 83, "mkdir", "x86_64"),
        ("c00000b7", 34, "mkdirat", "aarch64"),  # arm64 has no mkdir
        ("c00000b7", 83, "fdatasync", "aarch64"),  # the same number means something else
        ("40000003", 39, "mkdir", "x86"),
    ],
)
def test_names_come_from_the_records_own_arch(
    arch: str, nr: int, name: str, arch_name: str
) -> None:
    event = decode_line(_record(arch=arch, nr=nr))
    assert event is not None
    assert (event.syscall_name, event.arch_name) == (name, arch_name)


def test_an_unknown_arch_has_no_name_and_says_so() -> None:
    event = decode_line(_record(arch="12345678", nr=123))
    assert event is not None and event.syscall_name is None
    assert syscall_label(event) == "syscall 123 (arch 0x12345678)"
    assert "syscall 123 (arch 0x12345678)" in describe(event)
    assert "no name for it" in explain(event)


def test_decode_fills_what_parse_left_out_and_matches_the_one_pass_path() -> None:
    raw = parse_line(_record(arch="c00000b7", nr=34, code="0x80000000", sig=31))
    assert raw is not None and raw.syscall_name is None
    decoded = decode(raw)
    assert (decoded.syscall_name, decoded.action) == ("mkdirat", "kill_process")
    assert decoded == decode_line(_record(arch="c00000b7", nr=34, code="0x80000000", sig=31))
    assert decode(decoded) is decoded  # nothing to do, no copy


def test_every_fixture_record_decodes_to_a_known_action() -> None:
    lines = [line for p in sorted(AUDIT.iterdir()) for line in p.read_text().splitlines()]
    events = [e for e in map(decode_line, lines) if e is not None]
    assert len(events) >= 15
    named = [e for e in events if e.arch != 0x12345678]
    assert all(e.action != "unknown" and e.syscall_name for e in named)


def test_describe_is_one_line_with_every_part() -> None:
    line = describe(decode_line(_record(code="0x80000000", sig=31)))  # type: ignore[arg-type]
    assert "\n" not in line
    for part in ("2020-07-06 20:37:40.484Z", "serial 14536", "pid 29064", "http-echo",
                 "(/http-echo)", "uid 0", "x86_64", "#51", "getsockname", "KILL_PROCESS",
                 "SIGSYS"):  # fmt: skip
        assert part in line, part


def test_describe_names_the_container_and_pod_when_enrichment_found_them() -> None:
    event = decode_line(TUTORIAL)
    assert event is not None
    enriched = dataclasses.replace(
        event, container_id="ab" * 32, container_name="web", pod="audit-pod", namespace="default"
    )
    assert "in web pod default/audit-pod" in describe(enriched)


@pytest.mark.parametrize(
    ("code", "sig", "expected"),
    [
        ("0x50000", 0, ["ERRNO", "the process went on", "SECCOMP_FILTER_FLAG_LOG"]),
        ("0x80000000", 31, ["KILL_PROCESS", "SIGSYS", "Bad system call", "159"]),
        ("0x0", 31, ["KILL_THREAD", "SIGSYS"]),
        ("0x7ffc0000", 0, ["LOG", "allowed the call and logged it", "ran as normal"]),
        ("0x30000", 31, ["TRAP", "SECCOMP_FILTER_FLAG_LOG"]),
        ("0x7fc00000", 0, ["USER_NOTIF", "supervisor"]),
        ("0x7ff00000", 0, ["TRACE", "ptrace"]),
        ("0x7fff0000", 0, ["ALLOW", "actions_logged"]),
    ],
)
def test_explain_says_what_the_action_did(code: str, sig: int, expected: list[str]) -> None:
    text = explain(decode_line(_record(code=code, sig=sig)))  # type: ignore[arg-type]
    flat = " ".join(text.split())
    for phrase in expected:
        assert phrase in flat, phrase
    assert "getsockname" in flat and "local address a socket is bound to" in flat
    assert "auid unset" in flat


def test_explain_points_at_the_man_page_for_syscalls_it_does_not_describe() -> None:
    text = explain(decode_line(_record(nr=99)))  # type: ignore[arg-type]
    assert "sysinfo" in text and "man 2 sysinfo" in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1594067860.484, "2020-07-06 20:37:40.484Z"), (0.9996, "1970-01-01 00:00:01.000Z")],
)
def test_format_time_is_utc_to_the_millisecond(seconds: float, text: str) -> None:
    assert format_time(seconds) == text


# --- real records from this kernel -------------------------------------------------------------

NETLINK_AUDIT, AUDIT_NLGRP_READLOG, AUDIT_SECCOMP = 9, 1, 1326
SO_RCVBUFFORCE = 33  # not exported by Python's socket module
CHILD = """
import os, sys, pyseccomp as s
flt = s.SyscallFilter(s.ALLOW)
if sys.argv[2] == "flag-log":
    flt.set_attr(s.Attr.CTL_LOG, 1)
action = {"LOG": s.LOG, "KILL_PROCESS": s.KILL_PROCESS, "ERRNO": s.ERRNO(1)}[sys.argv[1]]
flt.add_rule(action, "getppid")
flt.load()
print(os.getpid(), flush=True)
os.getppid()
"""


def _kernel_record(action: str, flag: str = "") -> tuple[str, int, int]:
    """Run a child under a one-rule filter; return the netlink payload of its record."""
    for _ in range(3):  # another engineer's burst may overflow our buffer: try again
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT) as sock:
            sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
            sock.bind((0, AUDIT_NLGRP_READLOG))
            sock.settimeout(1.0)
            child = subprocess.run(
                [sys.executable, "-c", CHILD, action, flag or "-"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert child.stdout.strip(), child.stderr
            pid = int(child.stdout.split()[0])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    data = sock.recv(1 << 16)
                except TimeoutError:
                    continue
                except OSError as exc:
                    if exc.errno == errno.ENOBUFS:
                        break
                    raise
                length, kind = struct.unpack_from("=IH", data)
                payload = data[16:length].rstrip(b"\0").decode()
                if kind == AUDIT_SECCOMP and f" pid={pid} " in payload:
                    return payload, pid, child.returncode
    pytest.fail(f"no seccomp record for the child's {action} rule arrived on netlink")


@pytest.mark.root
def test_a_real_log_record_decodes_to_getppid_and_log() -> None:
    payload, pid, status = _kernel_record("LOG")
    event = decode_line(payload)
    assert event is not None, payload
    assert (event.pid, event.syscall_name, event.action, event.signal) == (pid, "getppid", "log", 0)
    assert status == 0 and event.comm and event.exe and event.exe.startswith("/")


@pytest.mark.root
def test_a_real_kill_record_shows_sigsys() -> None:
    payload, pid, status = _kernel_record("KILL_PROCESS")
    event = decode_line("[ 1.0] audit: type=1326 " + payload)  # as dmesg would print it
    assert event is not None, payload
    assert (event.pid, event.syscall_name, event.action) == (pid, "getppid", "kill_process")
    assert event.signal_name == "SIGSYS" and status == -31


@pytest.mark.root
def test_a_real_errno_record_needs_the_log_flag() -> None:
    payload, pid, status = _kernel_record("ERRNO", "flag-log")
    event = decode_line("type=SECCOMP msg=" + payload)  # as auditd would write it
    assert event is not None, payload
    assert (event.pid, event.syscall_name, event.action) == (pid, "getppid", "errno")
    assert status == 0  # the call failed, the process went on
