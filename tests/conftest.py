"""Shared fixtures; markers that skip a test, with the reason, when a component is absent."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PROFILES = REPO / "profiles"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@cache
def _docker_unavailable() -> str | None:
    if shutil.which("docker") is None:
        return "the docker CLI is not installed (Debian: apt-get install docker.io)"
    try:
        proc = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer within 20 s"
    if proc.returncode != 0:
        return f"no Docker engine answers: {proc.stderr.strip()[:200]}"
    return None


@cache
def _kind_unavailable() -> str | None:
    missing = [tool for tool in ("kind", "kubectl", "docker") if shutil.which(tool) is None]
    if missing:
        return f"kind tests need {', '.join(missing)} on PATH (and network to pull the node image)"
    docker = _docker_unavailable()
    if docker or os.environ.get("SECLAB_KIND_PULL") == "1":
        return docker
    # Without a node image in Docker, kind create would try to pull one: offline, that fails
    # after a while on every run. SECLAB_KIND_PULL=1 lets kind pull it (a machine with network).
    proc = subprocess.run(
        ["docker", "images", "-q", "kindest/node"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    if not proc.stdout.strip():
        return "no kindest/node image in Docker (set SECLAB_KIND_PULL=1 to let kind pull one)"
    return None


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read or write the learner's real progress and state: everything seclab keeps
    # goes to a fresh folder for this run (inherited by the subprocesses tests start).
    state = tempfile.mkdtemp(prefix="seclab-test-state-")
    os.environ["XDG_STATE_HOME"] = state
    config.add_cleanup(lambda: shutil.rmtree(state, ignore_errors=True))
    cache = tempfile.mkdtemp(prefix="seclab-test-cache-")  # parsed lessons
    os.environ["XDG_CACHE_HOME"] = cache
    config.add_cleanup(lambda: shutil.rmtree(cache, ignore_errors=True))
    data = tempfile.mkdtemp(prefix="seclab-test-data-")  # exercise workspaces
    os.environ["XDG_DATA_HOME"] = data
    config.add_cleanup(lambda: shutil.rmtree(data, ignore_errors=True))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reasons = {
        "root": None if os.geteuid() == 0 else "needs root (run the tests with sudo)",
        "docker": None,
        "kind": None,
    }
    for item in items:
        for marker, reason in reasons.items():
            # The marker itself: `item.keywords` also holds the folder names (tests/targets/kind/).
            if item.get_closest_marker(marker) is None:
                continue
            if marker == "docker":
                reason = _docker_unavailable()
            elif marker == "kind":
                reason = _kind_unavailable()
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"{marker}: {reason}"))


@pytest.fixture
def profiles_dir() -> Path:
    """The repository's profiles directory."""
    return PROFILES


@pytest.fixture
def fixtures_dir() -> Path:
    """tests/fixtures: hand-made inputs (broken profiles, recorded transcripts, audit lines)."""
    return FIXTURES
