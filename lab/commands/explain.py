"""`seclab explain`: decode seccomp audit records pasted as arguments or piped in."""

from __future__ import annotations

import codecs
import json
import os
import re
import shlex
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import click

from lab.audit.decode import decode_line, describe, explain
from lab.audit.records import damage
from lab.profile.diagnostics import plural

HELP = """Decode seccomp audit records (type 1326) into words.

Give records as arguments, or pipe any log that holds them: lines that are not seccomp records
are skipped and counted on stderr, so whole logs are fine (Windows line endings too).

\b
Where the records come from:
  - the kernel writes one whenever a seccomp filter's action is logged: SCMP_ACT_LOG and the
    KILL actions by default;
  - ERRNO (and TRAP, TRACE, NOTIFY) denials are logged only when the filter was loaded with
    SECCOMP_FILTER_FLAG_LOG (a profile's "flags"); otherwise a blocked call leaves no line;
  - without auditd the kernel prints them through printk, which is rate-limited: dmesg,
    journalctl -k and /var/log/syslog keep only a few lines of a burst ("kauditd_printk_skb:
    N callbacks suppressed"). `seclab watch` reads the netlink audit group instead: not
    rate-limited, and any record it loses is counted by cause (see `seclab watch --help`);
  - with auditd running they go to /var/log/audit/audit.log as type=SECCOMP.

\b
Examples:
  dmesg | seclab explain
  seclab explain < /var/log/kern.log
  journalctl -k | seclab explain --json
  cat /var/log/audit/audit.log | seclab explain --long
  seclab explain "$(dmesg | grep type=1326 | tail -n 3)"

\b
A record (here the Kubernetes tutorial's, one line in the log) reads:
  audit(1594067860.484:14536): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29064
  comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=51 compat=0 ip=0x46fe1f
  code=0x7ffc0000
and decodes to: x86_64 syscall 51 getsockname, action LOG (allowed and logged).

Exit status: 0 when at least one record was decoded, 1 when none, 2 on usage errors.
"""
_SUPPRESSED = re.compile(r"kauditd_printk_skb: (\d+) callbacks suppressed")
_LOOKS_SECCOMP = ("type=1326", "type=SECCOMP")
# The kernel caps an audit message near 9 KB; anything far longer is not a record.
MAX_LINE = 64 * 1024
_BLOCK = 64 * 1024
_MAX_REASONS = 5


@dataclass
class _Tally:
    """What the input held besides records, reported once at the end."""

    decoded: int = 0
    skipped: int = 0
    damaged: int = 0  # said type=1326/SECCOMP but would not parse: cut off or reformatted
    suppressed: int = 0
    too_long: int = 0  # lines over MAX_LINE bytes, skipped unread
    reasons: list[str] = field(default_factory=list)  # why the first damaged lines were refused
    line: int = 0


def _lines(args: tuple[str, ...], tally: _Tally) -> Iterator[str]:
    """Arguments (each may hold several lines), else stdin read as bytes so junk cannot crash.

    Lines end at a newline only: str.splitlines would also split at 0x1d, the byte auditd puts
    between a record and its interpreted fields. A line longer than MAX_LINE is skipped without
    being held in memory (a 300 MB line without a newline took 646 MB).
    """
    if args and args != ("-",):  # `-` is standard input, as for other filters
        for arg in args:
            for line in arg.split("\n"):
                if len(line) > MAX_LINE:
                    tally.too_long += 1
                    yield ""
                else:
                    yield line.rstrip("\r")
        return
    yield from _stdin_lines(sys.stdin.buffer, tally)


def _stdin_lines(stream: Any, tally: _Tally) -> Iterator[str]:
    """Lines of a byte stream, read in blocks of what is there (read1), decoded per block.

    Before each read that may wait, what was printed is flushed: a live pipe (`dmesg -w |`)
    shows each record as it comes, a file is written in large blocks (printing and flushing line
    by line was a third of the time on a 100,000-record audit.log).
    """
    decode = codecs.getincrementaldecoder("utf-8")("replace").decode
    flush = sys.stdout.flush
    carry, skipping = "", False
    while True:
        flush()
        block = stream.read1(_BLOCK)
        text = decode(block, final=not block)
        if not block and not text:
            break
        parts = (carry + text).split("\n")
        carry = parts.pop()
        for index, line in enumerate(parts):
            if skipping and index == 0:
                skipping = False  # the end of an over-long line
                continue
            if len(line) > MAX_LINE:
                tally.too_long += 1
                yield ""
            else:
                yield line[:-1] if line.endswith("\r") else line
        if len(carry) > MAX_LINE:  # no newline in sight: drop it, and what follows up to one
            if not skipping:
                tally.too_long += 1
                yield ""
            carry, skipping = "", True
        if not block:
            break
    if carry and not skipping:
        yield carry.removesuffix("\r")


