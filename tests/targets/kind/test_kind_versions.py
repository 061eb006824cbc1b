"""What the versions of kind, the node image, containerd, runc and the host's cgroups mean.

Version facts: SECCOMP-FACTS.md, "Versions". Real outputs: `kind version` and `runc --version`
as the real harness printed them (kind-observed/README.md, node-versions.txt).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lab.targets.kind import config as kindconfig
from lab.targets.kind import versions as kv

REPO = Path(__file__).resolve().parents[3]


def test_real_version_outputs_parse() -> None:
    # The harness's own build: a pre-release, whose default image is whatever it was built with.
    assert kv.kind_release("kind v0.33.0-alpha+fed268827e21ca go1.27.3 linux/amd64") is None
    assert kv.kind_release("kind v0.31.0 go1.25.5 linux/amd64") == (0, 31, 0)
    real_runc = "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n"
    assert kv.parse_runc(real_runc) == "1.1.5+ds1"
    info = {"kubeletVersion": "v1.22.3", "containerRuntimeVersion": "containerd://1.6.20~ds1"}
    node = {"status": {"nodeInfo": info}}
    versions = kv.parse_node(node, cgroup=1)
    assert (versions.kubernetes, versions.containerd, versions.minor) == (
        "v1.22.3",
        "1.6.20~ds1",
        22,
    )


@pytest.mark.parametrize(
    ("kind", "image", "minor"),
    [
        ((0, 31, 0), None, 35),
        ((0, 32, 1), None, 36),
        ((0, 26, 0), None, 32),
        ((0, 33, 0), None, 37),
        (None, None, None),  # a pre-release build: unknown
        ((0, 31, 0), "kindest/node:v1.24.17@sha256:abc", 24),  # the config's image wins
        ((0, 33, 0), "kindest/node:local", None),
    ],
)
def test_expected_node_minor(
    kind: tuple[int, ...] | None, image: str | None, minor: int | None
) -> None:
    assert kv.expected_node_minor(kind, image) == minor


def test_cgroup_v1_host_with_a_1_35_node_gets_fail_cgroup_v1_false() -> None:
    fields, said = kv.config_patches(35, seccomp_default=False, cgroup=1)
    assert fields == {"failCgroupV1": False} and "cgroup v1" in said[0]
    assert kv.config_patches(35, seccomp_default=False, cgroup=2) == ({}, [])
    assert kv.config_patches(34, seccomp_default=False, cgroup=1) == ({}, [])
    fields, said = kv.config_patches(None, seccomp_default=False, cgroup=1)
    assert fields == {} and "failCgroupV1: false" in said[0]  # said, not guessed


@pytest.mark.parametrize(
    ("minor", "fields"),
    [
        (22, {"seccompDefault": True, "featureGates": {"SeccompDefault": True}}),
        (24, {"seccompDefault": True, "featureGates": {"SeccompDefault": True}}),
        (25, {"seccompDefault": True}),
        (36, {"seccompDefault": True}),  # the gate is gone from 1.29: naming it would fail
    ],
)
def test_seccomp_default_needs_the_gate_below_1_25(minor: int, fields: dict[str, object]) -> None:
    assert kv.config_patches(minor, seccomp_default=True, cgroup=2)[0] == fields


def test_the_fields_reach_the_generated_config_as_one_kubelet_patch(tmp_path: Path) -> None:
    kubelet, _ = kv.config_patches(22, seccomp_default=True, cgroup=1)
    config = kindconfig.render(kindconfig.load(REPO / "kind.yaml"), tmp_path, kubelet=kubelet)
    (patch,) = config["kubeadmConfigPatches"]
    assert yaml.safe_load(patch) == {
        "kind": "KubeletConfiguration",
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "seccompDefault": True,
        "featureGates": {"SeccompDefault": True},
    }


def test_facts_say_what_this_cluster_does() -> None:
    old = kv.ClusterVersions("v1.22.3", "1.6.20~ds1", "1.1.5+ds1", cgroup=1)
    said = " ".join(old.facts())
    assert "runc 1.1.5+ds1 refuses a profile that has `flags`" in said
    assert "SeccompDefault feature gate on Kubernetes 1.22" in said
    assert "containerd 1.6.20~ds1's own profile" in said
    new = kv.ClusterVersions("v1.35.0", "2.2.0", "1.2.9", cgroup=1)
    said = " ".join(new.facts())
    assert "runc 1.2.9 applies a profile's `flags`" in said
    assert "refuses cgroup v1 hosts unless failCgroupV1: false" in said
    assert "feature gate" not in said
