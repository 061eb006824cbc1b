"""`seclab prepare --target kind` against recorded kind/kubectl/docker/crictl transcripts.

A fake, and said so: kind cannot run on the CI machine, so the commands are replayed from
tests/fixtures/kind/room_*.json by the strict runner (a command not in the transcript, or one it
expects and never sees, fails the test). The doctor's lines are constructed for the same reason.
One live test at the end runs where kind is installed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from transcripts import TranscriptRunner

from lab.check import Check
from lab.cli import cli
from lab.commands import prepare as prepare_command
from lab.prepare import pull_policy
from lab.prepare.pull_policy import pod_images, policy_item
from lab.targets.base import WorkloadSpec
from lab.targets.commands import Completed
from lab.targets.docker import offline as offline_images
from lab.targets.kind import cluster as kind_cluster
from lab.targets.kind import versions as kind_versions

KIND_READY = [
    Check("kernel seccomp", "ok", "constructed", None, ("local", "docker", "kind")),
    Check("docker engine", "ok", "constructed", None, ("docker", "kind")),
    Check("kind", "ok", "v0.26.0 (constructed)", None, ("kind",)),
    Check("kubectl", "ok", "v1.32.0 (constructed)", None, ("kind",)),
]


def run(
    monkeypatch: pytest.MonkeyPatch, course: Path, runner: TranscriptRunner, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(prepare_command, "make_runner", lambda: runner)
    monkeypatch.setattr(prepare_command, "doctor_checks", lambda _runner: list(KIND_READY))
    # Failed pulls are remembered for the process (an offline class): not from test to test.
    monkeypatch.setattr(kind_cluster, "_PULL_FAILED", set())
    result = CliRunner().invoke(cli, ["prepare", "--target", "kind", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def replay(course: Path, *names: str) -> TranscriptRunner:
    state = course.parent / "state" / "seclab"
    return TranscriptRunner(
        *names, values={"profiles": str(course / "profiles"), "state": str(state)}
    )


def lines(out: str, mark: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith(mark)]


def test_check_on_a_ready_cluster_is_all_ticks(
    monkeypatch: pytest.MonkeyPatch, course: Path
) -> None:
    runner = replay(course, "room_check_ready")
    code, out, err = run(monkeypatch, course, runner, "--check")
    runner.assert_done()
    assert code == 0, out + err
    assert lines(out, "✘") == []
    ticks = "\n".join(lines(out, "✔"))
    assert "kind cluster seclab" in ticks and "nodes Ready" in ticks
    assert "1 match" in ticks and "/var/lib/kubelet/seccomp/profiles" in ticks
    assert "image hashicorp/http-echo:1.0 in the nodes" in ticks
    assert "image busybox:1.36 in the nodes" in ticks
    assert "hashicorp/http-echo:1.0: IfNotPresent" in ticks  # what kind.manifests' pods get
    assert "Ready: nothing will download during the talk." in out


def test_check_without_a_cluster_creates_nothing_and_prints_the_commands(
    monkeypatch: pytest.MonkeyPatch, course: Path
) -> None:
    runner = replay(course, "room_check_no_cluster")
    code, out, _ = run(monkeypatch, course, runner, "--check")
    runner.assert_done()  # only `kind get clusters` and `docker image inspect` ran
    assert code == 1
    [cluster] = lines(out, "✘")
    assert "kind cluster seclab" in cluster and "does not exist" in cluster
    assert "fix: seclab prepare --target kind" in out
    would = out.split("would run:", 1)[1]
    state = course.parent / "state" / "seclab"
    assert f"kind create cluster --name seclab --config {state}/kind-seclab.yaml" in would
    assert "docker save -o IMAGE.tar hashicorp/http-echo:1.0" in would
    assert "kind load image-archive IMAGE.tar --name seclab" in would
    assert "docker pull hashicorp/http-echo:1.0" not in would  # Docker has it already
    assert would.index("docker pull busybox:1.36") < would.index("docker save -o IMAGE.tar busybox")
    assert not state.exists()  # --check wrote no config either


def test_check_finds_a_missing_profile_and_an_image_the_node_would_pull(
    monkeypatch: pytest.MonkeyPatch, course: Path
) -> None:
    runner = replay(course, "room_check_stale")
    code, out, _ = run(monkeypatch, course, runner, "--check")
    runner.assert_done()
    assert code == 1
    bad = "\n".join(lines(out, "✘"))
    assert "profiles on the nodes" in bad and "seclab-control-plane: audit.json" in bad
    assert "image hashicorp/http-echo:1.0 in the nodes" in bad and "would pull" in bad
    assert "image busybox:1.36" not in bad
    would = out.split("would run:", 1)[1]
    profile = course / "profiles" / "audit.json"
    assert f"docker cp {profile} seclab-control-plane:/var/lib/kubelet/seccomp/profiles/" in would
    # Docker on the host lacks the image too: pull first, then load.
    assert would.index("docker pull hashicorp/http-echo:1.0") < would.index("kind load")


def test_prepare_creates_the_cluster_pulls_and_loads_with_progress(
    monkeypatch: pytest.MonkeyPatch, course: Path
) -> None:
    runner = replay(course, "room_create")
    # A cgroup v1 host, and kind v0.31 (transcript), whose default node is Kubernetes 1.35.
    monkeypatch.setattr(kind_versions, "host_cgroup_version", lambda: 1)
    code, out, err = run(monkeypatch, course, runner)
    runner.assert_done()
    assert code == 0, out + err
    config = course.parent / "state" / "seclab" / "kind-seclab.yaml"
    assert str(course / "profiles") in config.read_text()  # the mount of this data folder
    assert "failCgroupV1: false" in config.read_text()  # or the 1.35 kubelet refuses cgroup v1
    assert "this host uses cgroup v1, which Kubernetes 1.35 refuses" in err
    ticks = "\n".join(lines(out, "✔"))
    assert "kind cluster seclab" in ticks and "created" in ticks
    assert "pulled on this machine and loaded into seclab-control-plane" in ticks
    assert re.search(r"image busybox:1\.36 in the nodes +loaded into seclab-control-plane", ticks)
    # One line as each long step starts, one with its elapsed time as it ends.
    for step in ("kind create cluster --name seclab", "docker pull hashicorp/http-echo:1.0",
                 "loading busybox:1.36 into the nodes (docker save, kind load)"):  # fmt: skip
        assert f"{step} …" in err and f"{step}: done in " in err


def test_an_image_that_cannot_be_pulled_is_replaced_by_the_offline_stand_in(
    monkeypatch: pytest.MonkeyPatch, course: Path
) -> None:
    # The stand-in's root file system is built here from the host's static busybox (the
    # docker target does the same); the engine's side (docker import, kind load) is replayed.
    if offline_images.find_busybox() is None:
        pytest.skip("no busybox on this machine to build the stand-in's root file system from")
    runner = replay(course, "room_pull_offline")
    code, out, err = run(monkeypatch, course, runner)
    runner.assert_done()  # docker import of the stand-in, then docker save + kind load of it
    assert code == 0, out + err
    ticks = "\n".join(lines(out, "✔"))
    assert re.search(r"image hashicorp/http-echo:1\.0 in the nodes +Docker cannot pull it", ticks)
    assert "seclab/http-echo:offline is loaded into seclab-control-plane" in ticks
    assert "offline: building seclab/http-echo:offline and loading it into the nodes" in err


class InterruptedCreate:
    """The strict runner, except that Ctrl-C arrives while `kind create cluster` runs: the
    real runner kills kind's process group and lets KeyboardInterrupt through."""

    def __init__(self, replay: TranscriptRunner) -> None:
        self.replay = replay

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        done = self.replay(argv, timeout=timeout, input=input, check=check, env=env)
        if tuple(argv[:3]) == ("kind", "create", "cluster"):
            raise KeyboardInterrupt
        return done


