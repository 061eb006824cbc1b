"""`seclab watch --target kind --pod audit-pod`: a pod's records, named with the pod.

kind cannot run here, so the cluster's answers are replayed from constructed transcripts
(tests/fixtures/kind/watch_pods.json) by the strict replay runner. Everything else is real: the
kernel's audit records through netlink, and a Docker container put under a `kubepods` cgroup
exactly where a kubelet (cgroupfs driver) puts a pod's container, so /proc shows the same shape.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from transcripts import TranscriptRunner

from lab.commands import watch, watch_pods
from lab.targets.docker.target import DockerTarget

REPO = Path(__file__).resolve().parents[3]
LOG_ALL = json.dumps({"defaultAction": "SCMP_ACT_LOG"})
WATCH = ["--target", "kind", "--pod", "audit-pod", "--json"]


def _replay(monkeypatch: pytest.MonkeyPatch, name: str, **values: str) -> TranscriptRunner:
    runner = TranscriptRunner(name, values=values)
    monkeypatch.setattr(watch_pods, "make_runner", lambda: runner)
    return runner


def _cgroup_parent(driver: str, pod: str) -> str:
    """Where a kubelet puts a best-effort pod's containers, for Docker's cgroup driver."""
    if driver == "systemd":
        return f"kubepods-besteffort-pod{pod}.slice"
    return f"/kubepods/besteffort/pod{pod}"


@pytest.fixture
def start_pod_container(profiles_dir: Path) -> Iterator[Callable[[], Any]]:
    """Starts a container logging every syscall, in a kubelet-style pod cgroup; removes it."""
    target = DockerTarget(profiles_dir)
    client = target.docker()
    image = target.images().image_for("busybox")
    pod = uuid.uuid4().hex
    started: list[Any] = []

    def start() -> Any:
        started.append(client.containers.run(
            image, ["sh", "-c", "while true; do sleep 0.2; done"],
            name=f"seclab-test-pod-{pod[:12]}", labels={"seclab": "1", "seclab.session": pod[:12]},
            cgroup_parent=_cgroup_parent(client.info().get("CgroupDriver", ""), pod),
            security_opt=[f"seccomp={LOG_ALL}"], detach=True,
        ))  # fmt: skip
        return started[0]

    try:
        yield start
    finally:
        for container in started:
            container.remove(force=True)
        # The cgroupfs driver leaves the parent folders behind: remove ours (empty by now).
        for folder in (f"kubepods/besteffort/pod{pod}", "kubepods/besteffort", "kubepods"):
            for path in Path("/sys/fs/cgroup").glob(f"*/{folder}"):
                with contextlib.suppress(OSError):  # another pod still there: not ours to take
                    path.rmdir()


@pytest.mark.root
@pytest.mark.docker
def test_a_new_pods_records_carry_its_name_from_the_very_first(
    monkeypatch: pytest.MonkeyPatch, start_pod_container: Callable[[], Any]
) -> None:
    runner = _replay(monkeypatch, "watch_pods")
    pid: list[int] = []

    def start() -> None:  # once watch reads records, as a learner starts the pod after it
        container = start_pod_container()
        runner.values["cid"] = container.id  # the second kubectl read lists this id
        container.reload()
        pid.append(container.attrs["State"]["Pid"])

    timer = threading.Timer(1.5, start)
    timer.start()
    try:
        result = CliRunner().invoke(
            watch.command, [*WATCH, "--source", "netlink", "--duration", "8"]
        )
    finally:
        timer.join()
    assert result.exit_code == 0, result.output
    assert "pods named from the kind cluster 'seclab'" in result.stderr
    cid = runner.values["cid"]
    with open(f"/proc/{pid[0]}/cgroup") as f:
        assert "kubepods" in f.read()  # the shape a kubelet gives a pod's container
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events, "no record of the pod's container was shown"
    assert {(e["pod"], e["namespace"], e["container_id"]) for e in events} == {
        ("audit-pod", "default", cid)
    }
    # Its first records came before the cluster knew the pod (the first read said
    # ContainerCreating): they waited for the name instead of being dropped.
    # The very first: runc's own last calls after it loaded the filter, up to its exec.
    started = [(e["comm"], e["syscall_name"]) for e in events if e["pid"] == pid[0]]
    assert started[0][0] == "runc:[2:INIT]", started[:5]
    assert ("runc:[2:INIT]", "execve") in started
    # Both reads were made (the pod was asked about again after the miss), and nothing else.
    runner.assert_done()


@pytest.mark.parametrize(
    ("transcript", "said"),
    [
        ("prepare_no_cluster", "there is no kind cluster named 'seclab'"),
        ("prepare_no_kind", "kind is not installed"),
    ],
)
def test_without_the_cluster_watch_says_why_and_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch, transcript: str, said: str
) -> None:
    runner = _replay(monkeypatch, transcript)
    result = CliRunner().invoke(watch.command, [*WATCH, "--duration", "0"])
    runner.assert_done()
    assert result.exit_code == 1, result.output
    assert said in result.stderr and "fix:" in result.stderr
    assert "Traceback" not in result.output


def test_pod_without_target_kind_is_a_usage_error() -> None:
    result = CliRunner().invoke(watch.command, ["--pod", "audit-pod", "--duration", "0"])
    assert result.exit_code == 2
    assert "--pod needs --target kind" in result.stderr


@pytest.mark.kind
def test_a_live_pods_records_carry_its_name() -> None:
    """On the lab's own cluster (`seclab cluster up`): a pod of this test's, watched by name."""
    from lab.targets.base import ProfileRef, WorkloadSpec
    from lab.targets.kind.target import KindTarget

    if os.geteuid() != 0:
        pytest.skip("reading the kernel's audit records needs root")
    kind = KindTarget(REPO / "profiles")
    if not kind.cluster.exists():
        pytest.skip("no kind cluster named 'seclab' here: `seclab cluster up` makes it")
    kind.prepare()  # the pods' images (upstream, or the offline stand-ins) into the node
    name = f"t-watch-{uuid.uuid4().hex[:8]}"
    watcher = subprocess.Popen(
        [sys.executable, "-m", "lab", "watch", "--target", "kind", "--pod", name, "--json"],
        cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert watcher.stderr is not None
        while not (line := watcher.stderr.readline()).startswith("seclab watch: reading"):
            assert line, "seclab watch ended before reading records"
        kind.run(WorkloadSpec(name, "http-echo", ProfileRef.localhost("audit.json")))
        for _ in range(60):  # its records name the pod once the kubelet has posted its id
            if kind.request(name, "/").status == 200:
                break
            time.sleep(1)
        time.sleep(5)
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        kind.delete(name)
    events = [json.loads(line) for line in out.splitlines()]
    assert events, err
    assert {(e["pod"], e["namespace"]) for e in events} == {(name, "default")}
