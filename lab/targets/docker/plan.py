"""What `docker run` a workload needs: security options, ports, restart policy, and its CLI form."""

from __future__ import annotations

import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.targets.base import DOCKER_LABEL, WorkloadSpec

ECHO_PORT = "5678/tcp"
DEFAULT_ECHO_TEXT = "-text=just made some syscalls!"


class ProfileMissing(Exception):
    """The Localhost profile file does not exist (the docker CLI would fail the same way)."""

    def __init__(self, path: Path, message: str, display: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.display = display


def cli_error(message: str) -> str:
    """What the docker CLI (28.x) prints when `docker run` fails before the container starts."""
    return f"docker: {message}\n\nRun 'docker run --help' for more information"


def new_session_id() -> str:
    """A short random id that keeps one session's container names apart from another's."""
    return secrets.token_hex(4)


def container_name(workload: str, session: str | None = None) -> str:
    """seclab-<workload>-<session>: two labs running the same lesson never share a container."""
    return f"seclab-{workload}-{session}" if session else f"seclab-{workload}"


def labels_for(workload: str, session: str | None = None) -> dict[str, str]:
    """The labels `reset` looks for, plus the session's, so a session removes only its own."""
    labels = {DOCKER_LABEL[0]: DOCKER_LABEL[1], "seclab.workload": workload}
    if session:
        labels["seclab.session"] = session
    return labels


def profile_path(profiles_dir: Path, file: str) -> Path:
    """A Localhost profile: a name under the lab's profiles directory, or a path elsewhere."""
    path = Path(file)
    return path if path.is_absolute() else profiles_dir / path


@dataclass(frozen=True)
class RunPlan:
    """Keyword arguments for `containers.run` and the command line a learner would type."""

    kwargs: dict[str, Any]
    display: str
    argv: tuple[str, ...] = field(default=())


def plan_run(
    spec: WorkloadSpec,
    image: str,
    profiles_dir: Path,
    *,
    detach: bool = True,
    restart_limit: int = 3,
    session: str | None = None,
) -> RunPlan:
    """Translate a WorkloadSpec into SDK arguments and the equivalent `docker run …`."""
    name = container_name(spec.name, session)
    labels = labels_for(spec.name, session)
    security_opt: list[str] = []
    missing: ProfileMissing | None = None
    cli: list[str] = ["docker", "run", "-d" if detach else "--rm", "--name", name]
    for key, value in labels.items():
        cli += ["--label", f"{key}={value}"]
    if spec.profile.kind == "localhost":
        path = profile_path(profiles_dir, spec.profile.file or "")
        try:
            # The API wants the JSON content; a path here would fail to decode in the engine.
            security_opt.append(f"seccomp={path.read_text()}")
        except OSError as exc:
            # The docker CLI reads the file itself and stops with this very message.
            # Go spells errno texts in lower case ("no such file or directory").
            reason = (exc.strerror or str(exc)).lower()
            message = f"opening seccomp profile ({path}) failed: open {path}: {reason}"
            missing = ProfileMissing(path, message)
        cli += ["--security-opt", f"seccomp={path}"]
    elif spec.profile.kind == "unconfined":
        security_opt.append("seccomp=unconfined")
        cli += ["--security-opt", "seccomp=unconfined"]
    # RuntimeDefault: no option at all, so the engine applies its own default profile.
    # no-new-privileges, as a pod with allowPrivilegeEscalation: false: runc then loads the
    # filter just before execve. Without it runc loads it before capset, setgroups, setgid,
    # setuid, chdir and prctl, which an allow-list made for the program does not list. A lesson
    # may turn it off (no_new_privileges: false) to show exactly that.
    if spec.no_new_privileges is not False:
        security_opt.append("no-new-privileges")
        cli += ["--security-opt", "no-new-privileges"]
    kwargs: dict[str, Any] = {
        "name": name,
        "labels": labels,
        "detach": True,
        "security_opt": security_opt or None,
        "privileged": spec.privileged,
    }
    if spec.privileged:
        cli.append("--privileged")
    args = list(spec.args)
    if spec.workload == "http-echo":
        args = args or [DEFAULT_ECHO_TEXT]
        kwargs["ports"] = {ECHO_PORT: ("127.0.0.1", None)}
        cli += ["-p", "127.0.0.1::5678"]
    if detach and restart_limit > 0:  # (on-failure:0 would mean: retry for ever)
        # A crash then restarts a few times, the Docker counterpart of CrashLoopBackOff.
        kwargs["restart_policy"] = {"Name": "on-failure", "MaximumRetryCount": restart_limit}
        cli += ["--restart", f"on-failure:{restart_limit}"]
    if args:
        kwargs["command"] = args
    cli += [image, *args]
    if missing is not None:
        missing.display = shlex.join(cli)
        raise missing
    return RunPlan(kwargs, shlex.join(cli), tuple(cli))
