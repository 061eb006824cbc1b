"""Offline images and engine errors: what a class without network or rights gets told."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from lab.targets.base import CommandEvent, TargetError
from lab.targets.docker import offline as offline_images
from lab.targets.docker.images import ImageResolver
from lab.targets.docker.reset import is_lab_image
from lab.targets.docker.target import DockerTarget

REPO = Path(__file__).resolve().parents[3]


def test_offline_rootfs_holds_busybox_its_applets_and_the_echo_stand_in() -> None:
    busybox = offline_images.find_busybox()
    if busybox is None:
        pytest.skip("busybox is not installed (apt-get install busybox-static)")
    data = offline_images.busybox_rootfs(busybox, with_echo=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        entry = tar.extractfile("http-echo")
        assert entry is not None
        script = entry.read().decode()
    assert members["bin/busybox"].size == busybox.stat().st_size
    assert members["bin/sh"].issym() and members["bin/sh"].linkname == "/bin/busybox"
    assert members["tmp"].mode == 0o1777
    assert "-text=" in script and "nc -ll" in script
    changes = offline_images.image_changes("seclab/busybox:offline", with_echo=False)
    assert "LABEL seclab.image=seclab/busybox:offline" in changes
    assert "LABEL seclab=1" not in changes  # it would pass to every container run from it


def test_no_busybox_and_no_image_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline_images, "find_busybox", lambda: None)
    events: list[CommandEvent] = []
    resolver = ImageResolver(client=None, emit=events.append)
    with pytest.raises(TargetError) as caught:
        resolver.build_offline("busybox")
    assert "busybox:latest" in caught.value.message
    assert "busybox-static" in (caught.value.hint or "")
    assert events == []  # nothing was sent to an engine


def test_an_absent_engine_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")
    with pytest.raises(TargetError) as caught:
        DockerTarget(tmp_path).docker()
    assert "no Docker engine answers at DOCKER_HOST" in caught.value.message
    assert "unset DOCKER_HOST" in (caught.value.hint or "")


@pytest.mark.root
def test_a_user_outside_the_docker_group_is_told_how_to_get_in(tmp_path: Path) -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's file-permission override")
    # A socket this process may not open: owned by nobody, mode 000, and the subprocess runs
    # without CAP_DAC_OVERRIDE, as a user outside the docker group would meet the real one.
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen(1)
        os.chown(path, 65534, 65534)
        path.chmod(0)
        code = (
            "from pathlib import Path\n"
            "from lab.targets.docker.target import DockerTarget\n"
            "from lab.targets.base import TargetError\n"
            "try:\n    DockerTarget(Path('.')).docker()\n"
            "except TargetError as e:\n    print(e.message); print(e.hint)\n"
        )
        env = {**os.environ, "PYTHONPATH": str(REPO), "DOCKER_HOST": f"unix://{path}"}
        drop = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]
        proc = subprocess.run(
            [*drop, sys.executable, "-c", code], capture_output=True, text=True, env=env,
            stdin=subprocess.DEVNULL, timeout=60,
        )  # fmt: skip
    assert "permission denied" in proc.stdout, proc.stdout + proc.stderr
    assert "docker` group" in proc.stdout and "sudo" in proc.stdout


@pytest.mark.docker
def test_offline_images_are_labelled_for_reset(tmp_path: Path) -> None:
    events: list[CommandEvent] = []
    target = DockerTarget(tmp_path, on_command=events.append, prefer_offline=True)
    image = target.images().image_for("busybox")
    assert image == offline_images.BUSYBOX_IMAGE
    found = target.docker().images.get(image)
    # Built now: labelled with its own name. Imported earlier by an older seclab (this engine
    # is shared): `seclab=1`, which reset still recognises by the image's name.
    assert is_lab_image(found.tags, found.labels)
    if any(e.argv[:2] == ("docker", "import") for e in events):
        assert found.labels.get("seclab.image") == image
    assert not any(e.argv[:2] == ("docker", "pull") for e in events)  # offline: never pulled


@pytest.mark.docker
def test_an_offline_image_in_the_engine_is_used_without_a_pull(tmp_path: Path) -> None:
    """A prepared room: the stand-in is there, so a lesson must not try the network first."""
    target = DockerTarget(tmp_path)
    client = target.docker()
    upstream = "busybox"
    if any(upstream in tag for image in client.images.list() for tag in image.tags
           if not tag.startswith("seclab/")):  # fmt: skip
        pytest.skip("the upstream busybox image is in this engine: the lab rightly runs it")
    ImageResolver(client, emit=lambda event: None, prefer_offline=True).image_for("busybox")
    events: list[CommandEvent] = []
    chosen = ImageResolver(client, emit=events.append).image_for("busybox")
    assert chosen == offline_images.BUSYBOX_IMAGE
    assert not any(e.argv[:2] == ("docker", "pull") for e in events), events


class _EngineHoldingEverything:
    """An engine where every image is present, hashicorp/http-echo:1.0 included: a fake, as no
    registry can be reached here to pull the real one."""

    class images:  # the docker SDK's attribute name
        @staticmethod
        def get(name: str) -> object:
            return object()


def test_the_offline_stand_in_is_run_when_asked_even_with_the_upstream_image_present() -> None:
    from lab.targets.docker.images import OFFLINE, UPSTREAM

    events: list[CommandEvent] = []
    resolver = ImageResolver(_EngineHoldingEverything(), emit=events.append)
    assert resolver.image_for("http-echo") == UPSTREAM["http-echo"]  # what users' machines run
    assert resolver.image_for("http-echo", offline=True) == OFFLINE["http-echo"]
    assert events == []  # present: neither pulled nor built


def test_the_no_new_privileges_exercise_runs_the_image_its_profiles_were_made_for() -> None:
    from lab.course.loader import find_lesson

    lesson = find_lesson("exercise-no-new-privileges")
    runs = [a for s in lesson.steps for a in (*s.actions, *s.trial) if a.kind == "run"]
    assert runs and all(a.offline_image for a in runs)
    assert "seclab/http-echo:offline" in lesson.steps[0].text