def _report(tally: _Tally) -> None:
    if tally.too_long:
        click.echo(
            f"{plural(tally.too_long, 'line')} longer than {MAX_LINE // 1024} KiB skipped: an "
            "audit record is under 9 KB, so these are not records (a log joined without "
            "newlines?)",
            err=True,
        )
    if tally.skipped:
        were = "line was not a seccomp audit record" if tally.skipped == 1 else (
            "lines were not seccomp audit records")  # fmt: skip
        click.echo(f"{tally.skipped} {were}", err=True)
    if tally.damaged:
        click.echo(
            f"{tally.damaged} of them named type=1326/SECCOMP but could not be read: cut off, "
            "or reformatted (`ausearch -i` output is not supported; pass the raw log).",
            err=True,
        )
        for reason in tally.reasons:
            click.echo(f"  {reason}", err=True)
    if tally.suppressed:
        click.echo(
            f"the kernel suppressed {tally.suppressed} printk callbacks: records were dropped "
            "from this log. `seclab watch` reads the audit netlink group: not rate-limited, and "
            "it counts any record it loses.",
            err=True,
        )
    if not tally.decoded:
        click.echo(
            "no seccomp audit records found. Records appear when a filter logs (SCMP_ACT_LOG, "
            "KILL, or any action with SECCOMP_FILTER_FLAG_LOG); try `dmesg | seclab explain`.",
            err=True,
        )


def _explain_all(lines: Iterable[str], as_json: bool, long: bool, tally: _Tally) -> None:
    write = sys.stdout.write
    for line in lines:
        tally.line += 1
        event = decode_line(line)
        if event is None:
            if line.strip():
                tally.skipped += 1
                if any(kind in line for kind in _LOOKS_SECCOMP):
                    tally.damaged += 1
                    reason = damage(line)
                    if reason and len(tally.reasons) < _MAX_REASONS:
                        tally.reasons.append(f"line {tally.line}: {reason}")
                found = _SUPPRESSED.search(line)
                tally.suppressed += int(found.group(1)) if found else 0
            continue
        tally.decoded += 1
        # Plain writes to the buffered stdout; the reader flushes before it waits for input.
        if as_json:
            write(json.dumps(event.to_json(), sort_keys=False) + "\n")
        elif long:
            write(explain(event) + "\n\n")
        else:
            write(describe(event) + "\n")


def _is_file(arg: str) -> bool:
    return len(arg) < 4096 and "\n" not in arg and os.path.exists(arg)


@click.command("explain", help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("lines", nargs=-1, metavar="[LINE]...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per record.")
@click.option("--long", "-l", is_flag=True, help="Explain each record in a few sentences.")
def command(lines: tuple[str, ...], as_json: bool, long: bool) -> None:
    """Decode seccomp audit records."""
    if as_json and long:
        raise click.UsageError("choose --json or --long, not both")
    reads_stdin = not lines or lines == ("-",)
    if reads_stdin and (sys.stdin is None or (not lines and sys.stdin.isatty())):  # None: `<&-`
        raise click.UsageError(
            "give audit lines as arguments, or pipe a log in: dmesg | seclab explain"
        )
    try:
        tally = _Tally()
        _explain_all(_lines(lines, tally), as_json, long, tally)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (e.g. `head`) has gone: stop quietly, as other Unix filters do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    _report(tally)
    if not tally.decoded:
        # `seclab explain /var/log/kern.log` reads the name as a line: say how to pass a file.
        for name in (arg for arg in lines if arg != "-" and _is_file(arg)):
            click.echo(f"{name} is a file: arguments are audit lines; pipe the file in: "
                       f"seclab explain < {shlex.quote(name)}", err=True)  # fmt: skip
    sys.exit(0 if tally.decoded else 1)
