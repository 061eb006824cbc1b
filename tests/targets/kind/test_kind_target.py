"""KindTarget against recorded kind/kubectl/docker transcripts.

A fake, and said so: kind cannot run on the CI machine (no registry, no node image). The
transcripts in tests/fixtures/kind/ hold the exact commands and the real tools' output formats;
the replaying runner fails a test on any command that is not the transcript's next one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from transcripts import TranscriptRunner

from lab.targets.base import CommandEvent, Phase, ProfileRef, TargetError, WorkloadSpec
from lab.targets.kind.status import host_pids
from lab.targets.kind.target import KindTarget

# The sync transcripts carry these files' sha256 sums.
PROFILES = {
    "audit.json": '{"defaultAction": "SCMP_ACT_LOG"}\n',
    "violation.json": '{"defaultAction": "SCMP_ACT_ERRNO"}\n',
}
AUDIT = WorkloadSpec("audit-pod", "http-echo", ProfileRef.localhost("audit.json"))


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    for name, text in PROFILES.items():
        (folder / name).write_text(text)
    return folder


def target_for(*names: str, profiles: Path) -> tuple[KindTarget, TranscriptRunner, list]:
    runner = TranscriptRunner(*names, values={"profiles": str(profiles)})
    events: list[CommandEvent] = []
    target = KindTarget(profiles, events.append, runner=runner)
    target.poll_interval = 0
    return target, runner, events


def test_prepare_accepts_a_ready_cluster(profiles: Path) -> None:
    target, runner, events = target_for("prepare_ready", profiles=profiles)
    target.prepare()
    runner.assert_done()
    # Every command is shown twice: as it starts, then with its outcome.
    commands = [e for e in events if e.argv]
    assert [e.exit_code for e in commands] == [None, 0] * 6
    assert commands[2].shown() == "kubectl --context kind-seclab get nodes -o json"
    # What this cluster is, said once: versions from the node object and runc in the node.
    (note,) = [e.shown() for e in events if not e.argv]
    assert "this cluster: Kubernetes v1.22.3" in note and "runc 1.1.5+ds1" in note
    assert "refuses a profile that has `flags`" in note  # runc 1.1
    # The nodes have both upstream images: the pods use them.
    assert target.images == {"http-echo": "hashicorp/http-echo:1.0", "busybox": "busybox:1.36"}


@pytest.mark.parametrize(
    ("transcript", "message", "hint"),
    [
        ("prepare_no_cluster", "no kind cluster named 'seclab'", "seclab cluster up"),
        ("prepare_not_ready", "not Ready yet: seclab-control-plane", "seclab cluster status"),
        ("prepare_api_down", "127.0.0.1:39457 was refused", "docker start seclab-control-plane"),
        ("prepare_no_context", "no context kind-seclab", "seclab cluster up"),
        ("prepare_no_kind", "kind is not installed", "kind.sigs.k8s.io"),
        ("prepare_no_docker", "Cannot connect to the Docker daemon", "start Docker"),
    ],
)
def test_prepare_says_what_is_wrong_and_how_to_fix_it(
    profiles: Path, transcript: str, message: str, hint: str
) -> None:
    target, runner, _ = target_for(transcript, profiles=profiles)
    with pytest.raises(TargetError) as err:
        target.prepare()
    runner.assert_done()
    assert message in err.value.message
    assert err.value.hint and hint in err.value.hint


def test_run_applies_the_tutorial_manifest_on_stdin(profiles: Path) -> None:
    target, runner, events = target_for("run_audit", profiles=profiles)
    state = target.run(AUDIT)
    runner.assert_done()  # the manifest matched the transcript's stdin_json exactly
    assert state.phase is Phase.PENDING and state.reason == "ContainerCreating"
    shown = [e.shown() for e in events if e.exit_code is None]
    assert shown[1].endswith("apply -f -   # pod/audit-pod, Localhost audit.json")


def test_run_replaces_the_labs_old_pod_and_service(profiles: Path) -> None:
    target, runner, _ = target_for("run_replace", profiles=profiles)
    assert target.run(AUDIT).phase is Phase.RUNNING
    runner.assert_done()


def test_run_with_a_profile_from_elsewhere_copies_it_into_the_nodes(
    profiles: Path, tmp_path: Path
) -> None:
    mine = profiles / "mine.json"
    mine.write_text('{"defaultAction": "SCMP_ACT_LOG"}\n')
    target, runner, _ = target_for("run_extra_profile", profiles=profiles)
    spec = WorkloadSpec("audit-pod", "http-echo", ProfileRef.localhost(str(mine)))
    assert target.run(spec).phase is Phase.PENDING
    runner.assert_done()


def test_running_pod(profiles: Path) -> None:
    target, _, _ = target_for("state_running", profiles=profiles)
    state = target.state("audit-pod")
    assert state.phase is Phase.RUNNING and state.restarts == 0
    assert state.container_id and state.container_id.startswith("dba11039")  # recorded
    assert state.pids == ()  # no such container on this host


def test_crash_looping_pod_keeps_the_last_runs_error(profiles: Path) -> None:
    target, _, _ = target_for("state_crashloop", profiles=profiles)
    state = target.state("violation-pod")
    assert state.phase is Phase.CRASH_LOOPING and state.reason == "CrashLoopBackOff"
    assert state.restarts == 2 and state.exit_code == 128
    # Recorded on runc 1.1.5 / containerd 1.6.20: runc's init was refused before exec.
    assert state.message and "cannot start a stopped process" in state.message


def test_missing_profile_is_create_container_error_with_kubelet_message(profiles: Path) -> None:
    target, _, _ = target_for("state_create_error", profiles=profiles)
    state = target.state("missing-pod")
    assert state.phase is Phase.FAILED_TO_CREATE and state.reason == "CreateContainerError"
    assert state.message == (
        "failed to create containerd container: cannot load seccomp profile "
        '"/var/lib/kubelet/seccomp/profiles/missing.json": open '
        "/var/lib/kubelet/seccomp/profiles/missing.json: no such file or directory"
    )


def test_unknown_action_is_refused_by_runc_at_every_restart(profiles: Path) -> None:
    # Recorded: runc 1.1.5 refuses the profile at each start, the kubelet restarts the
    # container, so after a few seconds the pod crash-loops with runc's words in lastState.
    target, _, _ = target_for("state_run_error", profiles=profiles)
    state = target.state("bad-action-pod")
    assert state.phase is Phase.CRASH_LOOPING and state.reason == "CrashLoopBackOff"
    assert state.restarts == 2 and state.exit_code == 128
    assert state.message and "SCMP_ACT_BOGUS is not a valid action for seccomp" in state.message


def test_sigsys_death_is_exit_159_signal_31(profiles: Path) -> None:
    target, _, _ = target_for("state_sigsys", profiles=profiles)
    state = target.state("mkdir-pod")
    assert (state.phase, state.exit_code, state.signal) == (Phase.EXITED, 159, 31)


def test_pending_and_missing_pods(profiles: Path) -> None:
    target, _, _ = target_for("state_pending", "state_not_found", profiles=profiles)
    assert target.state("audit-pod").reason == "ContainerCreating"
    assert target.state("gone-pod").phase is Phase.NOT_FOUND


def test_kubectl_failures_become_target_errors(profiles: Path) -> None:
    target, _, events = target_for("state_no_resource_type", "state_timeout", profiles=profiles)
    with pytest.raises(TargetError, match="resource type"):
        target.state("audit-pod")
    with pytest.raises(TargetError, match="timed out after 60 s"):
        target.state("audit-pod")
    assert events[-1].exit_code == -1  # the timed-out command is still shown, as failed


def test_run_to_completion_waits_for_the_end_and_reads_the_log(profiles: Path) -> None:
    target, runner, _ = target_for("run_to_completion_sigsys", profiles=profiles)
    spec = WorkloadSpec(
        "mkdir-pod",
        "busybox",
        ProfileRef.localhost("block-mkdir-kill.json"),
        args=("sh", "-c", "mkdir /tmp/seclab-x && echo created"),
    )
    result = target.run_to_completion(spec, timeout=30)
    runner.assert_done()
    assert (result.exit_code, result.signal) == (159, 31)
    assert result.stdout == "Bad system call\n"


def test_request_exposes_a_labelled_node_port_and_curls_it_in_the_node(profiles: Path) -> None:
    target, runner, _ = target_for("request_audit", profiles=profiles)
    response = target.request("audit-pod")
    runner.assert_done()
    assert response.status == 200 and response.body == "just made some syscalls!\n"
    assert "curl" in response.commands[0] and "localhost:32373" in response.commands[0]


def test_request_to_a_dead_server_reports_the_connection_error(profiles: Path) -> None:
    target, runner, _ = target_for("request_refused", profiles=profiles)
    response = target.request("violation-pod", "/health")
    runner.assert_done()
    assert response.status is None
    assert response.error and "Couldn't connect to server" in response.error


def test_exec_reports_exit_status_and_sigsys(profiles: Path) -> None:
    target, runner, _ = target_for("exec", profiles=profiles)
    killed = target.exec("sleeper", ["mkdir", "/tmp/seclab-x"])
    denied = target.exec("sleeper", ["mkdir", "/tmp/seclab-y"])
    runner.assert_done()
    assert (killed.exit_code, killed.signal) == (159, 31)
    assert (denied.exit_code, denied.signal) == (1, None)
    assert "Operation not permitted" in denied.stderr


def test_logs(profiles: Path) -> None:
    target, _, _ = target_for("logs", profiles=profiles)
    assert "listening on :5678" in target.logs("audit-pod")
    assert target.logs("missing-pod") == ""  # waiting to start: no log yet


def test_delete_by_the_labs_labels_is_idempotent(profiles: Path) -> None:
    target, runner, _ = target_for("delete", profiles=profiles)
    target.delete("audit-pod")
    target.delete("audit-pod")
    runner.assert_done()


def test_reset_deletes_only_what_carries_the_labs_label(profiles: Path) -> None:
    target, runner, _ = target_for("reset", profiles=profiles)
    gone = target.reset()
    assert gone[:3] == ["pod/audit-pod", "pod/violation-pod", "service/audit-pod"]
    # make-your-own's profiles in the node (names as on a real node, kind-observed 21).
    assert gone[3:] == [
        f"seclab-control-plane:seclab-extra/{name}"
        for name in ("idle-echo-a1341.json", "idle-echo-a1342.json", "idle-echo.json",
                     "my-echo-b8d31.json", "my-echo-b8d32.json", "my-echo.json")
    ]  # fmt: skip
    assert target.reset() == []
    runner.assert_done()
    # In the node, only seclab-extra/ is touched: never the mounted profiles/.
    removals = [c for c in runner.calls if c[:2] == ("docker", "exec") and c[3] in ("rm", "rmdir")]
    touched = [p for c in removals for p in c[4:] if p not in ("-f", "--")]
    assert len(touched) == 7
    assert all(p.startswith("/var/lib/kubelet/seccomp/seclab-extra") for p in touched)
    deletes = [c for c in runner.calls if "delete" in c]
    # The selector is in every delete's argv: nothing unlabelled can match.
    assert all(c[c.index("-l") + 1] == "app.kubernetes.io/managed-by=seclab" for c in deletes)


@pytest.mark.parametrize("transcript", ["reset_no_cluster", "reset_no_kind"])
def test_reset_without_a_cluster_has_nothing_to_do(profiles: Path, transcript: str) -> None:
    target, runner, _ = target_for(transcript, profiles=profiles)
    assert target.reset() == []
    runner.assert_done()


def test_sync_copies_only_stale_profiles_into_each_node(profiles: Path) -> None:
    target, runner, _ = target_for("sync_profiles", profiles=profiles)
    copied = target.sync_profiles()
    runner.assert_done()
    assert copied == ["seclab-worker:audit.json", "seclab-worker:violation.json"]


def test_sync_without_a_cluster_says_to_make_one(profiles: Path) -> None:
    target, runner, _ = target_for("sync_no_cluster", profiles=profiles)
    with pytest.raises(TargetError, match="no nodes") as err:
        target.sync_profiles()
    runner.assert_done()
    assert err.value.hint == "seclab cluster up"


def test_pod_for_container_is_cached(profiles: Path) -> None:
    target, runner, _ = target_for("pods_all", profiles=profiles)
    running = "9d3f2b8a7c6e5d4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f"
    assert target.pod_for_container(running) == ("audit-pod", "default")
    # A crash-looping container's previous run, and a short id, from the same single read.
    assert target.pod_for_container("4e5f6a7b8c9d") == ("violation-pod", "default")
    assert target.pod_for_container("containerd://c0ffee0d1e2f") == (
        "coredns-7db6d8ff4d-4xk2p",
        "kube-system",
    )
    assert target.pod_for_container("abc") is None
    assert target.pod_for_container("ffffffffffff") is None  # within 2 s of the last read
    assert len(runner.calls) == 1


def test_cancel_reaches_the_runner(profiles: Path) -> None:
    target, runner, _ = target_for("state_running", profiles=profiles)
    target.cancel()
    assert runner.cancelled


def test_bad_names_are_refused_before_any_command(profiles: Path) -> None:
    target, runner, _ = target_for(profiles=profiles)
    with pytest.raises(TargetError, match="cannot name a pod") as err:
        target.state("Audit_Pod")
    assert err.value.hint and "lower-case" in err.value.hint
    assert runner.calls == []


def test_host_pids_come_from_the_cgroup_paths_naming_the_container(tmp_path: Path) -> None:
    cid = "9d3f2b8a7c6e5d4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f"
    # The host's view of a kind pod's process: the node's cgroup, then the pod's, then containerd's.
    cgroups = {
        "4242": f"0::/system.slice/docker-ab12.scope/kubelet.slice/kubelet-kubepods.slice/"
        f"kubelet-kubepods-besteffort.slice/cri-containerd-{cid}.scope\n",
        "4243": "0::/system.slice/docker-ab12.scope/kubelet.slice\n",
        "self": "0::/\n",
    }
    for pid, text in cgroups.items():
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "cgroup").write_text(text)
    (tmp_path / "4244").mkdir()  # a process that went away: no cgroup file to read
    assert host_pids(cid, proc=tmp_path) == (4242,)
    assert host_pids(None, proc=tmp_path) == ()
