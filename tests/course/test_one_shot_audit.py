"""The audit check on a one-shot run (block-mkdir's KILL step) against the real kernel, on local
and docker: the KILL run leaves a SIGSYS record on its own processes, and the same check fails
under the ERRNO profile, which leaves no record at all."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from lab.audit.capture import AuditCapture
from lab.course.checks import wait_for
from lab.course.model import Check
from lab.course.observe import Observations
from lab.targets.base import ProfileRef, Target, WorkloadSpec
from lab.targets.docker.target import DockerTarget
from lab.targets.local.target import LocalTarget
from lab.targets.proctree import ForkWatcher

pytestmark = pytest.mark.root

# As in lessons/block-mkdir.yaml: a shell whose child `mkdir` meets the rule.
COMMAND = ("sh", "-c", 'mkdir /tmp/seclab-one-shot; echo "status $?"')
KILL_RECORD = Check(
    "audit", 1, "m", timeout=5, interval=0.1, min_count=1,
    actions=("kill_thread", "kill_process"), signal=31, any_of=("mkdir", "mkdirat"),
)  # fmt: skip


@contextlib.contextmanager
def _observe(target: Target, profile: str) -> Iterator[Observations]:
    with AuditCapture() as capture, ForkWatcher() as forks:
        obs = Observations(target, capture, forks=forks)
        spec = WorkloadSpec(f"m{uuid.uuid4().hex[:6]}", "busybox", ProfileRef.localhost(profile))
        result = target.run_to_completion(replace(spec, args=COMMAND))
        assert result.pids, "a one-shot run reports the pids it ran as"
        obs.save("m", result)
        obs.ended("m", result)
        yield obs


@pytest.fixture
def local_target(profiles_dir: Path) -> Iterator[LocalTarget]:
    target = LocalTarget(profiles_dir)
    yield target
    target.close()


@pytest.fixture
def docker_target(profiles_dir: Path) -> Iterator[DockerTarget]:
    target = DockerTarget(profiles_dir, session=f"oneshot-{uuid.uuid4().hex[:10]}")
    yield target
    target.reset()


def _kill_record_found(target: Target) -> None:
    with _observe(target, "kill-mkdir.json") as obs:
        assert obs.result("m") is not None and "status 159" in obs.result("m").stdout  # type: ignore[union-attr]
        result = wait_for(KILL_RECORD, obs)
        assert result.passed, result.reason()
        assert "mkdir" in result.seen
        # Broken on purpose: KILL records carry sig=31, never another signal.
        assert not wait_for(replace(KILL_RECORD, signal=9, timeout=0), obs).passed


def _no_record_under_errno(target: Target) -> None:
    with _observe(target, "block-mkdir.json") as obs:
        assert obs.result("m").exit_code == 0  # type: ignore[union-attr]
        assert "status 1" in obs.result("m").stdout  # type: ignore[union-attr]
        result = wait_for(replace(KILL_RECORD, timeout=1), obs)
        assert not result.passed
        assert result.seen.startswith("0 records")
        # ERRNO without the log flag leaves no record of any kind for these processes.
        assert wait_for(Check("audit", 1, "m", timeout=0, max_count=0), obs).passed


def test_kill_run_leaves_its_sigsys_record_on_local(local_target: LocalTarget) -> None:
    _kill_record_found(local_target)


def test_errno_run_leaves_no_kill_record_on_local(local_target: LocalTarget) -> None:
    _no_record_under_errno(local_target)


@pytest.mark.docker
def test_kill_run_leaves_its_sigsys_record_on_docker(docker_target: DockerTarget) -> None:
    _kill_record_found(docker_target)


@pytest.mark.docker
def test_errno_run_leaves_no_kill_record_on_docker(docker_target: DockerTarget) -> None:
    _no_record_under_errno(docker_target)


def test_a_one_shot_without_pids_cannot_be_audit_checked(local_target: LocalTarget) -> None:
    with AuditCapture() as capture:
        obs = Observations(local_target, capture)
        obs.ended("m", replace(local_target.run_to_completion(
            WorkloadSpec("m", "busybox", ProfileRef.unconfined(), ("true",))
        ), pids=()))  # fmt: skip
        result = wait_for(replace(KILL_RECORD, timeout=0), obs)
    assert not result.passed and "no process ids" in result.seen
