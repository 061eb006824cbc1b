"""Start the local echo workload under a profile and talk to it, for the workload tests."""

from __future__ import annotations

import http.client
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lab.profile.model import Profile
from lab.sandbox import SandboxedProcess, SandboxOutcome, start_sandboxed

REPO = Path(__file__).resolve().parents[2]
WORKLOAD = [sys.executable, "-m", "lab.workloads.http_echo"]


@dataclass
class RunningEcho:
    """A started echo server: its process, port, and (after it stops) how it ended."""

    proc: SandboxedProcess
    port: int
    outcome: SandboxOutcome | None = None
    stderr: str = ""

    def get(self, path: str) -> tuple[int, str, str]:
        """(status, content type, body) of a GET on the server."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode()
            return response.status, response.getheader("Content-Type") or "", body
        finally:
            conn.close()


def _read_port(proc: subprocess.Popen[bytes]) -> int:
    assert proc.stdout is not None
    # A guard against a hung start, not a timing assertion.
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline().decode() if ready else ""
    assert "listening on" in line, f"no listening line; got {line!r}"
    return int(line.rsplit(":", 1)[1])


@contextmanager
def running_echo(
    profile: Profile | None, *args: str, env: Mapping[str, str] | None = None
) -> Iterator[RunningEcho]:
    """The workload on 127.0.0.1 (a free port) under `profile`; stopped with SIGTERM at the end."""
    argv = [*WORKLOAD, *(args or ("-text=hello from seclab",)), "-listen=127.0.0.1:0"]
    proc = start_sandboxed(
        profile, argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env
    )
    running = None
    try:
        running = RunningEcho(proc, _read_port(proc))
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        if running is not None:
            running.stderr = err.decode(errors="replace")
            running.outcome = proc.outcome()
        else:
            proc.outcome()


def cold_cache_env(prefix: Path) -> dict[str, str]:
    """The environment with bytecode writing on, into an empty cache: Python's cold start."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(prefix)}
