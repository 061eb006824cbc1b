"""Pod manifests in the shapes of the Kubernetes seccomp tutorial, labelled as the lab's own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lab.targets.base import K8S_LABEL, ProfileRef, TargetError, WorkloadSpec

HTTP_ECHO_IMAGE = "hashicorp/http-echo:1.0"
BUSYBOX_IMAGE = "busybox:1.36"
CONTAINER = "test-container"
ECHO_PORT = 5678
DEFAULT_ECHO_ARGS = ("-text=just made some syscalls!",)
# Localhost profiles are relative to the kubelet's seccomp root, /var/lib/kubelet/seccomp.
SECCOMP_ROOT = "/var/lib/kubelet/seccomp"
PROFILES_SUBDIR = "profiles"  # kind.yaml mounts the lab's profiles/ here
EXTRA_SUBDIR = "seclab-extra"  # profiles from elsewhere are copied here, outside the mount
MANAGED = f"{K8S_LABEL[0]}={K8S_LABEL[1]}"

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def check_name(name: str) -> None:
    """Refuse a workload name Kubernetes would refuse, before kubectl says it less clearly."""
    if not _DNS_LABEL.match(name):
        raise TargetError(
            f"{name!r} cannot name a pod",
            hint="use lower-case letters, digits and '-', at most 63 characters, "
            "starting and ending with a letter or digit (e.g. audit-pod)",
        )


def selector(name: str) -> str:
    """The label selector matching exactly the lab's objects for one workload."""
    return f"{MANAGED},app={name}"


def labels(name: str) -> dict[str, str]:
    return {"app": name, K8S_LABEL[0]: K8S_LABEL[1]}


def localhost_path(profile: ProfileRef) -> str:
    """The `localhostProfile` value for a Localhost profile (a lab file or one from elsewhere)."""
    assert profile.file is not None
    path = Path(profile.file)
    if path.is_absolute():
        return f"{EXTRA_SUBDIR}/{path.name}"
    return f"{PROFILES_SUBDIR}/{profile.file}"


def seccomp_profile(profile: ProfileRef) -> dict[str, str]:
    """The pod's `securityContext.seccompProfile` for a profile reference."""
    if profile.kind == "localhost":
        if not profile.file:
            raise TargetError("a Localhost profile needs a file name", hint="e.g. audit.json")
        return {"type": "Localhost", "localhostProfile": localhost_path(profile)}
    if profile.kind == "runtime-default":
        return {"type": "RuntimeDefault"}
    return {"type": "Unconfined"}


def pod_manifest(spec: WorkloadSpec, image: str | None = None) -> dict[str, Any]:
    """A pod running the workload under a pod-level seccomp profile, as the tutorial does
    (`image`: another image for the workload, e.g. the lab's offline stand-in)."""
    check_name(spec.name)
    container: dict[str, Any] = {"name": CONTAINER}
    if spec.workload == "http-echo":
        container["image"] = image or HTTP_ECHO_IMAGE
        container["args"] = list(spec.args or DEFAULT_ECHO_ARGS)
        restart = "Always"  # so a profile that kills the server shows as CrashLoopBackOff
    else:
        if not spec.args:
            raise TargetError(f"busybox workload {spec.name!r} has no command")
        container["image"] = image or BUSYBOX_IMAGE
        container["command"] = list(spec.args)
        restart = "Never"  # one-shot commands: their exit code is the observation
    if spec.privileged:
        # Privileged containers run Unconfined whatever the pod says; the API refuses
        # allowPrivilegeEscalation: false next to privileged: true.
        container["securityContext"] = {"privileged": True}
    else:
        container["securityContext"] = {"allowPrivilegeEscalation": False}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": spec.name, "labels": labels(spec.name)},
        "spec": {
            "securityContext": {"seccompProfile": seccomp_profile(spec.profile)},
            "containers": [container],
            "restartPolicy": restart,
            # The lab deletes and recreates pods often; waiting 30 s each time teaches nothing.
            "terminationGracePeriodSeconds": 1,
        },
    }
