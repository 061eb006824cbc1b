"""`seclab cluster up|down|status|sync` against recorded kind/kubectl/docker transcripts.

A fake, and said so: kind cannot run on the CI machine. The replaying runner proves the exact
commands; the generated kind config is checked as the YAML kind would read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from transcripts import TranscriptRunner

from lab import paths
from lab.cli import cli
from lab.commands import cluster as cluster_command
from lab.targets.kind import cluster as kind_cluster

REPO = Path(__file__).resolve().parents[3]
MOUNT = "/var/lib/kubelet/seccomp/profiles"


@pytest.fixture
def lab_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "audit.json").write_text('{"defaultAction": "SCMP_ACT_LOG"}\n')
    (profiles / "violation.json").write_text('{"defaultAction": "SCMP_ACT_ERRNO"}\n')
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setattr(paths, "profiles_dir", lambda: profiles)
    monkeypatch.setattr(paths, "state_dir", lambda create=True: state)
    monkeypatch.setattr(paths, "kind_config", lambda: REPO / "kind.yaml")
    # Failed pulls are remembered for the process (an offline class): not from test to test.
    monkeypatch.setattr(kind_cluster, "_PULL_FAILED", set())
    return profiles, state


def invoke(
    monkeypatch: pytest.MonkeyPatch, dirs: tuple[Path, Path], transcript: str | None, *args: str
) -> tuple[int, str, str, TranscriptRunner]:
    profiles, state = dirs
    names = (transcript,) if transcript else ()
    replay = TranscriptRunner(*names, values={"profiles": str(profiles), "state": str(state)})
    monkeypatch.setattr(cluster_command, "make_runner", lambda: replay)
    result = CliRunner().invoke(cli, ["cluster", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr, replay


def test_dry_run_prints_commands_and_config_and_runs_nothing(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    profiles, state = lab_dirs
    code, out, _, replay = invoke(
        monkeypatch, lab_dirs, None, "up", "--dry-run", "--workers", "1", "--seccomp-default"
    )
    assert code == 0 and replay.calls == []
    assert f"kind create cluster --name seclab --config {state}/kind-seclab.yaml" in out
    # docker save + kind load image-archive: kind load docker-image fails for multi-arch
    # images under Docker's containerd image store.
    assert "docker save -o IMAGE.tar hashicorp/http-echo:1.0" in out
    assert "kind load image-archive IMAGE.tar --name seclab" in out
    assert "kind load docker-image" not in out
    config = yaml.safe_load(out.split("written to", 1)[1].split("\n", 1)[1])
    assert [n["role"] for n in config["nodes"]] == ["control-plane", "worker"]
    for node in config["nodes"]:
        assert node["extraMounts"] == [{"hostPath": str(profiles), "containerPath": MOUNT}]
    patch = yaml.safe_load(config["kubeadmConfigPatches"][0])
    assert patch["kind"] == "KubeletConfiguration" and patch["seccompDefault"] is True
    assert not (state / "kind-seclab.yaml").exists()


def test_up_creates_the_cluster_from_the_generated_config(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    profiles, state = lab_dirs
    code, out, err, replay = invoke(monkeypatch, lab_dirs, "cluster_up_create", "up")
    replay.assert_done()
    assert code == 0, err
    written = yaml.safe_load((state / "kind-seclab.yaml").read_text())
    assert written["nodes"][0]["extraMounts"][0]["hostPath"] == str(profiles)
    assert "kubeadmConfigPatches" not in written  # only with --seccomp-default
    assert 'created kind cluster "seclab"' in out
    assert "http-echo pods use hashicorp/http-echo:1.0." in out  # Docker had it: loaded
    # Docker has no busybox:1.36 and cannot pull it: the offline stand-in is built and loaded.
    assert "busybox pods use seclab/busybox:offline (the lab's offline stand-in" in out
    assert "  • Starting control-plane" in err  # kind's progress, as it came
    assert "$ kind create cluster --name seclab" in err  # shown as it starts


def test_up_reuses_an_existing_cluster_and_syncs_profiles(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    code, out, _, replay = invoke(
        monkeypatch, lab_dirs, "cluster_up_reuse", "up", "--seccomp-default"
    )
    replay.assert_done()
    assert code == 0
    assert "exists: reusing it" in out and "cluster down` first" in out
    assert "copied seclab-control-plane:violation.json" in out


def test_up_on_docker_desktop_says_to_share_the_folder(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    profiles, _ = lab_dirs
    code, out, err, replay = invoke(monkeypatch, lab_dirs, "cluster_up_docker_desktop", "up")
    replay.assert_done()
    assert code == 1
    assert f"make sure {profiles} is under Settings > Resources > File sharing" in out
    assert "error: `kind create cluster --name seclab --config " in err  # the whole command
    assert "is not shared from the host" in err  # kind's own words, verbatim
    assert "fix: share the folder" in err


def test_down_deletes_and_is_idempotent(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    code, out, _, replay = invoke(monkeypatch, lab_dirs, "cluster_down", "down")
    replay.assert_done()
    assert code == 0 and 'deleted kind cluster "seclab"' in out
    code, out, _, replay = invoke(monkeypatch, lab_dirs, "cluster_down_absent", "down")
    replay.assert_done()
    assert code == 0 and "nothing to delete" in out


def test_status_shows_nodes_mount_and_pods(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    code, out, _, replay = invoke(monkeypatch, lab_dirs, "cluster_status", "status")
    replay.assert_done()
    assert code == 0
    assert "node seclab-control-plane: Ready, kubelet v1.22.3" in out
    assert "profiles: 2 file(s) in the node" in out
    assert "audit-pod: running, restarts 0" in out
    assert "violation-pod: crash-looping (CrashLoopBackOff), restarts 3" in out


def test_status_without_the_mount_says_so(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    code, out, _, replay = invoke(monkeypatch, lab_dirs, "cluster_status_no_mount", "status")
    replay.assert_done()
    assert code == 0
    assert "profiles: NOT mounted" in out and "lab pods: none" in out


def test_status_without_a_cluster_exits_1(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    code, out, _, _ = invoke(monkeypatch, lab_dirs, "cluster_down_absent", "status")
    assert code == 1 and "seclab cluster up creates it" in out


def test_sync_copies_into_every_node(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    code, out, _, replay = invoke(monkeypatch, lab_dirs, "sync_profiles", "sync")
    replay.assert_done()
    assert code == 0
    assert out.splitlines() == [
        "copied seclab-worker:audit.json",
        "copied seclab-worker:violation.json",
    ]


def test_seccomp_default_on_a_1_22_node_turns_the_feature_gate_on(
    monkeypatch: pytest.MonkeyPatch, lab_dirs: tuple[Path, Path]
) -> None:
    # The kind build names no release (v0.33.0-alpha), so the version comes from the one node
    # image Docker has (its /kind/version, v1.22.3 as on the real harness node).
    _, state = lab_dirs
    code, out, err, replay = invoke(
        monkeypatch, lab_dirs, "cluster_up_create", "up", "--seccomp-default"
    )
    replay.assert_done()
    assert code == 0, err
    assert "SeccompDefault feature gate is turned on" in out
    written = yaml.safe_load((state / "kind-seclab.yaml").read_text())
    (patch,) = written["kubeadmConfigPatches"]
    assert yaml.safe_load(patch)["featureGates"] == {"SeccompDefault": True}
