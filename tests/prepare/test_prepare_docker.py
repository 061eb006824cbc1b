"""`seclab prepare --target docker` against the real Docker engine.

The images the lessons need are renamed for each test to unique tags (upstream and offline), so
the engine's real images and other tests' are never touched; whatever a test builds carries the
label seclab=1 and is removed by the test.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import docker
import docker.errors
import pytest
from click.testing import CliRunner, Result

from lab.cli import cli
from lab.targets.docker import images
from lab.targets.docker import offline as offline_images

pytestmark = pytest.mark.docker


@pytest.fixture
def unique_images(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Upstream names no registry has (a pull fails, and downloads nothing) and offline names
    no one else uses; every one of them is removed afterwards."""
    tag = uuid.uuid4().hex[:12]
    upstream = {w: f"seclab-test-{tag}/{w}:1.0" for w in images.UPSTREAM}
    offline = {w: f"seclab-test/{w}-{tag}:offline" for w in images.OFFLINE}
    monkeypatch.setattr(images, "UPSTREAM", upstream)
    monkeypatch.setattr(images, "OFFLINE", offline)
    yield offline
    client = docker.from_env(timeout=60)
    for name in [*upstream.values(), *offline.values()]:
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(name, force=True)


def prepare(*args: str) -> Result:
    result = CliRunner().invoke(cli, ["prepare", "--target", "docker", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def present(name: str) -> bool:
    try:
        docker.from_env(timeout=60).images.get(name)
    except docker.errors.ImageNotFound:
        return False
    return True


def test_check_on_an_engine_missing_the_images_says_so_and_fetches_nothing(
    course: object, unique_images: dict[str, str]
) -> None:
    result = prepare("--check")
    assert result.exit_code == 1, result.output
    crosses = [line for line in result.stdout.splitlines() if line.startswith("  ✘")]
    assert len(crosses) == 2 and all("neither" in line for line in crosses)
    would = result.stdout.split("would run:", 1)[1]
    assert f"docker pull {images.UPSTREAM['http-echo']}" in would
    assert f"docker import - {unique_images['busybox']}" in would
    assert "$ docker pull" not in result.stderr  # nothing was run, only listed
    assert not any(present(name) for name in unique_images.values())


def test_prepare_builds_what_cannot_be_pulled_and_check_then_agrees(
    course: object, unique_images: dict[str, str]
) -> None:
    if offline_images.find_busybox() is None:
        pytest.skip("the offline images need busybox (apt-get install busybox-static)")
    result = prepare()
    assert result.exit_code == 0, result.output
    for workload, name in unique_images.items():
        image = docker.from_env(timeout=60).images.get(name)
        assert image.labels.get("seclab.image") == name  # the lab's, by the name it gave
        assert f"image for {workload}" in result.stdout
    assert result.stdout.count("built here from busybox-static") == 2
    assert " MB)" in result.stdout  # each image's size
    assert f"$ docker pull {images.UPSTREAM['busybox']}" in result.stderr  # tried first
    again = prepare("--check")
    assert again.exit_code == 0, again.output
    assert again.stdout.count(" present (") == 2
