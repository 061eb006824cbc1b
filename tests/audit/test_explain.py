"""`seclab explain`: records from arguments or any piped log, text or JSON, honest exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lab.cli import cli

REPO = Path(__file__).resolve().parent.parent.parent
AUDIT = REPO / "tests" / "fixtures" / "audit"
TUTORIAL = (
    "audit(1594067860.484:14536): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29064 "
    'comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=51 compat=0 ip=0x46fe1f '
    "code=0x7ffc0000"
)


def _run(args: list[str], stdin: str | bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["explain", *args], input=stdin)


def test_a_record_given_as_an_argument() -> None:
    result = _run([TUTORIAL])
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert "getsockname" in line and "LOG" in line and "x86_64 #51" in line
    assert "serial 14536" in line and "pid 29064" in line and "uid 0" in line
    assert result.stderr == ""


def test_a_whole_dmesg_log_on_stdin_counts_what_it_skipped() -> None:
    result = _run([], (AUDIT / "dmesg.txt").read_text())
    assert result.exit_code == 0
    decoded = result.stdout.strip().splitlines()
    assert len(decoded) == 3
    assert "KILL_PROCESS" in decoded[0] and "SIGSYS" in decoded[0] and "getsid" in decoded[0]
    assert "getppid" in decoded[2]
    assert "4 lines were not seccomp audit records" in result.stderr
    assert "1 of them named type=1326/SECCOMP but could not be read" in result.stderr
    assert "suppressed 1597 printk callbacks" in result.stderr


def test_windows_line_endings_and_binary_junk() -> None:
    data = (AUDIT / "journal-crlf.txt").read_bytes() + b"\xff\xfe\x00junk\r\n"
    result = _run([], data)
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    names = ["getsockname", "setsockopt", "futex"]
    assert len(lines) == 3 and all(name in line for name, line in zip(names, lines, strict=True))
    assert not any("\r" in line for line in lines)
    assert "2 lines were not seccomp audit records" in result.stderr


def test_json_prints_one_object_per_record() -> None:
    result = _run(["--json"], (AUDIT / "audit.log").read_text())
    assert result.exit_code == 0
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["action"] for o in objects] == ["trace", "user_notif", "trap", "allow", "log"]
    assert objects[0]["comm"] == "my comm" and objects[0]["syscall_name"] == "mkdir"
    assert objects[-1]["syscall_name"] is None and objects[-1]["arch"] == "12345678"
    assert "1 line was not a seccomp audit record" in result.stderr


def test_an_argument_may_hold_several_lines() -> None:
    result = _run([(AUDIT / "syslog.txt").read_text()])
    assert result.exit_code == 0
    assert "aarch64 #34 mkdirat" in result.stdout and "x86 #39 mkdir" in result.stdout


def test_long_explains_each_record() -> None:
    result = _run(["--long", TUTORIAL.replace("0x7ffc0000", "0x80000000")])
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert "KILL_PROCESS" in flat and "Bad system call" in flat
    assert "asks for the local address a socket is bound to" in flat


def test_no_records_exits_1_and_says_where_records_come_from() -> None:
    result = _run([], "nothing here\n\n\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "1 line was not a seccomp audit record" in result.stderr  # blank lines are not counted
    assert "no seccomp audit records found" in result.stderr


@pytest.mark.parametrize("args", [["--json", "--long", TUTORIAL], ["--nope"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert _run(args).exit_code == 2


def test_help_teaches_where_records_come_from() -> None:
    result = _run(["--help"])
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    for phrase in ("rate-limited", "callbacks suppressed", "SECCOMP_FILTER_FLAG_LOG",
                   "dmesg | seclab explain", "journalctl -k", "/var/log/audit/audit.log",
                   "seclab watch"):  # fmt: skip
        assert phrase in flat, phrase


def _seclab(args: list[str], stdin: bytes | None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", "from lab.cli import main; main()", "explain", *args],
        input=stdin, capture_output=True, cwd=REPO, timeout=60,
        stdin=subprocess.DEVNULL if stdin is None else None,
    )  # fmt: skip


def test_the_real_program_reads_a_pipe() -> None:
    log = b"".join(p.read_bytes() for p in sorted(AUDIT.iterdir()))
    proc = _seclab(["--json"], log)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 17
    assert b"Traceback" not in proc.stderr


def test_the_real_program_with_an_empty_stdin_says_none_found() -> None:
    proc = _seclab([], b"")
    assert proc.returncode == 1 and b"no seccomp audit records found" in proc.stderr


AUDITD = "type=SECCOMP msg=" + TUTORIAL
ENRICHED = 'AUID="unset" UID="root" GID="root" ARCH=x86_64 SYSCALL=getsockname'


def test_hostile_numbers_are_refused_with_the_reason_and_the_rest_still_decoded() -> None:
    lines = [
        AUDITD.replace("pid=29064", "pid=" + "9" * 5000),
        AUDITD.replace("1594067860.484", "9" * 5000 + ".5"),
        AUDITD.replace("1594067860.484", "99999999999999999999.5"),  # overflows gmtime
        AUDITD.replace("code=0x7ffc0000", "code=0x17ffc0000"),  # 33 bits
        TUTORIAL,
    ]
    for args in ([], ["--json"], ["--long"]):
        result = _run(args, "\n".join(lines) + "\n")
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert "Traceback" not in result.output
        assert result.exit_code == 0
    result = _run([], "\n".join(lines) + "\n")
    assert result.stdout.count("getsockname") == 2  # the far-future time and the tutorial
    assert "out of range" in result.stdout
    assert "line 1: pid=" in result.stderr and "not a number a kernel writes" in result.stderr
    assert "line 2: the audit(TIME:SERIAL) header" in result.stderr
    assert "line 4: code=0x17ffc0000 is larger than any kernel writes (code is 32 bits)" in (
        result.stderr
    )


def test_a_line_over_the_cap_is_skipped_and_reported_and_reading_goes_on() -> None:
    big = b"x" * (3 * 64 * 1024) + b"type=1326 " + TUTORIAL.encode()
    result = _run([], big + b"\n" + TUTORIAL.encode() + b"\n")
    assert result.exit_code == 0
    assert result.stdout.count("getsockname") == 1
    assert "1 line longer than 64 KiB skipped" in result.stderr
    assert "not a seccomp audit record" not in result.stderr  # counted once, as too long


def test_the_long_line_is_never_held_whole() -> None:
    import io

    from lab.commands import explain

    class Counted(io.BytesIO):
        largest = 0

        def read1(self, size: int = -1) -> bytes:
            assert 0 < size <= 2**20, "an unbounded read"
            chunk = super().read1(size)
            Counted.largest = max(Counted.largest, len(chunk))
            return chunk

    tally = explain._Tally()
    stream = Counted(b"y" * (10 * 2**20) + b"\n" + b"a\r\nb")
    assert list(explain._stdin_lines(stream, tally)) == ["", "a", "b"]
    assert tally.too_long == 1 and Counted.largest <= explain._BLOCK


def test_enrichment_whose_separator_was_lost_decodes_the_real_code() -> None:
    glued = AUDITD.replace("code=0x7ffc0000", "code=0x7ffc0000" + ENRICHED)
    result = _run(["--json"], glued + "\n")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["code"] == "0x7ffc0000" and record["action"] == "log"
    assert record["syscall_name"] == "getsockname"


def test_an_argument_with_auditds_separator_is_one_record() -> None:
    enriched = AUDITD + "\x1d" + ENRICHED
    result = _run([enriched])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("getsockname") == 1 and "LOG" in result.stdout
    assert result.stderr == ""  # the enriched half is not a second, skipped line


def test_a_live_pipe_shows_each_record_before_the_next_arrives() -> None:
    # Output is written in blocks and flushed whenever the reader would wait for input: a record
    # written to a pipe that stays open is printed at once (`dmesg -w | seclab explain`).
    import select

    proc = subprocess.Popen(
        [sys.executable, "-m", "lab", "explain"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, cwd=REPO,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write((TUTORIAL + "\n").encode())
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the record was not printed while the pipe stayed open"
        assert b"getsockname" in proc.stdout.readline()
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