def test_ctrl_c_while_creating_deletes_the_half_made_cluster(
    monkeypatch: pytest.MonkeyPatch, course: Path
) -> None:
    runner = replay(course, "room_create_interrupted")
    monkeypatch.setattr(prepare_command, "make_runner", lambda: InterruptedCreate(runner))
    monkeypatch.setattr(prepare_command, "doctor_checks", lambda _runner: list(KIND_READY))
    result = CliRunner().invoke(cli, ["prepare", "--target", "kind"])
    runner.assert_done()  # `kind delete cluster --name seclab` ran after the interrupt
    assert result.exit_code == 130
    assert "kind create cluster --name seclab: stopped after" in result.stderr
    assert "The room" not in result.stdout  # no checklist claims anything after a Ctrl-C


@pytest.mark.kind
def test_live_check_reports_on_the_real_cluster(tmp_path: Path) -> None:
    # Where kind exists: --check must finish with a verdict and change nothing it reports on.
    result = CliRunner().invoke(cli, ["prepare", "--target", "kind", "--check"])
    assert result.exit_code in (0, 1), result.output
    assert "kind cluster seclab" in result.stdout
    assert ("Ready:" in result.stdout) == (result.exit_code == 0)


def test_what_the_pods_get_today_will_not_pull_a_loaded_image() -> None:
    images = pod_images(["http-echo", "busybox"])
    assert images == {"hashicorp/http-echo:1.0": "IfNotPresent", "busybox:1.36": "IfNotPresent"}
    assert policy_item(images).ok


def test_an_untagged_or_latest_image_would_be_pulled_at_every_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if kind.manifests wrote busybox without a tag: Kubernetes then defaults to Always.
    real = pull_policy.pod_manifest

    def untagged(spec: WorkloadSpec) -> dict[str, Any]:
        manifest = real(spec)
        manifest["spec"]["containers"][0]["image"] = "busybox"
        return manifest

    monkeypatch.setattr(pull_policy, "pod_manifest", untagged)
    item = policy_item(pod_images(["busybox"]))
    assert not item.ok and "Always for busybox" in item.detail
    assert "lab/targets/kind/manifests.py" in item.detail and item.fix
