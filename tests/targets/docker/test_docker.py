"""The docker target against the real engine: the Docker exercises, states and explained errors."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.targets.base import CommandEvent, Phase, ProfileRef, TargetError, WorkloadSpec
from lab.targets.docker.errors import explain_create_error
from lab.targets.docker.target import DockerTarget
from lab.targets.runtime_default import compare

pytestmark = pytest.mark.docker
ECHO_PROFILE = "fine-grained-busybox-echo.json"


@pytest.fixture
def events() -> list[CommandEvent]:
    return []


@pytest.fixture
def target(profiles_dir: Path, events: list[CommandEvent]) -> Iterator[DockerTarget]:
    # A session label of our own: the reset at the end removes this test's containers only.
    t = DockerTarget(profiles_dir, on_command=events.append, session=uuid.uuid4().hex[:12])
    yield t
    t.reset()


def unique(prefix: str) -> str:
    return f"t-{prefix}-{uuid.uuid4().hex[:8]}"


def busybox(name: str, profile: ProfileRef, *argv: str) -> WorkloadSpec:
    return WorkloadSpec(unique(name), "busybox", profile, tuple(argv))


def wait_for(target: DockerTarget, name: str, phases: set[Phase], timeout: float = 60):
    deadline = time.monotonic() + timeout
    state = target.state(name)
    while state.phase not in phases and time.monotonic() < deadline:
        time.sleep(0.3)
        state = target.state(name)
    return state


def test_errno_fails_the_syscall_and_kill_ends_the_process(target: DockerTarget) -> None:
    errno = target.run_to_completion(
        busybox("errno", ProfileRef.localhost("block-mkdir.json"), "mkdir", "/tmp/x")
    )
    assert errno.exit_code == 1
    assert "Operation not permitted" in errno.stderr
    kill = target.run_to_completion(
        busybox("kill", ProfileRef.localhost("kill-mkdir.json"), "mkdir", "/tmp/x")
    )
    assert (kill.exit_code, kill.signal) == (159, 31)
    assert "--security-opt seccomp=" in kill.commands[0]
    assert target.state("anything").phase == Phase.NOT_FOUND


def test_exec_runs_under_the_containers_filter(target: DockerTarget) -> None:
    name = unique("exec")
    profile = ProfileRef.localhost("kill-mkdir.json")
    target.run(WorkloadSpec(name, "busybox", profile, ("sleep", "60")))
    killed = target.exec(name, ["mkdir", "/tmp/x"])
    assert (killed.exit_code, killed.signal) == (159, 31)
    assert killed.commands == (f"docker exec seclab-{name}-{target.session} mkdir /tmp/x",)
    assert target.exec(name, ["ls", "/"]).exit_code == 0
    assert target.state(name).phase == Phase.RUNNING  # only the exec'd process died


def test_runtime_default_compared_with_unconfined(target: DockerTarget) -> None:
    comparison = compare(target, unique("rtd"))
    rtd, unconfined = comparison.runtime_default, comparison.unconfined
    # The verdict must follow from what the kernel did, whatever this engine's default allows.
    if rtd.exit_code != 0 and unconfined.exit_code == 0:
        assert comparison.verdict == "seccomp"
        assert "Operation not permitted" in rtd.stderr
    elif rtd.exit_code == 0:
        assert comparison.verdict == "allowed-by-default"
    else:
        assert comparison.verdict == "not-seccomp"
    assert "--security-opt seccomp=unconfined" in unconfined.commands[0]
    assert "seccomp=" not in rtd.commands[0]  # RuntimeDefault: the engine's own profile


def test_echo_serves_under_runtime_default(target: DockerTarget) -> None:
    name = unique("echo")
    state = target.run(WorkloadSpec(name, "http-echo", ProfileRef.runtime_default()))
    assert state.phase == Phase.RUNNING and state.pids
    assert target.request(name, "/").body == "just made some syscalls!\n"
    assert target.request(name, "/health").status == 200
    if not target.images().uses_offline("http-echo"):
        pytest.skip("the upstream http-echo image has no shell to exec unshare in")
    denied = target.exec(name, ["unshare", "-U", "true"])
    allowed = target.exec(name, ["true"])
    assert allowed.exit_code == 0
    assert denied.exit_code != 0  # denied by seccomp here, or by the host: never allowed
    assert target.state(name).phase == Phase.RUNNING


def test_unconfined_runs_without_a_filter(target: DockerTarget) -> None:
    result = target.run_to_completion(
        busybox("unconf", ProfileRef.unconfined(), "grep", "Seccomp:", "/proc/self/status")
    )
    assert result.stdout.split() == ["Seccomp:", "0"]
    filtered = target.run_to_completion(
        busybox("rtd", ProfileRef.runtime_default(), "grep", "Seccomp:", "/proc/self/status")
    )
    assert filtered.stdout.split() == ["Seccomp:", "2"]


def test_missing_profile_fails_to_create_like_the_cli(target: DockerTarget) -> None:
    spec = busybox("missing", ProfileRef.localhost("no-such-profile.json"), "true")
    state = target.run(spec)
    assert state.phase == Phase.FAILED_TO_CREATE
    assert state.reason == "ProfileNotFound"
    assert "opening seccomp profile" in (state.message or "")
    # The docker CLI's own wording: Go's lower-case errno text, after "docker: ".
    assert "failed: open " in (state.message or "")
    assert (state.message or "").endswith("no such file or directory")
    result = target.run_to_completion(spec)
    assert result.exit_code == 125 and "no-such-profile.json" in result.commands[0]
    assert result.stderr.startswith("docker: opening seccomp profile (")


def test_a_path_in_security_opt_is_explained(target: DockerTarget, profiles_dir: Path) -> None:
    import docker.errors

    name = f"seclab-{unique('path')}"
    path = profiles_dir / "audit.json"
    client = target.docker()
    try:
        with pytest.raises(docker.errors.APIError) as caught:
            client.containers.run(
                target.images().image_for("busybox"),
                ["true"],
                name=name,
                labels={"seclab": "1", "seclab.session": target.session or ""},
                security_opt=[f"seccomp={path}"],
                detach=True,
            )
    finally:
        # run = create, then start: the start failed, the container stays "Created". Made by
        # hand without the lab's seclab.workload label, reset does not count it as the lab's.
        for left in client.containers.list(all=True, filters={"name": f"^/{name}$"}):
            left.remove(force=True)
    assert not client.containers.list(all=True, filters={"name": f"^/{name}$"})
    message = str(caught.value.explanation)
    assert "Decoding seccomp profile failed" in message
    assert "JSON content" in (explain_create_error(message) or "")


def test_violation_profile_never_starts_on_docker(target: DockerTarget) -> None:
    name = unique("violation")
    state = target.run(WorkloadSpec(name, "http-echo", ProfileRef.localhost("violation.json")))
    state = wait_for(target, name, {Phase.FAILED_TO_CREATE, Phase.CRASH_LOOPING})
    # runc loads the filter, then cannot exec: Docker reports a start error and, unlike the
    # kubelet, does not retry a container that never started.
    assert state.phase == Phase.FAILED_TO_CREATE
    assert "runc" in (state.message or "") and "CrashLoopBackOff" in (state.message or "")


def test_workload_denied_bind_crash_loops(target: DockerTarget, tmp_path: Path) -> None:
    if not target.images().uses_offline("http-echo"):
        pytest.skip("the allow-list below is the offline stand-in's")
    profile = json.loads((target.profiles_dir / ECHO_PROFILE).read_text())
    profile["syscalls"][0]["names"].remove("bind")
    (tmp_path / "no-bind.json").write_text(json.dumps(profile))
    name = unique("crash")
    target.run(
        WorkloadSpec(name, "http-echo", ProfileRef.localhost(str(tmp_path / "no-bind.json")))
    )
    state = wait_for(target, name, {Phase.CRASH_LOOPING})
    assert state.phase == Phase.CRASH_LOOPING
    assert state.exit_code not in (None, 0)
    assert "restarting" in (state.message or "") or state.restarts >= 1


def test_sigsys_death_is_named(profiles_dir: Path) -> None:
    target = DockerTarget(profiles_dir, session=uuid.uuid4().hex[:12], restart_limit=0)
    try:
        name = unique("sigsys")
        script = "sleep 0.3; mkdir /tmp/x"
        spec = busybox("sigsys", ProfileRef.localhost("kill-mkdir.json"), "sh", "-c", script)
        target.run(WorkloadSpec(name, "busybox", spec.profile, spec.args))
        state = wait_for(target, name, {Phase.EXITED, Phase.CRASH_LOOPING})
        assert (state.phase, state.exit_code, state.signal) == (Phase.EXITED, 159, 31)
        assert state.reason == "SIGSYS" and "128 + 31" in (state.message or "")
        policy = target.find_container(name).attrs["HostConfig"]["RestartPolicy"]
        assert policy["Name"] in ("", "no")  # on-failure:0 would have retried for ever
    finally:
        target.reset()


def test_privileged_refusal_is_explained(target: DockerTarget) -> None:
    # Holds both ways: where privileged containers start (a full engine, or the kind harness's
    # runc wrapper) and where they cannot; the probe is the engine's own answer, not a guess.
    import docker.errors

    problem = target.privileged_start_problem()
    spec = busybox("priv", ProfileRef.runtime_default(), "true")
    spec = WorkloadSpec(spec.name, "busybox", spec.profile, spec.args, privileged=True)
    raw = {"name": f"seclab-{unique('raw')}", "privileged": True, "detach": True,
           "labels": {"seclab": "1", "seclab.session": target.session or ""}}  # fmt: skip
    try:
        if problem is None:
            assert target.run_to_completion(spec).exit_code == 0
            started = target.docker().containers.run(
                target.images().image_for("busybox"), ["true"], **raw
            )
            assert started.wait(timeout=30)["StatusCode"] == 0
        else:
            with pytest.raises(TargetError) as caught:
                target.run(spec)
            assert "privileged containers cannot start" in caught.value.message
            with pytest.raises(docker.errors.APIError):  # and the engine really refuses
                target.docker().containers.run(
                    target.images().image_for("busybox"), ["true"], **raw
                )
    finally:  # made by hand here, without the labels reset goes by: removed by name
        with contextlib.suppress(docker.errors.NotFound):
            target.docker().containers.get(raw["name"]).remove(force=True)
    # The throw-away probe container is gone either way.
    probe = target.docker().containers.list(
        all=True, filters={"label": "seclab.workload=privileged-probe"}
    )
    assert not probe


def test_privileged_blocker_names_docker_26_behaviour() -> None:
    from lab.targets.docker.privileged import profile_applied

    assert profile_applied("25.0.5") is None and profile_applied("20.10.24+dfsg1") is None
    applied = profile_applied("26.1.0")
    assert applied and "47500" in applied and "containerd" in applied


def test_one_shot_output_is_shown_under_its_docker_run_line(
    target: DockerTarget, events: list[CommandEvent]
) -> None:
    spec = busybox("said", ProfileRef.localhost("block-mkdir.json"), "mkdir", "/tmp/x")
    target.run_to_completion(spec)
    shown = [e.shown() for e in events]
    run = next(i for i, s in enumerate(shown) if s.startswith("docker run --rm"))
    done = events[run + 1]  # the output comes next, under the same line, before `docker rm`
    assert done.shown() == shown[run] and done.exit_code == 1
    assert "Operation not permitted" in done.stderr and "docker rm" in shown[run + 2]


def test_docker_inspect_output_is_json(target: DockerTarget, events: list[CommandEvent]) -> None:
    name = unique("inspect")
    target.run(WorkloadSpec(name, "busybox", ProfileRef.runtime_default(), ("sleep", "30")))
    target.state(name)
    inspected = [e for e in events if e.argv[:2] == ("docker", "inspect") and e.exit_code == 0]
    assert inspected and json.loads(inspected[-1].stdout)["Status"] == "running"


def test_containers_run_with_no_new_privileges(target: DockerTarget) -> None:
    # As a pod with allowPrivilegeEscalation: false; the kernel's own flag shows it is set.
    spec = busybox("nnp", ProfileRef.runtime_default(), "grep", "NoNewPrivs", "/proc/self/status")
    result = target.run_to_completion(spec)
    assert result.stdout.split() == ["NoNewPrivs:", "1"]
    assert "--security-opt no-new-privileges" in result.commands[0]


def test_every_sdk_call_is_shown_as_a_docker_command(
    target: DockerTarget, events: list[CommandEvent]
) -> None:
    name = unique("shown")
    target.run(WorkloadSpec(name, "busybox", ProfileRef.runtime_default(), ("sleep", "30")))
    target.logs(name)
    target.delete(name)
    shown = [e.shown() for e in events if e.exit_code is None]
    real = f"seclab-{name}-{target.session}"
    assert any(s.startswith(f"docker run -d --name {real} ") for s in shown)
    assert f"docker logs {real}" in shown
    assert f"docker rm -f {real}" in shown
    assert any(e.exit_code == 0 and e.shown().startswith("docker run") for e in events)
    assert target.state(name).phase == Phase.NOT_FOUND


def test_shim_command_line_names_its_container() -> None:
    from lab.targets.docker.pids import shim_container_id

    shim = ["/usr/bin/containerd-shim-runc-v2", "-namespace", "moby", "-id", "abc123", "-address"]
    assert shim_container_id(shim) == "abc123"
    assert shim_container_id(["/usr/bin/runc", "-id", "abc123"]) is None
    assert shim_container_id(["/usr/bin/containerd-shim-runc-v2", "-id"]) is None
    assert shim_container_id([]) is None
