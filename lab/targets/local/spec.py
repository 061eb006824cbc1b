"""What a workload is on the local target: which profile it loads and which argv it execs."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lab.profile.diagnostics import ProfileError
from lab.profile.model import Profile
from lab.targets.base import ProfileRef, TargetError, WorkloadSpec

RUNTIME_DEFAULT = "runtime-default-local.json"
# The tutorial's fine-grained.json lists the Go http-echo's syscalls; the local echo is Python.
STAND_INS = {"fine-grained.json": "fine-grained-local.json"}
DEFAULT_ECHO_TEXT = "-text=just made some syscalls!"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class ProfileUnusable(Exception):
    """The profile cannot be loaded: missing file or lint errors (the workload never starts)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class LocalPlan:
    """The profile to load, the argv to exec, and the `seclab exec` line that does the same."""

    profile: Profile | None
    profile_label: str
    argv: tuple[str, ...]
    port: int | None = None

    def display(self, note: str = "") -> str:
        shown = shlex.join(["seclab", "exec", "--profile", self.profile_label, "--", *self.argv])
        return f"{shown}   # {note}" if note else shown


def find_busybox() -> str:
    """The busybox binary, or a TargetError that says how to install it."""
    found = shutil.which("busybox") or ("/bin/busybox" if os.path.exists("/bin/busybox") else None)
    if found is None:
        raise TargetError(
            "busybox is not installed: the local target runs the lesson's shell commands with it",
            hint="sudo apt-get install busybox-static (or your distribution's busybox package)",
        )
    return found


@cache
def busybox_applets() -> frozenset[str]:
    """The applet names the host's busybox offers (empty when busybox is missing)."""
    try:
        proc = subprocess.run(
            [find_busybox(), "--list"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (TargetError, OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(proc.stdout.split())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def echo_env() -> dict[str, str]:
    """The environment for the echo workload: the lab's package importable from anywhere."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": _PACKAGE_ROOT + (os.pathsep + path if path else "")}


def resolve_profile(
    ref: ProfileRef, profiles_dir: Path, workload: str
) -> tuple[Profile | None, str]:
    """The Profile to load (None: Unconfined) and how to name it in `seclab exec --profile`."""
    from lab.profile.lint import load_profile

    if ref.kind == "unconfined":
        return None, "unconfined"
    file = RUNTIME_DEFAULT if ref.kind == "runtime-default" else (ref.file or "")
    if workload == "http-echo":
        file = STAND_INS.get(file, file)
    path = Path(file) if Path(file).is_absolute() else profiles_dir / file
    if not path.exists():
        # The words containerd uses for a missing Localhost profile, so lessons read the same.
        raise ProfileUnusable(
            "ProfileNotFound",
            f'cannot load seccomp profile "{path}": open {path}: no such file or directory',
        )
    try:
        return load_profile(path), file if not Path(file).is_absolute() else str(path)
    except ProfileError as exc:
        raise ProfileUnusable("InvalidProfile", f"decoding seccomp profile failed:\n{exc}") from exc


def plan(spec: WorkloadSpec, profiles_dir: Path, port: int | None = None) -> LocalPlan:
    """Turn a WorkloadSpec into what the sandbox runs."""
    profile, label = resolve_profile(spec.profile, profiles_dir, spec.workload)
    if spec.workload == "http-echo":
        port = port or free_port()
        args = list(spec.args) or [DEFAULT_ECHO_TEXT]
        argv = [sys.executable, "-m", "lab.workloads.http_echo", *args]
        argv.append(f"-listen=127.0.0.1:{port}")
        return LocalPlan(profile, label, tuple(argv), port)
    if spec.workload == "threads":  # the lab's threaded program (lab.workloads.threads)
        argv = [sys.executable, "-m", "lab.workloads.threads", *spec.args]
        return LocalPlan(profile, label, tuple(argv))
    return LocalPlan(profile, label, (find_busybox(), *(spec.args or ("true",))))


def intended(spec: WorkloadSpec) -> str:
    """The `seclab exec` line for a workload whose profile could not be used."""
    label = {"localhost": spec.profile.file or "", "runtime-default": RUNTIME_DEFAULT}.get(
        spec.profile.kind, "unconfined"
    )
    argv = ["python3", "-m", "lab.workloads.http_echo", *(spec.args or [DEFAULT_ECHO_TEXT])]
    if spec.workload == "busybox":
        argv = ["busybox", *(spec.args or ["true"])]
    return shlex.join(["seclab", "exec", "--profile", label, "--", *argv])
