"""The kind target on a real kind cluster: runs where kind, kubectl and Docker exist.

Skipped elsewhere (tests/conftest.py says why). The cluster has the lab's own name, "seclab":
one that exists is reused and left standing; one made here is deleted at the end, even when a
test fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.targets.base import Phase, ProfileRef, WorkloadSpec, WorkloadState
from lab.targets.kind import config as kindconfig
from lab.targets.kind.manifests import HTTP_ECHO_IMAGE, MANAGED
from lab.targets.kind.target import KindTarget

pytestmark = [pytest.mark.kind, pytest.mark.timeout(1500)]

REPO = Path(__file__).resolve().parents[3]
CLUSTER = "seclab"


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KindTarget]:
    kind = KindTarget(REPO / "profiles", cluster_name=CLUSTER)
    config = kindconfig.render(kindconfig.load(REPO / "kind.yaml"), REPO / "profiles")
    path = kindconfig.write(config, REPO / "kind.yaml", tmp_path_factory.mktemp("kind"), CLUSTER)
    created = False
    try:
        if not kind.cluster.exists():
            kind.cluster.create(path)
            created = True
        if kind.cluster.image_present(HTTP_ECHO_IMAGE):
            kind.cluster.load_image(HTTP_ECHO_IMAGE)
        kind.prepare()
        yield kind
    finally:
        if created:
            kind.cluster.delete()


def wait_for(kind: KindTarget, name: str, *phases: Phase, timeout: float = 300) -> WorkloadState:
    """Poll the pod until it reaches one of the phases (image pulls can take minutes)."""
    deadline = time.monotonic() + timeout
    state = kind.state(name)
    while state.phase not in phases and time.monotonic() < deadline:
        time.sleep(2)
        state = kind.state(name)
    return state


def test_audit_pod_runs_and_answers(target: KindTarget) -> None:
    target.run(WorkloadSpec("audit-pod", "http-echo", ProfileRef.localhost("audit.json")))
    state = wait_for(target, "audit-pod", Phase.RUNNING)
    assert state.phase is Phase.RUNNING, state
    # Running is not yet listening, and a new NodePort takes a moment (seen live): ask again.
    deadline = time.monotonic() + 60
    response = target.request("audit-pod")
    while response.status != 200 and time.monotonic() < deadline:
        time.sleep(1)
        response = target.request("audit-pod")
    assert response.status == 200 and response.body.strip() == "just made some syscalls!"


def test_violation_pod_crash_loops(target: KindTarget) -> None:
    target.run(WorkloadSpec("violation-pod", "http-echo", ProfileRef.localhost("violation.json")))
    state = wait_for(target, "violation-pod", Phase.CRASH_LOOPING)
    assert state.phase is Phase.CRASH_LOOPING, state
    # runc refused to start it (exit 128); seen live: lastState.terminated may come before the
    # restart count moves, and that already is a crash loop.
    assert state.exit_code == 128 and state.message, state


def test_missing_profile_fails_container_creation(target: KindTarget) -> None:
    spec = WorkloadSpec("missing-pod", "http-echo", ProfileRef.localhost("no-such-profile.json"))
    target.run(spec)
    state = wait_for(target, "missing-pod", Phase.FAILED_TO_CREATE)
    assert state.phase is Phase.FAILED_TO_CREATE and state.reason == "CreateContainerError"
    assert state.message and "cannot load seccomp profile" in state.message


def test_reset_leaves_nothing_labelled(target: KindTarget) -> None:
    gone = target.reset()
    assert "pod/audit-pod" in gone and "service/audit-pod" in gone
    left = target.kubectl.get_json("pods,services", "--all-namespaces", "-l", MANAGED) or {}
    assert left.get("items") == []
    assert target.reset() == []
