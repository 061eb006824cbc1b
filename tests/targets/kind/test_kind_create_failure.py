"""`kind create cluster` failing, as it really does: the learner sees why, nothing is left.

kind cannot create a cluster on the CI machine on demand, so fake `kind` and `docker`
executables on PATH replay outputs recorded on a real kind cluster (tests/fixtures/kind/real/,
README there): `c1-original-config.log` (kind's stderr when the kubelet refused the shipped node
label), `c1-original-kubelet.txt` (that node's kubelet journal) and
`16-kind-fast-failure-stderr.txt` (kind's stderr when its node image cannot be pulled). The
recorded cluster was named "probe"; the replay says "seclab", the name the lab asks for. The
lab's real subprocess runner runs them, so streaming, exit codes and the commands are real.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lab import paths
from lab.cli import cli
from lab.commands import cluster as cluster_command
from lab.targets.base import TargetError
from lab.targets.commands import SubprocessRunner
from lab.targets.kind.cluster import KindCluster
from lab.targets.kind.kubectl import ReportedRunner

REPO = Path(__file__).resolve().parents[3]
REAL = REPO / "tests" / "fixtures" / "kind" / "real"

FAKE_KIND = r'''#!{python}
"""Fake kind: replays a recorded real output (see the test module's docstring)."""
import json, os, sys, time
from pathlib import Path
here = Path(__file__).parent
with open(here / "calls", "a") as log:
    log.write(json.dumps(["kind", *sys.argv[1:]]) + "\n")
conf = json.loads((here / "conf.json").read_text())
args = sys.argv[1:]
if args[:2] == ["get", "clusters"]:
    print("\n".join(conf["clusters"]) or "No kind clusters found.",
          file=sys.stdout if conf["clusters"] else sys.stderr)
elif args[:2] == ["get", "nodes"]:
    if conf["nodes"]:
        print("\n".join(conf["nodes"]))
    else:
        print('No kind nodes found for cluster "seclab".', file=sys.stderr)
elif args[:2] == ["create", "cluster"]:
    lines = Path(conf["replay"]).read_text().replace("probe", "seclab").splitlines(True)
    sys.stderr.write(lines[0]); sys.stderr.flush()
    go = here / "go"
    if conf.get("wait_for_reader"):
        # The rest comes only once the lab has shown the first line: output held back until
        # exit would stall here, and the test sees "NOT LIVE".
        deadline = time.monotonic() + 20
        while not go.exists():
            if time.monotonic() > deadline:
                sys.stderr.write("NOT LIVE\n"); sys.exit(3)
            time.sleep(0.02)
    sys.stderr.write("".join(lines[1:])); sys.exit(1)
elif args[:2] == ["delete", "cluster"]:
    print('Deleting cluster "seclab" ...', file=sys.stderr)
else:
    print("fake kind: unexpected " + " ".join(args), file=sys.stderr); sys.exit(99)
'''

FAKE_DOCKER = r'''#!{python}
"""Fake docker: replays a recorded real kubelet journal (see the test module's docstring)."""
import json, sys
from pathlib import Path
here = Path(__file__).parent
with open(here / "calls", "a") as log:
    log.write(json.dumps(["docker", *sys.argv[1:]]) + "\n")
conf = json.loads((here / "conf.json").read_text())
args = sys.argv[1:]
if args[:1] == ["info"]:
    print("Debian GNU/Linux 12 (bookworm)")
elif args[:1] == ["exec"] and "journalctl" in args:
    sys.stdout.write(Path(conf["journal"]).read_text())
elif args[:2] == ["image", "inspect"]:
    sys.exit(1)
else:
    print("fake docker: unexpected " + " ".join(args), file=sys.stderr); sys.exit(99)
'''


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("kind", FAKE_KIND), ("docker", FAKE_DOCKER)):
        path = bin_dir / name
        path.write_text(text.replace("{python}", sys.executable))
        path.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def configure(bin_dir: Path, **conf: object) -> None:
    base = {
        "clusters": [],
        "nodes": ["seclab-control-plane"],
        "replay": str(REAL / "c1-original-config.log"),
        "journal": str(REAL / "c1-original-kubelet.txt"),
    }
    (bin_dir / "conf.json").write_text(json.dumps({**base, **conf}))


def calls(bin_dir: Path) -> list[list[str]]:
    path = bin_dir / "calls"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def cluster() -> KindCluster:
    return KindCluster(ReportedRunner(SubprocessRunner(), lambda event: None), "seclab")


def test_progress_comes_line_by_line_while_kind_runs(fake_bin: Path, tmp_path: Path) -> None:
    configure(fake_bin, wait_for_reader=True)
    seen: list[tuple[float, str]] = []

    def on_line(line: str) -> None:
        seen.append((time.monotonic(), line))
        (fake_bin / "go").touch()  # lets the fake kind go on: it proves we saw line 1 live

    with pytest.raises(TargetError):
        cluster().create(tmp_path / "kind-seclab.yaml", on_line=on_line)
    lines = [line for _, line in seen]
    assert "NOT LIVE" not in lines
    assert lines[0].startswith("cgroup v1 is deprecated")
    assert " • Starting control-plane 🕹️  ..." in lines
    assert any(line.startswith("ERROR: failed to create cluster") for line in lines)


def test_kubelet_refusal_shows_error_line_and_journal_then_deletes(
    fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(fake_bin)
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setattr(paths, "state_dir", lambda create=True: state)
    monkeypatch.setattr(cluster_command, "make_runner", SubprocessRunner)
    result = CliRunner().invoke(cli, ["cluster", "up"])
    assert result.exit_code == 1, result.output
    err = result.stderr
    # kind's progress, live, then kind's own ERROR line, then the kubelet's reason.
    assert "  • Starting control-plane 🕹️  ..." in err
    assert "ERROR: failed to create cluster: failed to init node with kubeadm" in err
    assert "Failed to validate kubelet flags" in err and "--node-labels" in err
    assert "journalctl -u kubelet --no-pager -n 30" in err
    assert "the half-made cluster is deleted" in err
    assert "fix: a node label in kind.yaml is one the kubelet refuses" in err
    assert "runtime.main" not in err  # not the tail of a Go stack trace
    ran = [c[:3] for c in calls(fake_bin)]
    create = next(c for c in calls(fake_bin) if c[1:3] == ["create", "cluster"])
    assert "--retain" in create  # the node stays until its journal was read
    assert ran.index(["kind", "create", "cluster"]) < ran.index(
        ["docker", "exec", "seclab-control-plane"]
    )
    assert ran.index(["docker", "exec", "seclab-control-plane"]) < ran.index(
        ["kind", "delete", "cluster"]
    )


def test_node_image_pull_failure_says_so_and_cleans_up(fake_bin: Path, tmp_path: Path) -> None:
    configure(fake_bin, nodes=[], replay=str(REAL / "16-kind-fast-failure-stderr.txt"))
    with pytest.raises(TargetError) as err:
        cluster().create(tmp_path / "kind-seclab.yaml")
    message = err.value.message
    assert 'ERROR: failed to create cluster: failed to pull image "seclab-nosuch/node:x"' in message
    assert "journal" not in message  # no node was made: nothing to look into
    assert err.value.hint and "node image" in err.value.hint
    assert ["kind", "delete", "cluster", "--name", "seclab"] in calls(fake_bin)
    assert not [c for c in calls(fake_bin) if c[:2] == ["docker", "exec"]]


def test_a_cluster_that_already_exists_is_never_deleted(fake_bin: Path, tmp_path: Path) -> None:
    # kind's wording for a name in use (from its source: "node(s) already exist for a cluster
    # with the name %q"): constructed, as this race cannot be provoked on demand.
    replay = tmp_path / "exists.log"
    replay.write_text(
        'Creating cluster "seclab" ...\n'
        "ERROR: failed to create cluster: node(s) already exist for a cluster with the name "
        '"seclab"\n'
    )
    configure(fake_bin, replay=str(replay))
    with pytest.raises(TargetError) as err:
        cluster().create(tmp_path / "kind-seclab.yaml")
    assert "already exist" in err.value.message and err.value.hint
    assert not [c for c in calls(fake_bin) if c[1:3] == ["delete", "cluster"]]
