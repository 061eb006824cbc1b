"""The engine the docker CLI would use: DOCKER_HOST, the current context, sudo's user."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from lab.targets.docker.context import config_dir, current


def make_context(folder: Path, name: str, host: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"currentContext": name}))
    meta = folder / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    meta_json = {"Name": name, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}
    (meta / "meta.json").write_text(json.dumps(meta_json))


def test_the_current_context_is_followed(tmp_path: Path) -> None:
    # The layout the docker CLI writes (`docker context create` / `use`), made by hand here.
    host = "unix:///home/me/.docker/desktop/docker.sock"
    make_context(tmp_path, "desktop-linux", host)
    found = current({"DOCKER_CONFIG": str(tmp_path)})
    assert found is not None and found.host == host and "desktop-linux" in found.why
    assert current({"DOCKER_CONFIG": str(tmp_path), "DOCKER_HOST": "tcp://h:2375"}).host == (  # type: ignore[union-attr]
        "tcp://h:2375"
    )


def test_default_context_and_no_config_mean_the_default_socket(tmp_path: Path) -> None:
    make_context(tmp_path / "d", "default", "unix:///ignored")
    assert current({"DOCKER_CONFIG": str(tmp_path / "d")}) is None
    assert current({"DOCKER_CONFIG": str(tmp_path / "none")}) is None


def test_sudo_drops_docker_host_so_a_rootless_engine_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in /run/user and no system socket: a rootless engine's layout, without one.
    monkeypatch.setattr("lab.targets.docker.context.SYSTEM_SOCKET", tmp_path / "no.sock")
    monkeypatch.setattr("lab.targets.docker.context.RUN_USER", tmp_path)
    (tmp_path / "4242").mkdir()
    (tmp_path / "4242" / "docker.sock").touch()
    found = current({"DOCKER_CONFIG": str(tmp_path / "cfg"), "SUDO_UID": "4242"})
    assert found is not None and found.host == f"unix://{tmp_path}/4242/docker.sock"
    assert current({"DOCKER_CONFIG": str(tmp_path / "cfg"), "SUDO_UID": "1"}) is None


def test_under_sudo_the_invoking_users_config_counts(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root sees SUDO_USER as the invoking user")
    import pwd

    user = pwd.getpwuid(65534).pw_name  # nobody: exists everywhere; its home is not root's
    assert config_dir({"SUDO_USER": user}) == Path(pwd.getpwnam(user).pw_dir) / ".docker"
    assert config_dir({}) == Path.home() / ".docker"
