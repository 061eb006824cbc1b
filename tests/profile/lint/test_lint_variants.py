"""Lint findings that hold across runtimes and architectures: syscall variants, newer runc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.profile.lint import lint_file, lint_text
from lab.profile.syscalls import ARCHES, exists_on, variants

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
# The tutorial's file is shipped as the tutorial has it; lint names what it lacks, as it would
# for a learner's own copy.
VERBATIM = {"fine-grained.json"}
# block-mkdir's example of a deny rule that misses a variant: lint must warn about it.
TEACHES = {"block-mkdirat-only.json": "variant-not-denied"}


def codes(profile: dict[str, object]) -> list[str]:
    return [d.code for d in lint_text(json.dumps(profile, indent=1), "p.json")]


def test_variants_come_from_libseccomp_names() -> None:
    assert "mkdirat" in variants("mkdir") and "mkdir" in variants("mkdirat")
    assert {"open", "openat2"} <= variants("openat")
    assert "renameat2" in variants("rename")
    assert "read" not in variants("pread64")  # not the same job


def test_a_mkdirat_only_deny_leaves_mkdir_open() -> None:
    # As a popular guide writes it: on x86_64 the mkdir command calls mkdir(2), not mkdirat.
    only_at = {"defaultAction": "SCMP_ACT_ALLOW",
               "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO"}]}  # fmt: skip
    assert "variant-not-denied" in codes(only_at)
    both = {"defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}  # fmt: skip
    assert "variant-not-denied" not in codes(both)
    open_only = {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["open"], "action": "SCMP_ACT_KILL"}]}  # fmt: skip
    found = [d for d in lint_text(json.dumps(open_only), "p") if d.code == "variant-not-denied"]
    assert found and '"openat"' in found[0].message


def test_allow_list_without_newer_runc_calls_is_warned() -> None:
    rule = {"names": ["execve", "read", "openat"], "action": "SCMP_ACT_ALLOW"}
    old = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [rule]}
    found = [d for d in lint_text(json.dumps(old), "p.json") if d.code == "newer-runc-calls"]
    assert found and "1.2.8" in found[0].message and "1.3.3" in found[0].message
    assert "openat2 and statx" in found[0].message
    new = {"defaultAction": "SCMP_ACT_ERRNO",
           "syscalls": [{"names": ["execve", "read", "openat", "openat2", "statx"],
                         "action": "SCMP_ACT_ALLOW"}]}  # fmt: skip
    assert "newer-runc-calls" not in codes(new)


def test_x86_only_names_are_warned_for_arm64() -> None:
    x86 = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_AARCH64"],
           "syscalls": [{"names": ["execve", "poll", "dup2", "openat2", "statx"],
                         "action": "SCMP_ACT_ALLOW"}]}  # fmt: skip
    found = [d for d in lint_text(json.dumps(x86), "p.json") if d.code == "missing-on-arch"]
    assert found and "poll → ppoll" in found[0].message and "aarch64" in found[0].message


@pytest.mark.parametrize("path", sorted(PROFILES.glob("*.json")), ids=lambda p: p.name)
def test_shipped_profiles_hold_on_x86_64_and_arm64(path: Path) -> None:
    profile = json.loads(path.read_text())
    findings = lint_file(path)
    if path.name in TEACHES:
        assert any(d.code == TEACHES[path.name] for d in findings)
        return
    if path.name in VERBATIM:
        assert any(d.code == "missing-on-arch" for d in findings)  # dup2, poll: x86 names
        return
    ours = ("missing-on-arch", "variant-not-denied", "newer-runc-calls")
    assert not [d for d in findings if d.severity == "error" or d.code in ours], findings
    if profile.get("defaultAction") != "SCMP_ACT_ERRNO" or not profile.get("syscalls"):
        return
    # An allow-list: both architectures listed, and every name that one of them lacks has
    # its counterpart allowed there (lint checks the listed arches, whatever the host's).
    assert {"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"} <= set(profile["architectures"])
    allowed = {n for rule in profile["syscalls"] for n in rule["names"]}
    for arch in ("SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"):
        assert any(exists_on(ARCHES[arch], name) for name in allowed)
