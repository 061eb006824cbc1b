"""Ctrl-C in a session running a Docker workload leaves no labelled container behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[3]


def test_containers_are_removed_after_ctrl_c() -> None:
    import docker

    session = uuid.uuid4().hex[:12]
    code = (
        "import sys, time\n"
        "from lab.paths import profiles_dir\n"
        "from lab.targets.base import ProfileRef, WorkloadSpec\n"
        "from lab.targets.docker.target import DockerTarget\n"
        f"t = DockerTarget(profiles_dir(), session={session!r})\n"
        f"s = t.run(WorkloadSpec('t-ctrlc-{session}', 'http-echo', ProfileRef.runtime_default()))\n"
        "print(s.phase.value, flush=True)\n"
        "time.sleep(120)\n"
    )
    ours = {"label": f"seclab.session={session}"}
    client = docker.from_env()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO)}, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "running"
        assert len(client.containers.list(filters=ours)) == 1
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "KeyboardInterrupt" in err  # it really was interrupted, not finished
        assert client.containers.list(all=True, filters=ours) == []
    finally:
        proc.kill()
        for container in client.containers.list(all=True, filters=ours):
            container.remove(force=True)
