"""seclab reset removes what the lab created, and only that; a second run finds nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from lab.commands.reset import command
from lab.targets.base import ProfileRef, WorkloadSpec

REPO = Path(__file__).resolve().parent.parent


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_local_reset_stops_recorded_processes_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    # A session that dies without cleaning up (SIGKILL: no atexit) leaves its workload behind.
    code = (
        "import os, signal\n"
        "from lab.paths import profiles_dir\n"
        "from lab.targets.base import ProfileRef, WorkloadSpec\n"
        "from lab.targets.local.target import LocalTarget\n"
        "t = LocalTarget(profiles_dir())\n"
        "s = t.run(WorkloadSpec('left', 'busybox', ProfileRef.localhost('audit.json'),"
        " ('sleep', '300')))\n"
        "print(s.pids[0], flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(state)}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env,
        stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    left = int(run.stdout.split()[0])
    stranger = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL)
    try:
        assert alive(left)
        dry = CliRunner().invoke(command, ["--target", "local", "--dry-run"])
        assert f"would stop process {left}" in dry.output and alive(left)
        result = CliRunner().invoke(command, ["--target", "local"])
        assert result.exit_code == 0 and f"stopped process {left}" in result.output
        deadline = time.monotonic() + 10
        while alive(left) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(left)
        assert alive(stranger.pid), "reset touched a process the lab did not start"
        again = CliRunner().invoke(command, ["--target", "local"])
        assert again.output.strip() == "local: nothing of the lab's to remove"
    finally:
        stranger.kill()
        stranger.wait()


@pytest.mark.docker
def test_docker_reset_leaves_unlabelled_containers(profiles_dir: Path) -> None:
    import docker

    from lab.targets.docker.target import DockerTarget

    session = uuid.uuid4().hex[:12]
    target = DockerTarget(profiles_dir, session=session)
    name = f"t-reset-{session}"
    target.run(WorkloadSpec(name, "busybox", ProfileRef.runtime_default(), ("sleep", "300")))
    client = docker.from_env()
    # Deliberately without seclab=1: reset must never remove it. Removed below by this test.
    stranger = client.containers.run(
        target.images().image_for("busybox"), ["sleep", "300"], detach=True,
        name=f"unlabelled-{session}", labels={"test.owner": "seclab-tests"},
    )  # fmt: skip
    try:
        dry = CliRunner().invoke(command, ["--target", "docker", "--dry-run", "--session", session])
        assert f"would remove container seclab-{name}" in dry.output
        assert "unlabelled" not in dry.output
        assert target.state(name).phase.value == "running"
        result = CliRunner().invoke(command, ["--target", "docker", "--session", session])
        assert result.exit_code == 0 and f"removed container seclab-{name}" in result.output
        assert (
            client.containers.list(all=True, filters={"label": f"seclab.session={session}"}) == []
        )
        stranger.reload()
        assert stranger.status == "running"
        again = CliRunner().invoke(command, ["--target", "docker", "--session", session])
        assert again.output.strip() == "docker: nothing of the lab's to remove"
    finally:
        stranger.remove(force=True)
        target.reset()


def test_reset_all_reports_every_target(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")  # no engine: skipped
    result = CliRunner().invoke(command, ["--dry-run"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "local: nothing of the lab's to remove"
    assert any(line.startswith("docker: skipped (no Docker engine answers") for line in lines)
    assert any(line.startswith("kind:") for line in lines)
    only = CliRunner().invoke(command, ["--target", "docker", "--dry-run"])
    assert only.exit_code == 1 and "DOCKER_HOST" in only.output
