"""Docker engine errors rewritten as messages a learner understands, with the fix."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from lab.targets.base import Phase, TargetError, WorkloadState

SOCKET = Path("/var/run/docker.sock")


def engine_unreachable(exc: BaseException) -> TargetError:
    """The engine did not answer: say whether it is not running or we may not talk to it."""
    text = str(exc)
    host = os.environ.get("DOCKER_HOST")
    if "Permission denied" in text or "PermissionError" in text:
        return TargetError(
            "the Docker engine is running, but this user may not use its socket "
            f"({host or SOCKET}): permission denied",
            hint="add yourself to the `docker` group (sudo usermod -aG docker $USER, then log "
            "in again) or run seclab with sudo",
        )
    if host:
        return TargetError(
            f"no Docker engine answers at DOCKER_HOST={host}: {text}",
            hint="start that engine, or unset DOCKER_HOST to use the local one",
        )
    if not SOCKET.exists():
        return TargetError(
            f"the Docker engine is not running ({SOCKET} does not exist)",
            hint="start it: sudo systemctl start docker (or `sudo dockerd &` without systemd); "
            "install it with `sudo apt-get install docker.io` if it is missing",
        )
    return TargetError(
        f"the Docker engine does not answer on {SOCKET}: {text}",
        hint="check `docker info`; restart the engine with sudo systemctl restart docker",
    )


def explain_create_error(message: str) -> str | None:
    """A sentence explaining an engine or runc error seen when creating/starting a container."""
    if "Decoding seccomp profile failed" in message or "decoding seccomp profile" in message:
        return (
            "the engine could not parse the seccomp profile. The Docker API wants the profile's "
            "JSON content in security_opt (`seccomp=<json>`); only the docker CLI reads a file "
            "path for you. A path, or a file with invalid JSON, gives this error."
        )
    if "apply caps" in message:
        return (
            "runc could not grant the container's capabilities: the engine's capability "
            "bounding set is smaller than what was asked (privileged containers ask for all)."
        )
    if "is not a valid action for seccomp" in message:
        return "the profile names an action runc does not know; check it with `seclab lint`."
    if "cannot start a stopped process" in message or "operation not permitted" in message:
        return (
            "runc loads the seccomp filter just before it executes the workload, so the profile "
            "must also allow runc's own last syscalls (execve, and e.g. fstatfs, getdents64, "
            "pipe2, getrlimit on runc 1.1). This profile denies them, so the container never "
            "started; Docker does not restart a container that never started (kind retries, "
            "which is why the same profile shows CrashLoopBackOff there)."
        )
    if "No such image" in message or ("not found" in message and "image" in message):
        return (
            "the image is not on this machine and cannot be pulled; `seclab doctor --target "
            "docker` builds the lab's offline images."
        )
    return None


def image_unavailable(image: str, pull_error: str) -> TargetError:
    """An image is neither present nor pullable, and no offline stand-in could be built."""
    return TargetError(
        f"the image {image} is not on this machine and could not be pulled: {pull_error}",
        hint="connect to the network once and run `docker pull " + image + "`, or install "
        "busybox-static (apt-get install busybox-static) so seclab can build its offline images",
    )


def failed_state(message: str, base: WorkloadState | None = None) -> WorkloadState:
    """A failed-to-create state whose message keeps the engine's words and explains them."""
    explanation = explain_create_error(message)
    text = f"{message}\n({explanation})" if explanation else message
    if base is not None:
        return replace(base, message=text)
    return WorkloadState(Phase.FAILED_TO_CREATE, reason="CreateError", message=text)
