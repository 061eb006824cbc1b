"""make_target: names to targets, options passed through, a clear error for the rest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lab.paths import profiles_dir
from lab.targets.base import CommandEvent, TargetError
from lab.targets.factory import make_target


def test_local_gets_the_lab_profiles_and_the_listener() -> None:
    seen: list[CommandEvent] = []
    target = make_target("local", on_command=seen.append, restart_limit=1)
    assert type(target).__name__ == "LocalTarget" and target.name == "local"
    assert target.profiles_dir == profiles_dir()
    assert target.restart_limit == 1  # type: ignore[attr-defined]
    target.emit(CommandEvent(("true",)))
    assert len(seen) == 1


def test_docker_and_kind_take_their_options(tmp_path: Path) -> None:
    docker = make_target("Docker", profiles_dir=tmp_path, session="abc")
    assert (docker.name, docker.profiles_dir, docker.session) == ("docker", tmp_path, "abc")  # type: ignore[attr-defined]
    # kind is only constructed here: no cluster is contacted until a method runs.
    kind = make_target("kind", cluster_name="other")
    assert kind.name == "kind" and kind.cluster_name == "other"  # type: ignore[attr-defined]


def test_unknown_target_is_explained() -> None:
    with pytest.raises(TargetError) as caught:
        make_target("podman")
    assert "podman" in caught.value.message
    assert "local, docker, kind" in (caught.value.hint or "")


def test_local_does_not_load_the_docker_sdk() -> None:
    code = (
        "import sys\nfrom lab.targets.factory import make_target\nmake_target('local')\n"
        "print('docker' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=60, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert proc.stdout.strip() == "False", proc.stderr
