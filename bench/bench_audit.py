"""The audit stream under a burst: generated vs captured, throughput, memory, and dmesg's view.

Run as root from a checkout: `sudo PYTHONPATH=. python bench/bench_audit.py [N]` (default
200,000). A child makes N logged `getppid` calls flat out while the stream reads; then the
same burst is counted through /dev/kmsg (what `dmesg` shows). Figures only, no assertions.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from lab.audit.aggregate import Aggregate
from lab.audit.decode import decode_line
from lab.audit.kmsg import KmsgSource
from lab.audit.loss import suppressed_count
from lab.audit.netlink import AUDIT_SECCOMP, NetlinkSource
from lab.audit.source import RawRecord
from lab.audit.stream import AuditStream

_CHILD = (
    "import os, sys, pyseccomp\n"
    "f = pyseccomp.SyscallFilter(pyseccomp.ALLOW)\n"
    "f.add_rule(pyseccomp.LOG, 'getppid')\n"
    "sys.stdin.readline()\n"  # wait until the reader is ready and knows our pid
    "f.load()\n"
    "for _ in range(int(sys.argv[1])):\n    os.getppid()\n"
)


def _burst(n: int) -> tuple[subprocess.Popen[str], float]:
    """Start the child paused; returns it and a start time once released."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(n)], stdin=subprocess.PIPE, text=True
    )
    return child, time.monotonic()


def _release(child: subprocess.Popen[str]) -> float:
    assert child.stdin is not None
    start = time.monotonic()
    child.stdin.write("go\n")
    child.stdin.close()
    child.wait(timeout=600)
    return time.monotonic() - start


def _reset_peak_rss() -> None:
    # Writing 5 to clear_refs resets VmHWM, so each run reports its own peak.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream_run(n: int, capacity: int) -> dict[str, float]:
    """N records through netlink → parse+decode → aggregate → ring (bounded)."""
    child, _ = _burst(n)
    pid = child.pid
    aggregate = Aggregate()
    source = NetlinkSource()
    source.open()
    _reset_peak_rss()
    with AuditStream(
        source, match=lambda e: e.pid == pid, sinks=(aggregate,), capacity=capacity
    ) as stream:
        wall0 = time.monotonic()
        seconds = _release(child)
        synced = stream.sync(timeout=60) or stream.sync(timeout=10)  # see seclab watch
        wall = time.monotonic() - wall0
        stats = stream.stats()
    return {
        "generated": n,
        "captured": stats.shown,
        "workload_s": seconds,
        "through_s": wall,
        "dropped_ring": stats.loss.buffer_dropped,
        "gaps": stats.loss.serial_gaps,
        "overflows": stats.loss.receive_overflows,
        "rss_mib": _peak_rss_mib(),
        "synced": float(synced),
    }


def offline_rate(n: int) -> float:
    """Records per second for parse+decode+aggregate alone, on payloads read from the kernel."""
    source = NetlinkSource()
    source.open()
    child, _ = _burst(n)
    pid = child.pid
    _release(child)
    raw: list[RawRecord] = []
    while batch := source.read_batch(1.0):
        raw += batch
    source.close()
    texts = [t for k, t in raw if k == AUDIT_SECCOMP and f" pid={pid} " in t]
    aggregate = Aggregate()
    start = time.perf_counter()
    for text in texts:
        event = decode_line(text)
        if event is not None:
            aggregate.add(event)
    return len(texts) / (time.perf_counter() - start)


def kmsg_run(n: int) -> dict[str, int]:
    """The same burst as `dmesg -w` sees it: printk's rate limit decides what is left."""
    source = KmsgSource()
    source.open()
    child, _ = _burst(n)
    pid = child.pid
    _release(child)
    seen = suppressed = 0
    quiet = 0
    while quiet < 3:  # printk may trail the workload; stop after 3 quiet seconds
        batch = source.read_batch(1.0)
        quiet = 0 if batch else quiet + 1
        for _, text in batch:
            if "type=1326" in text and f" pid={pid} " in text:
                seen += 1
            suppressed += suppressed_count(text)
    source.close()
    return {"generated": n, "printed": seen, "suppressed_reported": suppressed}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    print(f"seccomp audit burst: {n:,} logged getppid calls from one child, flat out\n")
    first = stream_run(n, capacity=max(n, 1))
    print("netlink stream (parse + decode + aggregate + ring):")
    print(
        f"  captured {first['captured']:,.0f} of {first['generated']:,.0f} generated"
        f"  ({100 * first['captured'] / first['generated']:.2f} %)"
    )
    print(
        f"  workload ran {first['workload_s']:.2f} s "
        f"({first['generated'] / first['workload_s']:,.0f} records/s from the kernel)"
    )
    print(
        f"  all read {first['through_s']:.2f} s after release;"
        f" gaps {first['gaps']:.0f}, socket overflows {first['overflows']:.0f}"
    )
    print(f"  peak RSS {first['rss_mib']:.0f} MiB (ring holds every event)")
    print(
        f"  parse+decode+aggregate alone: {offline_rate(min(n, 200_000)):,.0f} records/s (one core)"
    )
    big = stream_run(1_000_000, capacity=100_000)
    print("\n1,000,000 events, ring bounded at 100,000 (nobody consuming it):")
    print(
        f"  captured {big['captured']:,.0f} of 1,000,000 in {big['workload_s']:.1f} s;"
        f" dropped from the ring {big['dropped_ring']:,.0f} (oldest first, counted)"
    )
    print(
        f"  serial gaps {big['gaps']:,.0f}, socket overflows {big['overflows']:.0f}"
        " (the reader fell behind the kernel by more than the receive buffer holds)"
        if big["overflows"]
        else f"  serial gaps {big['gaps']:,.0f}, socket overflows 0"
    )
    print(f"  peak RSS {big['rss_mib']:.0f} MiB")
    k = kmsg_run(n)
    print("\n/dev/kmsg (what dmesg, journalctl -k and syslog get):")
    print(
        f"  printed {k['printed']:,} of {k['generated']:,}"
        f" ({100 * k['printed'] / k['generated']:.3f} %);"
        f" printk reported {k['suppressed_reported']:,} callbacks suppressed"
    )
    print(f"\nside by side: netlink {first['captured']:,.0f}  vs  dmesg {k['printed']:,}")


if __name__ == "__main__":
    main()
