"""Honest by construction: every exercise's starting files FAIL its checks, on every target it
lists that can run here, and its reference solution PASSES them.

A failure of the starting files must also explain itself (what failed, and why).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.audit.capture import AuditCapture
from lab.course import workspace
from lab.course.events import CheckFailed, Event
from lab.course.loader import load_lessons
from lab.course.model import Lesson, Step
from lab.course.progress import ProgressStore
from lab.course.runner import LessonRunner
from lab.course.transcript import render
from lab.targets.base import Target
from lab.targets.proctree import ForkWatcher

LESSONS = {lesson.id: lesson for lesson in load_lessons()}
RUNNABLE_HERE = ("local", "docker")  # kind exercises run live on the kind harness only


def _cases() -> list[object]:
    cases: list[object] = []
    for lesson in LESSONS.values():
        for step in lesson.steps:
            if not step.exercise:
                continue
            for target in lesson.targets:
                if target not in RUNNABLE_HERE:
                    continue
                marks = [pytest.mark.root] + ([pytest.mark.docker] if target == "docker" else [])
                ident = f"{lesson.id}/{step.id}/{target}"
                cases.append(pytest.param(lesson.id, step.id, target, id=ident, marks=marks))
    return cases


CASES = _cases()


def test_there_are_at_least_six_exercises_on_local_and_docker() -> None:
    exercises = {(c.values[0], c.values[1]) for c in CASES}  # type: ignore[attr-defined]
    assert len(exercises) >= 6
    docker = [c for c in CASES if c.values[2] == "docker"]  # type: ignore[attr-defined]
    assert len(docker) >= 7  # chmod and the six broken profiles


@pytest.fixture
def make_target(profiles_dir: Path) -> Iterator[object]:
    made: list[Target] = []

    def make(name: str) -> Target:
        if name == "docker":
            from lab.targets.docker.target import DockerTarget

            target: Target = DockerTarget(profiles_dir, session=f"ex-{uuid.uuid4().hex[:10]}")
        else:
            from lab.targets.local.target import LocalTarget

            target = LocalTarget(profiles_dir)
        made.append(target)
        return target

    yield make
    for target in made:
        target.reset()
        close = getattr(target, "close", None)
        if close is not None:
            close()


def _failures(events: list[Event]) -> str:
    return "\n".join(text for e in events if isinstance(e, CheckFailed) and (text := render(e)))


@pytest.mark.parametrize(("lesson_id", "step_id", "target_name"), CASES)
def test_starting_files_fail_and_the_reference_solution_passes(
    lesson_id: str, step_id: str, target_name: str, make_target: object, tmp_path: Path
) -> None:
    lesson: Lesson = LESSONS[lesson_id]
    step: Step = lesson.step(step_id)
    events: list[Event] = []
    with AuditCapture() as capture, ForkWatcher() as forks:
        runner = LessonRunner(
            lesson, make_target(target_name), events.append,  # type: ignore[operator]
            audit=capture, forks=forks, progress=ProgressStore(tmp_path / "progress"),
            workdir=tmp_path / "work", name_prefix=f"x{uuid.uuid4().hex[:6]}-",
        )  # fmt: skip
        try:
            runner.start()
            restored = workspace.reset(lesson, step)
            assert all(p.read_bytes() == workspace.starting_file(lesson, p.name).read_bytes()
                       for p in restored)  # fmt: skip
            assert not runner.run_checks(step), "the starting files passed: the exercise is empty"
            failed = [e for e in events if isinstance(e, CheckFailed)]
            assert failed and all(e.result.seen for e in failed)
            # Every failure of an output or audit check says why, beyond expected/seen.
            for event in failed:
                if event.result.check.kind in ("output", "audit") and not event.result.unobservable:
                    assert event.result.why, render(event)
            events.clear()
            runner.solve(step, show=False)
            assert runner.run_checks(step), _failures(events)
        finally:
            runner.cleanup()
