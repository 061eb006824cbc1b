"""A signal while a local workload's launcher starts leaves nothing behind.

The signal is sent at the worst moment on purpose: from inside `start_sandboxed`, right after
the launcher process exists and before the target knows it. The CLI turns SIGTERM into
SystemExit and Ctrl-C is KeyboardInterrupt; the session's `finally` then closes the target.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
_SCRIPT = """
import os, signal, sys
import lab.sandbox as sandbox
from lab.paths import profiles_dir
from lab.targets.base import ProfileRef, WorkloadSpec
from lab.targets.local.target import LocalTarget

signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))  # as lab.cli does
sig, pids, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
real = sandbox.start_sandboxed

def start(*args, **kwargs):
    proc = real(*args, **kwargs)
    with open(pids, "a") as f:
        f.write(f"{proc.pid}\\n")
    os.kill(os.getpid(), sig)  # the handler runs here: the launcher exists, nobody knows it
    return proc

sandbox.start_sandboxed = start
target = LocalTarget(profiles_dir())
try:
    if path == "run":
        target.run(WorkloadSpec("audit-pod", "http-echo", ProfileRef.localhost("audit.json")))
    else:
        spec = WorkloadSpec("one", "busybox", ProfileRef.localhost("audit.json"), ("sleep", "300"))
        target.run_to_completion(spec)
finally:
    target.close()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("path", ["run", "run_to_completion"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_the_launcher_starts_leaves_no_process(
    tmp_path: Path, sig: signal.Signals, path: str
) -> None:
    pids = tmp_path / "pids"
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(tmp_path / "state")}
    leaked: list[int] = []
    for _ in range(5):
        run = subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(int(sig)), str(pids), path],
            capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60,
        )  # fmt: skip
        assert run.returncode != 0, run.stderr  # the signal ended it
    started = [int(p) for p in pids.read_text().split()]
    deadline = time.monotonic() + 5  # a killed launcher takes a moment to be reaped
    while any(_alive(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    leaked = [p for p in started if _alive(p)]
    for pid in leaked:
        os.kill(pid, signal.SIGKILL)
    assert len(started) == 5
    assert leaked == [], f"{len(leaked)} of {len(started)} launchers outlived the session"
