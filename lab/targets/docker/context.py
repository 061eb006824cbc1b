"""The Docker engine the docker CLI would talk to, for the docker SDK that ignores contexts.

`docker context use desktop-linux` (Docker Desktop for Linux), a rootless engine, a remote
one: the CLI reads `currentContext` from its config.json and the endpoint from the context's
meta.json; the SDK reads only DOCKER_HOST, which `sudo` drops. Under sudo the invoking user's
config is the one that counts (SUDO_USER).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Endpoint:
    """Where the engine is, and why the lab chose it (shown by `seclab doctor`)."""

    host: str
    why: str


def config_dir(env: dict[str, str] | None = None) -> Path:
    """The docker CLI's config folder: DOCKER_CONFIG, else ~/.docker of the invoking user."""
    env = dict(os.environ) if env is None else env
    if env.get("DOCKER_CONFIG"):
        return Path(env["DOCKER_CONFIG"])
    home = Path.home()
    user = env.get("SUDO_USER")
    if user and os.geteuid() == 0:
        with contextlib.suppress(KeyError):
            home = Path(pwd.getpwnam(user).pw_dir)
    return home / ".docker"


SYSTEM_SOCKET = Path("/var/run/docker.sock")
RUN_USER = Path("/run/user")


def current(env: dict[str, str] | None = None) -> Endpoint | None:
    """The endpoint of the CLI's current context; None for the default engine socket."""
    env = dict(os.environ) if env is None else env
    if env.get("DOCKER_HOST"):
        return Endpoint(env["DOCKER_HOST"], "DOCKER_HOST")
    folder = config_dir(env)
    name = env.get("DOCKER_CONTEXT")
    why = "DOCKER_CONTEXT"
    if not name:
        try:
            name = json.loads((folder / "config.json").read_text()).get("currentContext")
        except (OSError, ValueError, AttributeError):
            name = None
        why = f"currentContext in {folder / 'config.json'}"
    if name and name != "default":
        digest = hashlib.sha256(name.encode()).hexdigest()
        meta = folder / "contexts" / "meta" / digest / "meta.json"
        try:
            host = json.loads(meta.read_text())["Endpoints"]["docker"]["Host"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return Endpoint(str(host), f"docker context {name!r} ({why})")
    return _rootless(env)


def _rootless(env: dict[str, str]) -> Endpoint | None:
    """Under sudo, the invoking user's rootless engine when no system engine socket exists."""
    uid = env.get("SUDO_UID")
    if not uid or SYSTEM_SOCKET.exists():
        return None
    sock = RUN_USER / uid / "docker.sock"
    if sock.exists():
        return Endpoint(
            f"unix://{sock}", f"the rootless engine of uid {uid} (sudo dropped DOCKER_HOST)"
        )
    return None


def follow() -> Endpoint | None:
    """Point DOCKER_HOST at the CLI's current context for the SDK and the docker commands run."""
    endpoint = current()
    if endpoint is not None and not os.environ.get("DOCKER_HOST"):
        os.environ["DOCKER_HOST"] = endpoint.host
    return endpoint
