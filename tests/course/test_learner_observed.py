"""Guided checks observe the learner, never the lab's own actions (issue 11's three cases).

Each test failed before the fix: the request step passed on the check's own request, a local
workload under violation.json was `running` while its launcher lived, and `c` after `x` passed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.audit.capture import AuditCapture
from lab.course.events import CheckFailed, Event
from lab.course.loader import load_lesson
from lab.course.progress import ProgressStore
from lab.course.runner import LessonRunner
from lab.paths import lessons_dir
from lab.targets.base import Phase, ProfileRef, WorkloadSpec
from lab.targets.local.target import LocalTarget
from lab.targets.proctree import ForkWatcher

pytestmark = pytest.mark.root


@pytest.fixture
def target(profiles_dir: Path) -> Iterator[LocalTarget]:
    local = LocalTarget(profiles_dir)
    yield local
    local.close()


def _runner(lesson_id: str, target: LocalTarget, tmp_path: Path, events: list[Event],
            capture: AuditCapture, forks: ForkWatcher) -> LessonRunner:  # fmt: skip
    lesson = load_lesson(lessons_dir() / f"{lesson_id}.yaml")
    return LessonRunner(
        lesson, target, events.append, audit=capture, forks=forks,
        progress=ProgressStore(tmp_path / "progress"), workdir=tmp_path / "work",
    )  # fmt: skip


def test_the_request_step_needs_a_request_the_checks_did_not_send(
    target: LocalTarget, tmp_path: Path
) -> None:
    events: list[Event] = []
    with AuditCapture() as capture, ForkWatcher() as forks:
        runner = _runner("audit", target, tmp_path, events, capture, forks)
        runner.start()
        start, request = runner.lesson.steps[:2]
        assert runner.begin_step(start, 1) and runner.run_checks(start)
        assert runner.begin_step(request, 2)
        # Nothing sent: the http check's own request must not stand in for the learner's.
        assert not runner.run_checks(request)
        failed = [e for e in events if isinstance(e, CheckFailed)]
        assert any("served" in e.result.check.kind for e in failed)
        assert "0 request(s) for /" in failed[0].result.seen
        # The learner's own request (curl from outside the lab's checks) passes it.
        answer = target.request(runner.obs.real("audit-pod"), "/", timeout=10)
        assert answer.status == 200
        assert runner.run_checks(request)
        runner.cleanup()


def test_local_running_means_execd_and_listening(target: LocalTarget) -> None:
    spec = WorkloadSpec("never-runs", "http-echo", ProfileRef.localhost("violation.json"))
    phases = [target.run(spec).phase]
    # The launcher lives a moment before its execve is refused: never `running` meanwhile.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = target.state("never-runs")
        phases.append(state.phase)
        if state.phase == Phase.CRASH_LOOPING:
            break
        time.sleep(0.02)
    assert Phase.RUNNING not in phases, phases
    assert phases[0] == Phase.PENDING
    assert phases[-1] == Phase.CRASH_LOOPING
    good = WorkloadSpec("runs", "http-echo", ProfileRef.localhost("audit.json"))
    first = target.run(good)
    assert first.phase == Phase.PENDING and first.reason == "Starting"  # local's words
    assert "ContainerCreating" not in first.message and "launcher" not in first.message
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and target.state("runs").phase != Phase.RUNNING:
        time.sleep(0.02)
    # Once running it answers at once: it was listening, not merely alive.
    assert target.state("runs").phase == Phase.RUNNING
    assert target.request("runs", "/", timeout=2).status == 200


def test_a_reset_step_does_not_pass_until_it_is_done_again(
    target: LocalTarget, tmp_path: Path
) -> None:
    events: list[Event] = []
    with AuditCapture() as capture, ForkWatcher() as forks:
        runner = _runner("block-mkdir", target, tmp_path, events, capture, forks)
        runner.start()
        errno = runner.lesson.steps[0]
        assert runner.begin_step(errno, 1) and runner.run_checks(errno)
        runner.finish_step(errno, True)
        runner.reset_step(errno)
        assert "errno" not in ProgressStore(tmp_path / "progress").passed("block-mkdir", "local")
        assert not runner.run_checks(errno)
        assert runner.begin_step(errno, 1) and runner.run_checks(errno)
        runner.cleanup()
