"""Ctrl-C in the real program while `kind create cluster` runs: the child is gone, and the
half-made cluster is deleted.

kind cannot run here, so `kind` is a stand-in script on PATH (said so): it logs its arguments,
and `create cluster` sleeps as a slow node-image pull would. Everything else is the real
`seclab prepare` process, its real runner, and a real SIGINT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

FAKE_KIND = """#!/bin/sh
echo "$*" >> "$FAKE_KIND_LOG"
case "$*" in
  version) echo "kind v0.26.0 go1.23.4 linux/amd64" ;;
  "get clusters") echo "No kind clusters found." >&2 ;;
  "create cluster"*) echo $$ > "$FAKE_KIND_PID"; exec sleep 300 ;;
  "delete cluster"*) echo 'Deleting cluster "seclab" ...' >&2 ;;
  *) echo "fake kind: unexpected: $*" >&2; exit 3 ;;
esac
"""


def wait_for_file(path: Path, proc: subprocess.Popen[str], limit: float = 120) -> None:
    """Poll until the stand-in has started (a wait, not a timed assertion)."""
    deadline = time.monotonic() + limit
    while not path.exists() or not path.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            out, err = proc.communicate()
            raise AssertionError(f"kind create never started (exit {proc.returncode}):\n{err}")
        time.sleep(0.1)


def test_sigint_during_create_kills_kind_and_deletes_the_cluster(
    course: Path, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kind").write_text(FAKE_KIND)
    (bin_dir / "kind").chmod(0o755)
    log, pid_file = tmp_path / "kind.log", tmp_path / "kind.pid"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "FAKE_KIND_LOG": str(log),
        "FAKE_KIND_PID": str(pid_file),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab", "prepare", "--target", "kind"],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_file(pid_file, proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "kind create cluster --name seclab: stopped after" in err
    assert "removing the half-made cluster: kind delete cluster --name seclab" in err
    kind_pid = int(pid_file.read_text())
    gone = subprocess.run(["ps", "-o", "stat=", "-p", str(kind_pid)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=30)  # fmt: skip
    assert gone.stdout.strip() in ("", "Z"), f"kind create (pid {kind_pid}) still runs"
    calls = log.read_text().splitlines()
    assert calls[-1] == "delete cluster --name seclab", calls
    assert "The room" not in out
