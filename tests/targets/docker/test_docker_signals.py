"""A signal during the container create request leaves no `Created` container behind.

The signal is sent at the worst moment on purpose: while the create request is in flight (the
request runs on a helper thread here, so the engine keeps creating after the signal, as it
does when a real Ctrl-C cuts the connection). The session's `finally` then closes the target.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[3]
_SCRIPT = """
import os, signal, sys, threading
import docker.api.container as api
from lab.paths import profiles_dir
from lab.targets.base import ProfileRef, WorkloadSpec
from lab.targets.docker.target import DockerTarget

signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))  # as lab.cli does
sig = int(sys.argv[1])
real = api.ContainerApiMixin.create_container

def create_container(self, *args, **kwargs):
    box = {}
    request = threading.Thread(target=lambda: box.update(made=real(self, *args, **kwargs)))
    request.start()
    os.kill(os.getpid(), sig)  # the handler runs now, with the answer not yet here
    request.join()
    return box["made"]

api.ContainerApiMixin.create_container = create_container
target = DockerTarget(profiles_dir(), prefer_offline=True)
print(target.session, flush=True)
try:
    target.run(WorkloadSpec("sig-check", "busybox", ProfileRef.localhost("audit.json"),
                            ("sleep", "300")))
finally:
    target.close()
"""


def _left(client: object, session: str) -> list[object]:
    return client.containers.list(  # type: ignore[attr-defined]
        all=True, filters={"label": [f"seclab.session={session}"]}
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_create_request_leaves_no_container(sig: signal.Signals) -> None:
    import docker

    client = docker.from_env()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    sessions: list[str] = []
    for _ in range(5):
        run = subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(int(sig))],
            capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120,
        )  # fmt: skip
        assert run.returncode != 0, run.stderr  # the signal ended it
        sessions.append(run.stdout.split()[0])
    time.sleep(1)  # an engine still finishing a create would show it by now
    leaked = [c for s in sessions for c in _left(client, s)]
    for container in leaked:
        container.remove(force=True)  # type: ignore[attr-defined]
    assert leaked == [], f"{len(leaked)} of {len(sessions)} sessions left a container"
