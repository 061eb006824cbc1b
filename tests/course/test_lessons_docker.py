"""CI: every lesson that runs on docker passes with --auto against the real engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from lesson_play import LESSONS, explain, lesson_ids, play

from lab.course.events import CheckPassed, CheckSkipped, StepSkipped
from lab.targets.docker.target import DockerTarget

pytestmark = [pytest.mark.docker, pytest.mark.root]


@pytest.fixture
def docker_target(profiles_dir: Path) -> Iterator[DockerTarget]:
    # Our own session label: the reset removes this test's containers and nothing else.
    target = DockerTarget(profiles_dir, session=f"course-{uuid.uuid4().hex[:10]}")
    yield target
    target.reset()


@pytest.mark.parametrize("lesson_id", lesson_ids("docker"))
def test_lesson_passes_on_docker(
    lesson_id: str, docker_target: DockerTarget, tmp_path: Path
) -> None:
    passed, events = play(lesson_id, docker_target, tmp_path)
    assert passed, explain(events)
    skipped = {e.step.id for e in events if isinstance(e, StepSkipped)}
    # Only a step that needs privileged containers may be skipped, and only where they can't run.
    assert skipped <= {s.id for s in LESSONS[lesson_id].steps if "privileged" in s.needs}
    if skipped:
        assert docker_target.privileged_blocker() is not None
    ran = [s for s in LESSONS[lesson_id].steps if s.id not in skipped]
    expected = sum(1 for s in ran for c in s.checks if not c.only or "docker" in c.only)
    seen = sum(isinstance(e, CheckPassed | CheckSkipped) for e in events)
    assert seen == expected
    assert (
        docker_target.docker().containers.list(
            all=True, filters={"label": f"seclab.session={docker_target.session}"}
        )
        == []
    ), "the lesson left containers behind"
