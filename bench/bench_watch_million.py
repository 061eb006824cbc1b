"""`seclab watch` against 1,000,000 logged syscalls from one process, and 2 × 1,000,000 from two.

Run as root from a checkout: `sudo PYTHONPATH=. python bench/bench_watch_million.py [N]`
(default 1,000,000 per process). Each workload is tests/audit/seccomp_child.py LOG-ing
`getppid` flat out; `seclab watch --json --pid …` writes to a file. Three ways to end:
  drained  — watch runs until its output stops growing, then SIGINT;
  prompt   — SIGINT as soon as the workloads exit: watch first prints what came before it;
  stop-now — SIGINT twice as soon as the workloads exit: what watch had not printed must be in
             its summary ("left unread at stop"), by cause.
Figures only, no assertions: captured, lost by cause, the kernel's `lost`, peak RSS of watch.
`python bench/bench_watch_million.py N PROCESSES MODE` runs one case.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = REPO / "tests" / "audit" / "seccomp_child.py"


def _children(n: int, count: int) -> list[subprocess.Popen[str]]:
    argv = [sys.executable, str(CHILD), "--wait", "LOG:getppid", "--", f"getppid:{n}"]
    return [subprocess.Popen(argv, stdin=subprocess.PIPE, text=True) for _ in range(count)]


def _count(path: Path, pids: set[int]) -> int:
    keys = [f'"pid": {pid},'.encode() for pid in pids]
    total = 0
    with path.open("rb") as f:
        for line in f:
            if any(k in line for k in keys):
                total += 1
    return total


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def run(n: int, processes: int, mode: str) -> dict[str, object]:
    children = _children(n, processes)
    pids = {c.pid for c in children}
    out = Path(tempfile.mkstemp(prefix="seclab-bench-watch-", suffix=".jsonl")[1])
    args = [a for pid in sorted(pids) for a in ("--pid", str(pid))]
    with out.open("wb") as sink:
        watch = subprocess.Popen(
            [sys.executable, "-m", "lab", "watch", "--json", *args],
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
    assert watch.stderr is not None
    watch.stderr.readline()  # the source is open
    start = time.monotonic()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.close()
    for child in children:
        child.wait()
    workload_s = time.monotonic() - start
    if mode == "stop-now":
        watch.send_signal(signal.SIGINT)
        time.sleep(0.5)
    if mode == "drained":
        last, still = -1, 0
        while still < 3:  # three quiet seconds: watch caught up
            time.sleep(1)
            size = _size(out)
            still = still + 1 if size == last else 0
            last = size
    watch.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(watch.pid, 0)
    watch.returncode = os.waitstatus_to_exitcode(status)
    err = watch.stderr.read().decode()
    total_s = time.monotonic() - start
    captured = _count(out, pids)
    out.unlink()
    lost = re.search(r"lost: (.*)", err)
    return {
        "captured": captured,
        "generated": n * processes,
        "workload_s": workload_s,
        "total_s": total_s,
        "rss_mib": usage.ru_maxrss / 1024,
        "lost": lost.group(1) if lost else err.strip()[-300:],
        "status": watch.returncode,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    cases = [(p, m) for p in (1, 2) for m in ("drained", "prompt", "stop-now")]
    if len(sys.argv) > 3:
        cases = [(int(sys.argv[2]), sys.argv[3])]
    for processes, mode in cases:
        r = run(n, processes, mode)
        print(
            f"{processes} × {n:,} logged getppid, {mode:8}: captured {r['captured']:,}"
            f" of {r['generated']:,}; workload {r['workload_s']:.1f} s,"
            f" watch done after {r['total_s']:.1f} s; peak RSS {r['rss_mib']:.0f} MiB;"
            f" exit {r['status']}",
            flush=True,
        )
        print(f"    watch's summary: lost: {r['lost']}", flush=True)

if __name__ == "__main__":
    main()
