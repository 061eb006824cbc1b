"""What the versions of kind, its node image, containerd, runc and the host's cgroups mean for
the lab, from the projects' sources and release notes (SECCOMP-FACTS.md, "Versions") and what a
real kind node showed (kind-observed/: Kubernetes 1.22.3, containerd 1.6.20, runc 1.1.5)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lab.targets.docker.versions import parse_version

# kind release -> the Kubernetes minor of its default node image (SECCOMP-FACTS.md, Versions).
DEFAULT_NODE_MINOR: dict[tuple[int, ...], int] = {
    (0, 26): 32,
    (0, 27): 32,
    (0, 28): 33,
    (0, 29): 33,
    (0, 30): 34,
    (0, 31): 35,
    (0, 32): 36,
    (0, 33): 37,  # kind PR 4248 (the v0.33.0 notes first said 1.36.1 by mistake)
}
FAIL_CGROUP_V1_FROM = 35  # node images from 1.35 refuse cgroup v1 hosts (failCgroupV1: true)
SECCOMP_DEFAULT_GATE_BELOW = 25  # alpha, behind the SeccompDefault gate, in 1.22-1.24
SECCOMP_DEFAULT_GATE_GONE = 29  # the gate was removed: naming it makes the kubelet fail
KUBEADM_V1BETA4_FROM = 36  # kind writes kubeadm v1beta4 from 1.36
RUNC_FLAGS_SINCE = (1, 2)  # runc 1.1 refuses a profile with `flags`


def kind_release(text: str) -> tuple[int, ...] | None:
    """(0, 31, 0) from `kind v0.31.0 go1.25.5 linux/amd64`; None for a pre-release build such
    as `kind v0.33.0-alpha+fed268827e21ca …` (its default node image is its builder's choice)."""
    match = re.search(r"kind v(\d+\.\d+\.\d+)(\S*)", text)
    if not match or match.group(2).startswith("-"):
        return None
    return parse_version(match.group(1))


def node_minor_from_image(image: str | None) -> int | None:
    """26 from `kindest/node:v1.26.3@sha256:…`; None for a tag without a version (`:local`)."""
    if not image:
        return None
    tag = image.split("@", 1)[0].rpartition(":")[2]
    version = parse_version(tag) if tag.startswith("v1.") else None
    return version[1] if version and len(version) > 1 else None


def expected_node_minor(kind: tuple[int, ...] | None, image: str | None) -> int | None:
    """The Kubernetes minor the cluster will run: the config's image, else kind's default."""
    if image:  # the config's own image: its tag says, or nothing does
        return node_minor_from_image(image)
    return DEFAULT_NODE_MINOR.get(kind[:2]) if kind else None


def host_cgroup_version(root: Path = Path("/sys/fs/cgroup")) -> int:
    """2 on a unified (cgroup v2) host, else 1 (Docker Desktop's VM is v2)."""
    return 2 if (root / "cgroup.controllers").exists() else 1


@dataclass(frozen=True)
class ClusterVersions:
    """The versions a running cluster reports (`kubectl get nodes -o json`, `runc --version`)."""

    kubernetes: str | None = None  # v1.22.3
    containerd: str | None = None  # 1.6.20~ds1
    runc: str | None = None  # 1.1.5+ds1
    cgroup: int = 2

    @property
    def minor(self) -> int | None:
        version = parse_version(self.kubernetes)
        return version[1] if version and len(version) > 1 else None

    def summary(self) -> str:
        parts = [
            f"Kubernetes {self.kubernetes or '?'}",
            f"containerd {self.containerd or '?'}",
            f"runc {self.runc or '?'}",
            f"host cgroup v{self.cgroup}",
        ]
        return ", ".join(parts)

    def facts(self) -> list[str]:
        """What this cluster does with seccomp, in the learner's terms."""
        said = []
        runc = parse_version(self.runc)
        if runc is not None and runc < RUNC_FLAGS_SINCE:
            said.append(
                f"runc {self.runc} refuses a profile that has `flags` (SECCOMP_FILTER_FLAG_LOG): "
                "such a pod does not start (runc 1.2 applies them)"
            )
        elif runc is not None:
            said.append(f"runc {self.runc} applies a profile's `flags` (SECCOMP_FILTER_FLAG_LOG)")
        if self.containerd:
            said.append(
                f"RuntimeDefault is containerd {self.containerd}'s own profile (it differs "
                "between containerd versions)"
            )
        minor = self.minor
        if minor is not None and minor < SECCOMP_DEFAULT_GATE_BELOW:
            said.append(
                f"seccompDefault (RuntimeDefault for every pod) needs the SeccompDefault feature "
                f"gate on Kubernetes 1.{minor}: `seclab cluster up --seccomp-default` adds it"
            )
        if minor is not None and minor >= FAIL_CGROUP_V1_FROM and self.cgroup == 1:
            said.append(
                f"Kubernetes 1.{minor} refuses cgroup v1 hosts unless failCgroupV1: false "
                "(`seclab cluster up` sets it on cgroup v1)"
            )
        return said


def parse_node(node: dict[str, object], cgroup: int) -> ClusterVersions:
    """The versions in one node object of `kubectl get nodes -o json`."""
    status = node.get("status")
    info = status.get("nodeInfo", {}) if isinstance(status, dict) else {}
    runtime = str(info.get("containerRuntimeVersion") or "")
    containerd = runtime.split("://", 1)[1] if runtime.startswith("containerd://") else None
    return ClusterVersions(info.get("kubeletVersion"), containerd, None, cgroup)


def parse_runc(text: str) -> str | None:
    """`1.1.5+ds1` from `runc --version`'s first line (`runc version 1.1.5+ds1`)."""
    match = re.search(r"runc version (\S+)", text)
    return match.group(1) if match else None


def config_patches(
    minor: int | None, *, seccomp_default: bool, cgroup: int
) -> tuple[dict[str, object], list[str]]:
    """The KubeletConfiguration fields the cluster needs for these versions, and what to say.

    - seccompDefault: true, with the SeccompDefault feature gate below 1.25 (the kubelet exits
      at start without it: seen on a real 1.22 node), the field alone from 1.25;
    - failCgroupV1: false on a cgroup v1 host from 1.35, where the kubelet refuses v1 otherwise.
    """
    fields: dict[str, object] = {}
    said: list[str] = []
    if seccomp_default:
        fields["seccompDefault"] = True
        if minor is not None and minor < SECCOMP_DEFAULT_GATE_BELOW:
            fields["featureGates"] = {"SeccompDefault": True}
            said.append(
                f"Kubernetes 1.{minor}: seccompDefault is alpha, so the SeccompDefault feature "
                "gate is turned on with it"
            )
        elif minor is None:
            said.append(
                "the node image's Kubernetes version is not known before the cluster runs: "
                "seccompDefault is set without the SeccompDefault gate, which 1.22-1.24 need "
                "(name the image in kind.yaml, e.g. image: kindest/node:v1.24.17, to have it added)"
            )
    if cgroup == 1 and minor is not None and minor >= FAIL_CGROUP_V1_FROM:
        fields["failCgroupV1"] = False
        said.append(
            f"this host uses cgroup v1, which Kubernetes 1.{minor} refuses by default: "
            "failCgroupV1: false is set so the kubelet starts (v1 support is deprecated)"
        )
    elif cgroup == 1 and minor is None:
        said.append(
            "this host uses cgroup v1: node images from Kubernetes 1.35 refuse it unless "
            "failCgroupV1: false (name the image in kind.yaml to have seclab set it)"
        )
    return fields, said
