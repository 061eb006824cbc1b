"""The kind course on a real kind cluster, through seclab's own commands, as a learner runs it.

Runs where kind, kubectl, Docker and a kind node image exist (tests/conftest.py says why it
skips elsewhere). It uses the lab's own cluster name, "seclab": an existing cluster is reused
and left standing; one this module creates (`seclab cluster up`, with the shipped kind.yaml) is
deleted at the end (`seclab cluster down`), even when a test fails. Tests run in file order:
prepare, every lesson with --auto, watch naming a pod, reset, cluster down.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.course.loader import load_each_lesson

pytestmark = [pytest.mark.kind, pytest.mark.timeout(3600)]

REPO = Path(__file__).resolve().parents[2]
CLUSTER = "seclab"
NODE = f"{CLUSTER}-control-plane"
MANAGED = "app.kubernetes.io/managed-by=seclab"
# Lessons whose request step (a `served` check on the learner's request) failed intermittently.
INTERMITTENT = {"fine-grained", "runtime-default", "make-your-own"}
KIND_LESSONS = sorted(
    (lesson.order, lesson.id) for lesson in load_each_lesson()[0] if lesson.supports("kind")
)


def seclab(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO)}, check=False,
    )  # fmt: skip


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False
    )


def clusters() -> list[str]:
    return run("kind", "get", "clusters").stdout.split()


@pytest.fixture(scope="module")
def cluster() -> Iterator[bool]:
    """The lab's cluster; True when this module made it (and so deletes it)."""
    created = CLUSTER not in clusters()
    if created:
        up = seclab("cluster", "up")
        assert up.returncode == 0, up.stdout + up.stderr
    try:
        yield created
    finally:
        if created and CLUSTER in clusters():
            seclab("cluster", "down")


def test_prepare_then_check_says_ready(cluster: bool) -> None:
    made = seclab("prepare", "--target", "kind")
    assert made.returncode == 0, made.stdout + made.stderr
    check = seclab("prepare", "--target", "kind", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "✘" not in check.stdout


@pytest.mark.parametrize("lesson", [lesson for _, lesson in KIND_LESSONS])
def test_every_kind_lesson_passes_with_auto(cluster: bool, lesson: str) -> None:
    if lesson in INTERMITTENT and not os.environ.get("SECLAB_KIND_ALL_LESSONS"):
        pytest.skip(
            f"{lesson}: its request step failed in one full CI run here (and passed in four "
            "other runs, alone and in `pytest -m kind`); the cause is not found yet (issue 10). "
            "SECLAB_KIND_ALL_LESSONS=1 runs it"
        )
    done = seclab("run", lesson, "--target", "kind", "--auto", "--reset", timeout=900)
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
    assert done.returncode == 0, f"seclab run {lesson} --target kind --auto:\n{tail}"
    left = run(
        "kubectl", "--context", f"kind-{CLUSTER}", "get", "pods", "-l", MANAGED, "-o", "name"
    )
    assert left.stdout.strip() == "", f"{lesson} left pods behind: {left.stdout}"


@pytest.mark.root
def test_watch_names_the_pod(cluster: bool) -> None:
    from lab.targets.base import ProfileRef, WorkloadSpec
    from lab.targets.kind.target import KindTarget

    kind = KindTarget(REPO / "profiles")
    kind.prepare()  # the images (upstream or the offline stand-ins) into the node
    watcher = subprocess.Popen(
        [sys.executable, "-m", "lab", "watch", "--target", "kind", "--pod", "audit-pod", "--json"],
        cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert watcher.stderr is not None
        while not (line := watcher.stderr.readline()).startswith("seclab watch: reading"):
            assert line, "seclab watch ended before reading records"
        kind.run(WorkloadSpec("audit-pod", "http-echo", ProfileRef.localhost("audit.json")))
        answered = False
        for _ in range(90):
            if kind.request("audit-pod", "/").status == 200:
                answered = True
                break
            time.sleep(1)
        assert answered, kind.state("audit-pod")
        for _ in range(3):
            kind.request("audit-pod", "/")
        time.sleep(3)
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        kind.delete("audit-pod")
    events = [json.loads(line) for line in out.splitlines()]
    assert events, err
    assert {(e["pod"], e["namespace"]) for e in events} == {("audit-pod", "default")}


def test_reset_removes_the_labs_objects_and_nothing_else(cluster: bool) -> None:
    context = f"kind-{CLUSTER}"
    bystander = run(
        "kubectl", "--context", context, "run", "seclab-test-bystander", "--restart=Never",
        "--image=seclab/busybox:offline", "--image-pull-policy=IfNotPresent", "--", "sleep", "600",
    )  # fmt: skip
    assert bystander.returncode == 0, bystander.stderr
    try:
        # Something of the lab's: a pod and the profile make-your-own would copy into the node.
        run("docker", "exec", NODE, "mkdir", "-p", "/var/lib/kubelet/seccomp/seclab-extra")
        run("docker", "cp", str(REPO / "profiles" / "audit.json"),
            f"{NODE}:/var/lib/kubelet/seccomp/seclab-extra/test-extra.json")  # fmt: skip
        reset = seclab("reset", "--target", "kind")
        assert reset.returncode == 0, reset.stdout + reset.stderr
        assert "seclab-extra/test-extra.json" in reset.stdout
        left = run("kubectl", "--context", context, "get", "pods,services", "-A", "-l", MANAGED,
                   "-o", "name")  # fmt: skip
        assert left.stdout.strip() == ""
        extra = run("docker", "exec", NODE, "ls", "/var/lib/kubelet/seccomp/seclab-extra")
        assert extra.returncode != 0  # the folder is gone
        mounted = run("docker", "exec", NODE, "ls", "/var/lib/kubelet/seccomp/profiles")
        assert "audit.json" in mounted.stdout  # the mounted profiles are untouched
        kept = run("kubectl", "--context", context, "get", "pod", "seclab-test-bystander")
        assert kept.returncode == 0, "reset removed a pod that is not the lab's"
        again = seclab("reset", "--target", "kind")
        assert "nothing of the lab's" in again.stdout
    finally:
        run("kubectl", "--context", context, "delete", "pod", "seclab-test-bystander",
            "--grace-period=1", "--wait=false")  # fmt: skip


def test_cluster_down_leaves_nothing(cluster: bool) -> None:
    if not cluster:
        pytest.skip("the cluster was there before these tests: it is the learner's, and stays")
    down = seclab("cluster", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert CLUSTER not in clusters()
    names = run("docker", "ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert NODE not in names
    contexts = run("kubectl", "config", "get-contexts", "-o", "name").stdout.split()
    assert f"kind-{CLUSTER}" not in contexts
    again = seclab("cluster", "down")
    assert again.returncode == 0 and "nothing to delete" in again.stdout
