"""Print how many seccomp audit records per second one core parses, decodes, and aggregates.

Run from a checkout: `PYTHONPATH=. python bench/bench_parse.py [N]` (or after `pip install -e .`).
Figures only, no assertions: machines differ.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from lab.audit.aggregate import Aggregate
from lab.audit.decode import decode, decode_line
from lab.audit.records import parse_line

# A realistic mix: the netlink shape, printk shapes with and without subj=, auditd's, arches.
_SAMPLES = [
    'audit({t}:{s}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29064 comm="http-echo" '
    'exe="/http-echo" sig=0 arch=c000003e syscall=51 compat=0 ip=0x46fe1f code=0x7ffc0000',
    "[ 1234.567890] audit: type=1326 audit({t}:{s}): auid=1000 uid=1000 gid=1000 ses=3 "
    'subj=unconfined pid=4242 comm="python3" exe="/usr/bin/python3.11" sig=0 arch=c000003e '
    "syscall=110 compat=0 ip=0x7f3a9c0e1a3d code=0x7ffc0000",
    "Nov 22 20:00:01 node kernel: audit: type=1326 audit({t}:{s}): auid=4294967295 uid=0 gid=0 "
    'ses=4294967295 pid=77 comm="mkdir" exe="/bin/busybox" sig=31 arch=c00000b7 syscall=34 '
    "compat=0 ip=0xffff8a2b3c4d code=0x80000000",
    "type=SECCOMP msg=audit({t}:{s}): auid=4294967295 uid=0 gid=0 ses=4294967295 "
    'subj=system_u:system_r:container_t:s0:c1,c2 pid=31337 comm=6D7920636F6D6D exe="/app" '
    "sig=0 arch=40000003 syscall=39 compat=1 ip=0xf7f1c549 code=0x50000",
]


def _lines(n: int) -> list[str]:
    return [
        _SAMPLES[i % len(_SAMPLES)].format(t=f"{1700000000 + i // 1000}.{i % 1000:03d}", s=i)
        for i in range(n)
    ]


def _rate(label: str, n: int, work: Callable[[], int], repeat: int = 3) -> None:
    # The best of a few runs: other processes on a shared machine only ever slow a run down.
    best, done = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        done = work()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<14} {n / best:>12,.0f} records/s  ({done:,} of {n:,}, best of {repeat})")


def main() -> None:
    """Parse, decode and parse+decode the same lines, one core, after a warm-up."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    lines = _lines(n)
    decode_line(lines[0])  # load libseccomp's tables outside the timing
    for sample in _lines(len(_SAMPLES)):
        decode_line(sample)
    parsed = [e for e in map(parse_line, lines) if e is not None]
    _rate("parse", n, lambda: sum(1 for e in map(parse_line, lines) if e is not None))
    _rate("decode", n, lambda: sum(1 for _ in map(decode, parsed)))
    _rate("parse+decode", n, lambda: sum(1 for e in map(decode_line, lines) if e is not None))
    _rate("+aggregate", n, lambda: _aggregate(lines))


def _aggregate(lines: list[str]) -> int:
    totals = Aggregate()
    for event in map(decode_line, lines):
        if event is not None:
            totals.add(event)
    return totals.total


if __name__ == "__main__":
    main()
