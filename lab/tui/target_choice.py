"""Which target `seclab start` uses when none is named: the richest one that answers here.

The lab's kind cluster when it exists, else a Docker engine that answers, else the local
kernel, which always works. Each answer comes with the one-line reason the app shows.
Runs on a worker thread (it may wait a few seconds for docker or kind).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from lab.targets.commands import CommandError, SubprocessRunner

DOCTOR_HINT = "`seclab doctor` says what each target needs"


@dataclass(frozen=True)
class Choice:
    """The target to start on, and why."""

    target: str
    reason: str


def kind_cluster_up(name: str = "seclab") -> bool:
    if shutil.which("kind") is None or shutil.which("kubectl") is None:
        return False
    try:
        done = SubprocessRunner()(["kind", "get", "clusters"], timeout=10, check=False)
    except CommandError:
        return False
    return name in done.stdout.split()


def docker_answers() -> bool:
    from lab.targets.docker.context import follow

    follow()  # the docker CLI's current context, which the SDK alone would ignore
    host = os.environ.get("DOCKER_HOST", "")
    if not host and not os.path.exists("/var/run/docker.sock"):
        return False
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:  # any failure means "not available here"; doctor explains which
        return False
    return True


def choose_target(
    kind_up: Callable[[], bool] = kind_cluster_up,
    docker_up: Callable[[], bool] = docker_answers,
) -> Choice:
    """The target for a session started without `--target`."""
    if kind_up():
        return Choice("kind", f"Target kind: the lab's cluster `seclab` is up ({DOCTOR_HINT}).")
    if docker_up():
        return Choice("docker", f"Target docker: a Docker engine answers here ({DOCTOR_HINT}).")
    return Choice(
        "local",
        f"Target local: no kind cluster `seclab` and no Docker engine answer here; {DOCTOR_HINT}.",
    )
