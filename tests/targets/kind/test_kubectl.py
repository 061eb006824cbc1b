"""The kubectl wrapper through the real subprocess runner, with a stand-in `kubectl` on PATH.

The stand-in is a fake, and said so: kubectl is not installed on the CI machine. It is a small
shell script, so the argv, stdin, exit status and output really cross a process boundary.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lab.cli import cli
from lab.targets.base import CommandEvent, TargetError
from lab.targets.commands import CommandError, SubprocessRunner
from lab.targets.kind.kubectl import Kubectl, ReportedRunner, explain
from lab.targets.kind.target import KindTarget

# kubectl 1.32's own words when nothing listens on the API server's port (captured here).
REFUSED = (
    'E1122 20:21:01.701972   25460 memcache.go:265] "Unhandled Error" err="couldn\'t get current '
    'server API group list: Get \\"https://127.0.0.1:39457/api?timeout=32s\\": dial tcp '
    '127.0.0.1:39457: connect: connection refused"\n'
    "The connection to the server 127.0.0.1:39457 was refused - did you specify the right host "
    "or port?\n"
)


def stub_kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "kubectl"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


def make(events: list[CommandEvent] | None = None) -> Kubectl:
    sink = events.append if events is not None else (lambda e: None)
    return Kubectl(ReportedRunner(SubprocessRunner(), sink), "seclab", timeout=20)


def test_every_call_names_the_kind_context_and_asks_for_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_kubectl(tmp_path, monkeypatch, 'printf \'{"argv": "%s"}\' "$*"\n')
    events: list[CommandEvent] = []
    data = make(events).get_json("pod", "audit-pod")
    assert data == {"argv": "--context kind-seclab get pod audit-pod -o json"}
    assert [e.exit_code for e in events] == [None, 0]
    assert events[0].argv[:3] == ("kubectl", "--context", "kind-seclab")


def test_apply_sends_the_manifest_on_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_kubectl(tmp_path, monkeypatch, "cat\n")
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "audit-pod"}}
    done = make().apply(manifest)
    assert done.argv[-3:] == ("apply", "-f", "-")
    assert json.loads(done.stdout) == manifest


def test_missing_object_is_none_when_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_kubectl(
        tmp_path,
        monkeypatch,
        "echo 'Error from server (NotFound): pods \"gone\" not found' >&2\nexit 1\n",
    )
    assert make().get_json("pod", "gone", missing_ok=True) is None
    with pytest.raises(TargetError, match="not found"):
        make().get_json("pod", "gone")


def test_output_that_is_not_json_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_kubectl(tmp_path, monkeypatch, "echo 'NAME READY STATUS'\n")
    with pytest.raises(TargetError, match="not JSON"):
        make().get_json("pods")


def test_refused_connection_says_how_to_start_the_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "refused.txt").write_text(REFUSED)
    stub_kubectl(tmp_path, monkeypatch, f"cat {tmp_path / 'refused.txt'} >&2\nexit 1\n")
    events: list[CommandEvent] = []
    with pytest.raises(TargetError) as err:
        make(events).get_json("nodes")
    assert "127.0.0.1:39457 was refused" in err.value.message
    assert err.value.hint and "docker start seclab-control-plane" in err.value.hint
    assert events[-1].exit_code == 1 and "connection refused" in events[-1].stderr


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_timeout_kills_the_command_and_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Like kind running docker: a child left behind would go on changing the cluster (and, if
    # it held the output pipes, keep the runner waiting long after the timeout).
    pid_file = tmp_path / "child.pid"
    body = f"sleep 120 >/dev/null 2>&1 &\necho $! > {pid_file}\nwait\n"
    stub_kubectl(tmp_path, monkeypatch, body)
    events: list[CommandEvent] = []
    kubectl = make(events)
    with pytest.raises(TargetError, match="timed out after 0.5 s"):
        kubectl("get", "pods", timeout=0.5)
    assert events[-1].exit_code == -1
    child = int(pid_file.read_text())
    # SIGKILL is delivered when the child is next scheduled: wait for that, boundedly.
    for _ in range(200):
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child)


def test_kubectl_not_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no kubectl anywhere
    events: list[CommandEvent] = []
    with pytest.raises(TargetError) as err:
        make(events)("version")
    assert "not installed" in err.value.message
    assert err.value.hint and "install kubectl" in err.value.hint
    # What the learner sees under the command: which tool, and where to get it (it said
    # "(exit status -1)" for a program that never ran); 127 is the shell's "not found".
    said = "kubectl is not installed (or not on PATH): see https://kubernetes.io/docs/tasks/tools/"
    assert (events[-1].exit_code, events[-1].stderr) == (127, said)


def test_seclab_run_without_kind_names_the_tool_not_a_made_up_status(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no kind, kubectl or docker
    result = CliRunner().invoke(cli, ["run", "audit", "--target", "kind", "--auto"])
    assert result.exit_code == 2, result.output  # unchanged: the lesson could not start
    assert "exit status -1" not in result.output
    kind_url = "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
    assert f"kind is not installed (or not on PATH): see {kind_url}" in result.output
    assert "then: seclab cluster up" in result.output


@pytest.mark.parametrize(
    ("stderr", "hint"),
    [
        (
            "Error in configuration: context was not found for specified context: kind-seclab\n",
            "seclab cluster up",
        ),
        ('error: the server doesn\'t have a resource type "pod"\n', "kubectl may be much older"),
    ],
)
def test_explain_known_failures(stderr: str, hint: str) -> None:
    exc = CommandError(
        ["kubectl", "--context", "kind-seclab", "get"], "exit status 1", returncode=1, stderr=stderr
    )
    error = explain(exc, "seclab")
    assert error.hint and hint in error.hint
    assert error.command == ("kubectl", "--context", "kind-seclab", "get")


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- {{name: kind-seclab, cluster: {{server: "https://127.0.0.1:{port}"}}}}
contexts:
- {{name: kind-seclab, context: {{cluster: kind-seclab, user: kind-seclab}}}}
users:
- {{name: kind-seclab, user: {{token: unused}}}}
"""


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_real_kubectl_against_a_stopped_api_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A port on this machine with nothing listening: what a stopped kind node looks like.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "kubeconfig"
    config.write_text(KUBECONFIG.format(port=port))
    monkeypatch.setenv("KUBECONFIG", str(config))
    with pytest.raises(TargetError) as err:
        make().get_json("nodes")
    assert f"127.0.0.1:{port} was refused" in err.value.message
    assert err.value.hint and "docker start seclab-control-plane" in err.value.hint
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    with pytest.raises(TargetError) as err:
        make().get_json("nodes")
    assert err.value.hint == "seclab cluster up"  # no kind-seclab context at all


def test_kind_target_cancel_kills_the_command_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_kubectl(tmp_path, monkeypatch, "exec sleep 120\n")
    started, finished = threading.Event(), threading.Event()
    target = KindTarget(tmp_path, lambda e: started.set() if e.exit_code is None else None)

    def cancel_until_done() -> None:
        started.wait(30)
        # The event comes just before the process exists: repeat until the call returns.
        while not finished.wait(0.05):
            target.cancel()

    threading.Thread(target=cancel_until_done, daemon=True).start()
    try:
        with pytest.raises(TargetError, match="cancelled"):
            target.state("audit-pod")
    finally:
        finished.set()
