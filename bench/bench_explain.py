"""`seclab explain` against `ausearch -i` on the same audit.log of SECCOMP records, side by side.

Run from a checkout: `PYTHONPATH=. python bench/bench_explain.py [N] [RUNS]` (default 100,000
records, 5 paired runs). The log is generated here, in auditd's own shape (`type=SECCOMP
msg=audit(…): …` with the interpreted fields after 0x1d); ausearch comes from Debian's `auditd`
package (`apt-get install auditd`; the daemon is not needed and not started). Both read the file
and write their text to /dev/null (ausearch is given the file with -if; seclab reads it on
stdin, as in `seclab explain < audit.log`). Figures only, no assertions: machines differ. Wall
time and CPU time (user+sys, which a busy machine disturbs less) are printed as medians.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSCALLS = ((51, "getsockname"), (0, "read"), (1, "write"), (39, "getpid"), (110, "getppid"))


def write_log(path: Path, n: int) -> None:
    with path.open("w") as out:
        for i in range(n):
            number, name = SYSCALLS[i % len(SYSCALLS)]
            out.write(
                f"type=SECCOMP msg=audit({1700000000 + i // 1000}.{i % 1000:03d}:{i + 1}): "
                f"auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid={1000 + i % 5000} "
                f'comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall={number} compat=0 '
                f'ip=0x46fe1f code=0x7ffc0000\x1dAUID="unset" UID="root" GID="root" ARCH=x86_64 '
                f"SYSCALL={name}\n"
            )


def timed(argv: list[str], log: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run reading `log` on stdin."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("rb") as stdin:
        subprocess.run(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    ausearch = shutil.which("ausearch")
    seclab = [sys.executable, "-m", "lab", "explain"]
    with tempfile.TemporaryDirectory(prefix="seclab-bench-") as folder:
        log = Path(folder) / "audit.log"
        write_log(log, n)
        print(f"{n:,} SECCOMP records, {log.stat().st_size / 1e6:.1f} MB, {runs} paired runs, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")  # fmt: skip
        results: dict[str, list[tuple[float, float]]] = {"seclab explain": [], "ausearch -i": []}
        for _ in range(runs):
            results["seclab explain"].append(timed(seclab, log))
            if ausearch:
                results["ausearch -i"].append(timed([ausearch, "-i", "-if", str(log)], log))
        for label, pairs in results.items():
            if not pairs:
                print(f"{label:<16} not installed (Debian: apt-get install auditd)")
                continue
            wall = statistics.median(p[0] for p in pairs)
            cpu = statistics.median(p[1] for p in pairs)
            print(f"{label:<16} wall {wall:6.2f} s  cpu {cpu:6.2f} s  {n / wall:>9,.0f} records/s")
        if results["ausearch -i"]:
            ours = statistics.median(p[0] for p in results["seclab explain"])
            theirs = statistics.median(p[0] for p in results["ausearch -i"])
            print(f"seclab explain / ausearch -i (wall): {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
